"""Permission matrix lines for the committees app (merged into tests/test_permissions.py's EXPECTED)."""

from __future__ import annotations

from tests.matrix import TEAM_A, every, only

COMMITTEE_A1 = only(TEAM_A | {"volunteer_a1": 200})
POST_ONLY = every(405, anonymous=302)  # every signed-in role reaches the method check; nothing is shown


def village(w) -> list:
    return [w.territory_a.code, w.village_a1.slug]


EXPECTED: dict = {
    "committees:dashboard": (village, COMMITTEE_A1),
    # Each volunteer's own availability: the team has none in a village.
    "committees:availability": (village, only({"volunteer_a1": 200})),
    "committees:visit_plan": (village, COMMITTEE_A1),
    "committees:visit": (lambda w: [*village(w), w.visit.pk], COMMITTEE_A1),
    "committees:checklist": (lambda w: [*village(w), w.checklist.pk], COMMITTEE_A1),
    "committees:action_edit": (lambda w: [*village(w), w.checklist.pk, w.welcome_action.pk], POST_ONLY),
    "committees:action_done": (lambda w: [*village(w), w.checklist.pk, w.welcome_action.pk], POST_ONLY),
    "committees:follow_up": (lambda w: [*village(w), w.committee_follow_up.pk], COMMITTEE_A1),
    "committees:follow_up_take": (lambda w: [*village(w), w.committee_follow_up.pk], POST_ONLY),
    "committees:refer": (lambda w: [w.territory_a.code, w.household.pk], only(TEAM_A)),
    "committees:household_visit": (lambda w: [w.territory_a.code, w.household.pk], only(TEAM_A)),
    "committees:activity": (lambda w: [w.territory_a.code], only(TEAM_A)),
}


def build(world) -> None:
    """world.household (sharing with Lectoure, village A1) is referred there, has a visit planned, and a welcome
    checklist with its committee follow-up."""
    from datetime import timedelta

    from django.utils import timezone

    from sohosolo.committees.models import CommitteeFollowUp, Referral, Visit, WelcomeAction, WelcomeChecklist
    from sohosolo.prospects.models import FollowUp

    today = timezone.localdate()
    Referral.objects.create(household=world.household, village=world.village_a1, note="Cherche une maison")
    world.visit = Visit.objects.create(
        household=world.household, village=world.village_a1, starts_at=timezone.now() + timedelta(days=3)
    )
    world.checklist = WelcomeChecklist.objects.create(
        household=world.household, village=world.village_a1, settled_on=today
    )
    world.welcome_action = WelcomeAction.objects.create(checklist=world.checklist, kind="town_hall", due_on=today)
    follow_up = FollowUp.objects.create(household=world.household, title="Un mois après", due_on=today)
    world.committee_follow_up = CommitteeFollowUp.objects.create(checklist=world.checklist, follow_up=follow_up)
