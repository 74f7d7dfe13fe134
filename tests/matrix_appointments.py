"""Permission matrix lines for the appointments app (format: tests/matrix_site.py)."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, every, only

OUTSIDERS = ("advisor_b", "volunteer_a1")  # staff of territory B, and a volunteer of territory A


def household(w) -> list:
    return [w.territory_a.code, w.household.pk]


EXPECTED: dict = {
    "appointments:create": (household, only(TEAM_A)),
    "appointments:cancel": (lambda w: [*household(w), w.appointment.pk], only(STAFF_POST_ONLY)),
    # Each member of a programme team sees their own week (a manager may choose an advisor of their territories).
    "appointments:week": (lambda w: [], only(TEAM_A | {"advisor_b": 200})),
    # The household's page of its appointment: the token of the invitation's link is the key.
    "appointments:household": (lambda w: [w.appointment.token], every(200)),
}

POST: dict = {
    "appointments:create": (
        household,
        OUTSIDERS,
        lambda w: {
            "title": "Rendez-vous pirate",
            "date": (w.appointment.starts_at.date()).isoformat(),
            "time": "10:00",
            "duration": "60",
            "place": "Ailleurs",
            "assignee": w.users["advisor_a"].pk,
            "send_invitation": "on",
        },
    ),
    "appointments:cancel": (lambda w: [*household(w), w.appointment.pk], OUTSIDERS, {}),
}

POST_EXEMPT: dict[str, str] = {
    "appointments:household": "public: the household sees or cancels its appointment; the unguessable token of the "
    "invitation's link in the URL is the key (forged or expired tokens are 404)",
}


def build(world) -> None:
    """An appointment of territory A's household with its advisor, in ten days."""
    from datetime import timedelta

    from django.utils import timezone

    from sohosolo.appointments.models import Appointment
    from sohosolo.prospects.models import FollowUp

    starts_at = timezone.now() + timedelta(days=10)
    follow_up = FollowUp.objects.create(
        household=world.household,
        title="Rendez-vous",
        due_on=timezone.localtime(starts_at).date(),
        assignee=world.users["advisor_a"],
    )
    world.appointment = Appointment.objects.create(follow_up=follow_up, starts_at=starts_at, place="CCI du Gers")
