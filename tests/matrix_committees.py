"""Permission matrix lines for the committees app: a village's committee, referrals and visits, welcome checklists
(see tests/matrix_site.py for the format, tests/test_permissions.py runs them)."""

from __future__ import annotations

from tests.matrix import TEAM_A, every, only

COMMITTEE_A1 = only(TEAM_A | {"volunteer_a1": 200})
POST_ONLY = every(405, anonymous=302)  # every signed-in role reaches the method check; nothing is shown
OUTSIDERS = ("advisor_b",)  # staff of territory B
# For village A1's committee: territory B's staff, and a volunteer of another village (A2) of the same territory.
OUTSIDERS_OF_A1 = ("advisor_b", "volunteer_a2")


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


def action(w) -> list:
    return [*village(w), w.checklist.pk, w.welcome_action.pk]


def take(w) -> list:
    return [*village(w), w.committee_follow_up.pk]


def prospect(w) -> list:
    return [w.territory_a.code, w.household.pk]


POST: dict = {
    "committees:availability": (village, OUTSIDERS_OF_A1, {"can_guide": "on", "when": "Le week-end"}),
    "committees:visit_plan": (
        village,
        OUTSIDERS_OF_A1,
        lambda w: {"household": w.household.pk, "starts_at": "2026-09-01T10:00", "homes": "La maison"},
    ),
    "committees:visit": (
        lambda w: [*village(w), w.visit.pk],
        OUTSIDERS_OF_A1,
        {"outcome": "well", "interest": "high", "report": "Compte rendu pirate"},
    ),
    "committees:action_edit": (
        action,
        OUTSIDERS_OF_A1,
        lambda w: {f"action-{w.welcome_action.pk}-due_on": "2026-09-01"},
    ),
    "committees:action_done": (action, OUTSIDERS_OF_A1, {"done": "1", "note": "Fait (pirate)"}),
    "committees:follow_up": (take, OUTSIDERS_OF_A1, {"report": "Suivi pirate"}),
    "committees:follow_up_take": (take, OUTSIDERS_OF_A1, {}),
    "committees:refer": (prospect, OUTSIDERS, lambda w: {"villages": [w.village_a1.pk], "note": "Pirate"}),
    "committees:household_visit": (
        prospect,
        OUTSIDERS,
        lambda w: {"village": w.village_a1.slug, "starts_at": "2026-09-01T10:00", "homes": "La maison"},
    ),
}

POST_EXEMPT: dict[str, str] = {}


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
