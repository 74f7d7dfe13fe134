"""The committees' demo data agrees with the demo prospects: consent, villages, volunteers and settling."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from sohosolo.accounts.models import Role, RoleKind
from sohosolo.committees.models import (
    Availability,
    CommitteeFollowUp,
    Referral,
    Visit,
    WelcomeChecklist,
    shared_with_village,
)
from sohosolo.committees.stats import activity_by_village, is_quiet
from sohosolo.privacy.consents import has_consent
from sohosolo.prospects.models import Interaction
from sohosolo.territory.models import Village
from tests.conftest import load_demo_of_the_tests


@pytest.fixture
def demo(db, on_demo_day):
    load_demo_of_the_tests(0.3)


def test_demo_committees_work_only_with_consenting_households_and_their_own_volunteers(demo):
    from django.utils import timezone

    referrals = list(Referral.objects.select_related("household", "village"))
    assert len(referrals) >= 10
    for referral in referrals:
        assert has_consent(referral.household, "sharing")
        assert referral.household.villages_of_interest.filter(pk=referral.village_id).exists()
        # What the committee sees is what was made for it.
        assert shared_with_village(referral.village).filter(pk=referral.household_id).exists()
    assert Interaction.objects.filter(kind=Interaction.Kind.REFERRAL).count() == len(
        {r.household_id for r in referrals}
    )

    visits = list(Visit.objects.prefetch_related("guides"))
    assert visits and any(v.recorded_at for v in visits) and any(v.starts_at > timezone.now() for v in visits)
    for visit in visits:
        assert Referral.objects.filter(household=visit.household_id, village=visit.village_id).exists()
        for guide in visit.guides.all():
            assert Role.objects.filter(user=guide, village=visit.village_id, kind=RoleKind.VOLUNTEER).exists()
        assert visit.recorded_at is None or visit.recorded_at <= timezone.now()
    # The housing demo (loaded after) links open offers of the visit's own village, listed on the day.
    linked = Visit.offers.through.objects.select_related("visit", "housingoffer")
    assert linked.exists() and Visit.objects.filter(offers__isnull=True).exists()
    for link in linked:
        assert link.housingoffer.village_id == link.visit.village_id and link.housingoffer.is_open
        assert link.housingoffer.created_at <= link.visit.starts_at

    checklists = list(WelcomeChecklist.objects.select_related("household", "village"))
    assert checklists
    for checklist in checklists:
        assert checklist.household.stage == "settled"
        assert checklist.household.settled_commune_id == checklist.village.commune_id
        assert checklist.settled_on == checklist.household.settled_on
        assert checklist.actions.count() == 6
    assert CommitteeFollowUp.objects.exists() and Availability.objects.exists()

    # The persona volunteers have something in their space; a few committees have gone quiet.
    lectoure = (
        Referral.objects.filter(village__slug="lectoure").exists()
        or WelcomeChecklist.objects.filter(village__slug="lectoure").exists()
    )
    assert lectoure
    from sohosolo.territory.models import Territory

    gers = Territory.objects.get(code="gers")
    today = timezone.localdate()
    figures = activity_by_village(gers, today.replace(year=today.year - 1), today)
    quiet = [pk for pk, row in figures.items() if is_quiet(row["last_activity"], today)]
    assert 0 < len(quiet) < len(figures)


def test_the_persona_volunteers_villages_have_a_checklist_and_visits_of_households_sharing_with_them(demo):
    assert_persona_villages_have_a_checklist_and_visits()


# The demo is drawn up to the day it is made, so its households change with the date: on these days neither persona
# village had a sharing household that the retention job keeps, or a followed one that wished to visit it.
@pytest.mark.parametrize("day", ["2026-11-27", "2027-02-11"])
def test_the_persona_villages_have_their_checklist_and_visits_whatever_the_day(db, day):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    with time_machine.travel(datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=ZoneInfo("Europe/Paris"))):
        call_command("demo", "--prospects-scale", "0.3", "--today", day, verbosity=0)
        assert_persona_villages_have_a_checklist_and_visits()


def assert_persona_villages_have_a_checklist_and_visits() -> None:
    from django.utils import timezone

    now = timezone.now()
    for slug in ("lectoure", "marciac"):
        village = Village.objects.get(slug=slug)
        shared = shared_with_village(village).values("pk")
        assert WelcomeChecklist.objects.filter(village=village, household__in=shared).exists(), slug
        visits = Visit.objects.filter(village=village, household__in=shared)
        assert visits.filter(starts_at__gt=now, recorded_at__isnull=True).exists(), slug
        assert visits.filter(starts_at__lt=now, recorded_at__isnull=False).exists(), slug
