"""Permission matrix lines for the events app: the public calendar, the team's events and series, attendance (see
tests/matrix_site.py for the format, tests/test_permissions.py runs them)."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, every, only

OUTSIDERS = ("advisor_b",)  # staff of territory B


def code(w) -> list:
    return [w.territory_a.code]


def event(w) -> list:
    return [w.territory_a.code, w.event.pk]


EVENT_DATA = {
    "kind": "info_meeting",
    "audience": "public",
    "title_fr": "Réunion pirate",
    "starts_at": "2026-09-01T18:00",
    "ends_at": "2026-09-01T20:00",
    "address": "Ailleurs",
}
SERIES_DATA = {
    "kind": "info_meeting",
    "audience": "public",
    "title_fr": "Série pirate",
    "frequency": "weekly",
    "interval": 1,
    "weekday": 2,
    "week_of_month": 1,
    "start_time": "18:00",
    "duration_minutes": 90,
    "starts_on": "2026-09-01",
}

EXPECTED: dict = {
    "events:calendar": (lambda w: [], every(200)),
    "events:series_list": (code, only(TEAM_A)),
    "events:series_edit": (lambda w: [w.territory_a.code, w.series.pk], only(TEAM_A)),
    "events:detail": (event, every(200)),
    "events:ics": (event, every(200)),
    "events:cancel": (lambda w: ["not-a-token"], every(404)),
    "events:public_feed": (code, every(200)),
    "events:private_feed": (lambda w: ["not-a-token"], every(404)),  # the token is the secret, not the session
    "events:my_calendar": (lambda w: [], every(200, anonymous=302)),
    # The team's side of events (territory A's information meeting, world.event).
    "events:staff_list": (code, only(TEAM_A)),
    "events:staff_create": (code, only(TEAM_A)),
    **{
        name: (event, only(TEAM_A))
        for name in ("events:staff_detail", "events:staff_edit", "events:staff_message", "events:attendance")
    },
    "events:staff_export": (lambda w: [*event(w), "csv"], only(TEAM_A)),
    "events:walk_in": (event, only(STAFF_POST_ONLY)),
    "events:register_prospect": (event, only(TEAM_A)),
    "events:register_household": (lambda w: [w.territory_a.code, w.household.pk], only(TEAM_A)),
    "events:mark_attendance": (lambda w: [*event(w), 1], only(STAFF_POST_ONLY)),
    "events:village_meetings": (
        lambda w: [w.territory_a.code, w.village_a1.slug],
        only(TEAM_A | {"volunteer_a1": 200}),
    ),
}

POST: dict = {
    "events:staff_create": (code, OUTSIDERS, EVENT_DATA),
    "events:staff_edit": (event, OUTSIDERS, EVENT_DATA),
    "events:staff_message": (event, OUTSIDERS, {"subject": "Message pirate", "message": "Bonjour à tous."}),
    "events:walk_in": (event, OUTSIDERS, {"name": "Intrus", "email": "intrus@example.fr", "people": 1}),
    "events:mark_attendance": (lambda w: [*event(w), w.registration.pk], OUTSIDERS, {"attendance": "present"}),
    "events:register_prospect": (
        event,
        OUTSIDERS,
        lambda w: {"household": w.household.pk, "event": w.event.pk, "people": 1},
    ),
    "events:register_household": (
        lambda w: [w.territory_a.code, w.household.pk],
        OUTSIDERS,
        lambda w: {"event": w.event.pk, "people": 1},
    ),
    "events:series_list": (code, OUTSIDERS, SERIES_DATA),
    "events:series_edit": (lambda w: [w.territory_a.code, w.series.pk], OUTSIDERS, SERIES_DATA),
}

POST_EXEMPT: dict[str, str] = {
    "events:detail": "public: registering for a public event, for anyone",
    "events:cancel": "public: a registration's own token in the URL is the key (forged tokens are 404)",
    "events:my_calendar": "the signed-in person's own calendar feed (make or revoke its link)",
}


def build(world) -> None:
    """Territory A's fortnightly information meetings (world.series) and one of them in ten days (world.event),
    with a registration (world.registration)."""
    from datetime import timedelta

    from django.utils import timezone

    from sohosolo.events.models import Event, Registration, Series

    start = timezone.now() + timedelta(days=10)
    world.series = Series.objects.create(
        territory=world.territory_a,
        kind="info_meeting",
        title_fr="Réunion d'information",
        frequency="weekly",
        interval=2,
        weekday=1,
        start_time="18:00",
        starts_on=start.date(),
    )
    world.event = Event.objects.create(
        territory=world.territory_a,
        kind="info_meeting",
        title_fr="Réunion d'information",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    world.registration = Registration.objects.create(event=world.event, name="Hélène Durand", email="h@example.fr")
