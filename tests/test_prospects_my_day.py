"""An advisor's day: their follow-ups overdue and due, the new applications, within their territories."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from sohosolo.audit.models import ActionLog
from sohosolo.prospects.models import FollowUp
from tests.factories import make_follow_up, make_household


def test_my_day_shows_overdue_and_due_follow_ups_and_new_applications(world, client_for):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"])
    today = timezone.localdate()
    FollowUp.objects.create(
        household=household,
        title="Rappeler Hélène",
        due_on=today - timedelta(days=2),
        assignee=world.users["advisor_a"],
    )
    FollowUp.objects.create(
        household=household, title="Envoyer le dossier", due_on=today, assignee=world.users["advisor_a"]
    )
    FollowUp.objects.create(household=household, title="Pas pour moi", due_on=today, assignee=world.users["manager_a"])
    page = client_for("advisor_a").get(reverse("prospects:my_day")).text
    assert "Rappeler Hélène" in page and "Envoyer le dossier" in page and "Pas pour moi" not in page
    assert "Hélène Léger" in page  # a new application, theirs


def test_my_day_stays_within_the_advisors_territories_and_a_bounded_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    ours = make_household(world.territory_a)
    theirs = make_household(world.territory_b, first_name="Secret", last_name="Lot")
    for household in (ours, theirs):
        for i in range(12):
            FollowUp.objects.create(
                household=household, title=f"Tâche {i}", due_on=timezone.localdate(), assignee=world.users["advisor_a"]
            )
    client = client_for("advisor_a")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("prospects:my_day")).text
    assert "Hélène Léger" in page and "Secret Lot" not in page


def test_a_follow_up_is_done_once_however_often_it_is_ticked(world, client_for):
    """Two clicks, or two tabs: the first one marks it done (by whom, when), the second changes nothing."""
    household = make_household(world.territory_a, advisor=world.users["advisor_a"])
    follow_up = make_follow_up(household, "Rappeler", assignee=world.users["advisor_a"])
    client = client_for("advisor_a")
    url = reverse("prospects:follow_up_done", args=[world.territory_a.code, household.pk, follow_up.pk])
    client.post(url)
    follow_up.refresh_from_db()
    first_done_at = follow_up.done_at
    assert first_done_at is not None and follow_up.done_by == world.users["advisor_a"]
    client_for("manager_a").post(url)
    follow_up.refresh_from_db()
    assert (follow_up.done_at, follow_up.done_by) == (first_done_at, world.users["advisor_a"])
    assert ActionLog.objects.filter(action="prospect.follow_up_done").count() == 1
    stale = FollowUp.objects.get(pk=follow_up.pk)  # read before the click by another request
    stale.done_at = None
    assert stale.mark_done(world.users["manager_a"]) is False
