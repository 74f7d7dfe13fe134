"""A prospect's file: its timeline and follow-ups written in place (htmx), every read logged, its members corrected."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from sohosolo.audit.models import ActionLog
from sohosolo.prospects.models import FollowUp
from tests.factories import make_household


def test_timeline_entries_and_follow_ups_are_added_without_leaving_the_page(world, client_for):
    household = make_household(world.territory_a)
    client = client_for("advisor_a")
    args = ["gers", household.pk]
    response = client.post(
        reverse("prospects:add_interaction", args=args),
        {"kind": "call", "summary": "Premier appel : projet solide.", "occurred_at": "2026-11-20T10:30"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and 'id="timeline"' in response.text and "<html" not in response.text
    assert "Premier appel" in response.text
    bad = client.post(
        reverse("prospects:add_interaction", args=args), {"kind": "call", "summary": ""}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 200 and "errorlist" in bad.text
    due = timezone.localdate() + timedelta(days=3)
    client.post(
        reverse("prospects:add_follow_up", args=args),
        {"title": "Envoyer la liste des villages", "due_on": due.isoformat(), "assignee": world.users["advisor_a"].pk},
        HTTP_HX_REQUEST="true",
    )
    follow_up = FollowUp.objects.get()
    response = client.post(reverse("prospects:follow_up_done", args=[*args, follow_up.pk]), HTTP_HX_REQUEST="true")
    follow_up.refresh_from_db()
    assert follow_up.done_at and follow_up.done_by == world.users["advisor_a"]
    household.refresh_from_db()
    assert "premier appel" in household.search_text
    actions = set(ActionLog.objects.filter(object_id=str(household.pk)).values_list("action", flat=True))
    assert {"prospect.interaction_added", "prospect.follow_up_added", "prospect.follow_up_done"} <= actions


def test_every_read_of_a_file_is_recorded(world, client_for):
    household = make_household(world.territory_a)
    client_for("advisor_a").get(household.get_absolute_url())
    log = ActionLog.objects.get(action="prospect.read")
    assert log.actor == world.users["advisor_a"] and log.object_id == str(household.pk)


def test_the_team_corrects_the_members_and_the_change_is_logged(world, client_for):
    household = make_household(world.territory_a)
    person = household.members.get()
    data = {
        "members-TOTAL_FORMS": "2",
        "members-INITIAL_FORMS": "1",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-id": str(person.pk),
        "members-0-household": str(household.pk),
        "members-0-is_main_contact": "on",
        "members-0-kind": "adult",
        "members-0-first_name": "Hélène",
        "members-0-last_name": "Léger",
        "members-0-email": "nouvelle@example.fr",
        "members-0-phone": "06 98 76 54 32",
        "members-1-household": str(household.pk),
        "members-1-kind": "child",
        "members-1-birth_year": "2019",
        "language": "fr",
        "version": "0",
    }
    client = client_for("advisor_a")
    assert client.post(reverse("prospects:edit", args=["gers", household.pk]), data).status_code == 302
    person.refresh_from_db()
    assert person.email == "nouvelle@example.fr" and person.phone_key == "+33698765432"
    assert household.members.filter(kind="child").count() == 1
    assert ActionLog.objects.filter(action="prospect.changed", object_id=str(household.pk)).exists()
    no_main = data | {"members-0-is_main_contact": ""}
    assert client.post(reverse("prospects:edit", args=["gers", household.pk]), no_main).status_code == 400
