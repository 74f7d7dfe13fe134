"""Merging two files of the same household: what is combined, what is chosen, what history and consents are kept."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from sohosolo.audit.models import ActionLog
from sohosolo.privacy.consents import record_consents
from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import FollowUp, Household
from tests.factories import make_household


def test_merging_two_files_combines_them_and_keeps_their_history(world, client_for):
    keep = make_household(world.territory_a, current_town="Lyon")
    other = make_household(
        world.territory_a, first_name="Helene", last_name="Leger-Dupuis", current_town="Paris", activity="craft"
    )
    FollowUp.objects.create(
        household=other, title="Rappeler", due_on=timezone.localdate(), assignee=world.users["advisor_a"]
    )
    other.villages_of_interest.add(world.village_a2)
    record_consents(other, {"follow_up": True, "sharing": True}, "fr", source="test")
    client = client_for("advisor_a")
    client.get(other.get_absolute_url())  # a read of the other file: part of its history
    page = client.get(reverse("prospects:merge", args=["gers", keep.pk]), {"other": other.pk})
    assert page.status_code == 200 and "Paris" in page.text and "Lyon" in page.text
    response = client.post(
        reverse("prospects:merge", args=["gers", keep.pk]), {"other": other.pk, "current_town": "other"}
    )
    assert response.status_code == 302
    keep.refresh_from_db()
    assert not Household.objects.filter(pk=other.pk).exists()
    assert keep.current_town == "Paris" and keep.activity == ""  # only the chosen field was taken
    assert keep.members.count() == 2 and keep.follow_ups.count() == 1
    assert list(keep.villages_of_interest.all()) == [world.village_a2]
    assert keep.consents.filter(purpose="sharing", given=True).exists()
    history = set(ActionLog.objects.filter(object_id=str(keep.pk)).values_list("action", flat=True))
    assert {"prospect.read", "prospect.merged"} <= history
    # Another territory's file cannot be merged in.
    foreign = make_household(world.territory_b)
    client.post(reverse("prospects:merge", args=["gers", keep.pk]), {"other": foreign.pk})
    assert Household.objects.filter(pk=foreign.pk).exists()


def test_a_merge_keeps_only_the_latest_answer_about_sharing(world, client_for):
    keep = make_household(world.territory_a)
    other = make_household(world.territory_a, first_name="Paul", last_name="Martin")
    keep.villages_of_interest.add(world.village_a1)
    record_consents(other, {"follow_up": True, "sharing": True}, "fr", source="test")  # older yes
    Consent.objects.filter(household=other).update(recorded_at=timezone.now() - timedelta(days=30))
    record_consents(keep, {"follow_up": True, "sharing": False}, "fr", source="test")  # newer no
    client_for("advisor_a").post(reverse("prospects:merge", args=["gers", keep.pk]), {"other": other.pk})
    url = reverse("prospects:village_detail", args=["gers", "lectoure", keep.pk])
    assert client_for("volunteer_a1").get(url).status_code == 404
    assert not keep.consents.in_force().filter(purpose="sharing").exists()
