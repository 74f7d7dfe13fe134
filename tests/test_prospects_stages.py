"""A file's stage: dropping it needs a reason; settling plans the welcome follow-ups and tells the committee (with
consent); leaving "settled" takes the household out of the results."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from sohosolo.accounts.models import CommitteeFunction, Role
from sohosolo.privacy.consents import record_consents
from sohosolo.prospects.models import FollowUp, Stage
from tests.factories import make_household


def test_dropping_a_file_needs_a_reason_and_is_in_its_history(world, client_for):
    household = make_household(world.territory_a)
    client = client_for("advisor_a")
    url = reverse("prospects:set_stage", args=["gers", household.pk])
    client.post(url, {"stage": "dropped", "reason": ""})
    household.refresh_from_db()
    assert household.stage == Stage.NEW
    client.post(url, {"stage": "dropped", "reason": "Project postponed to 2028"})
    household.refresh_from_db()
    assert household.stage == Stage.DROPPED and household.stage_reason == "Project postponed to 2028"
    page = client.get(household.get_absolute_url()).text
    assert "prospect.stage_changed" in page


def settle(client, household, commune="32208", people=4):
    return client.post(
        reverse("prospects:settle", args=["gers", household.pk]),
        {"commune": commune, "settled_on": "2026-11-01", "people": str(people)},
    )


@pytest.mark.parametrize("sharing", [True, False])
def test_settling_plans_three_follow_ups_and_tells_the_committee_only_with_consent(
    world, client_for, sharing, django_capture_on_commit_callbacks
):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"])
    record_consents(household, {"follow_up": True, "sharing": sharing}, "fr", source="test")
    Role.objects.filter(user=world.users["volunteer_a1"]).update(committee_function=CommitteeFunction.REFERENT)
    with django_capture_on_commit_callbacks(execute=True):
        assert settle(client_for("advisor_a"), household).status_code == 302
    household.refresh_from_db()
    assert household.stage == Stage.SETTLED and household.settled_people == 4
    assert household.settled_commune_id == "32208"
    follow_ups = FollowUp.objects.filter(household=household).order_by("due_on")
    assert [f.due_on for f in follow_ups] == [date(2026, 12, 1), date(2027, 5, 2), date(2027, 11, 1)]
    assert all(f.assignee == world.users["advisor_a"] for f in follow_ups)
    told = [m for m in mail.outbox if "volunteer.a1@example.fr" in m.to]
    assert len(told) == (1 if sharing else 0)
    # Queued again by mistake: nothing is done twice.
    from sohosolo.prospects.tasks import welcome_sequence

    assert welcome_sequence.call(household.pk) == {"skipped": True}
    assert FollowUp.objects.filter(household=household).count() == 3


def test_settling_needs_a_commune_of_the_territory(world, client_for):
    household = make_household(world.territory_a)
    response = settle(client_for("advisor_a"), household, commune="46185")
    assert response.status_code == 400
    household.refresh_from_db()
    assert household.stage == Stage.NEW and not FollowUp.objects.exists()


def test_leaving_settled_takes_the_household_out_of_the_results(world, client_for, django_capture_on_commit_callbacks):
    household = make_household(world.territory_a)
    with django_capture_on_commit_callbacks(execute=True):
        settle(client_for("advisor_a"), household)
    client_for("advisor_a").post(
        reverse("prospects:set_stage", args=["gers", household.pk]), {"stage": "on_hold", "reason": "Job fell through"}
    )
    household.refresh_from_db()
    assert household.stage == Stage.ON_HOLD and household.settled_on is None and household.settled_commune is None
