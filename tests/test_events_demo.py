"""The demo events: a meeting every other Tuesday since 2008, monthly workshops, attendance in the prospects' files."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from faker import Faker

from sohosolo.accounts.models import Role, RoleKind, User
from sohosolo.events.demo import MEETING_CAPACITY, load_events
from sohosolo.events.models import Audience, Event, Kind, Registration, Series
from sohosolo.events.services import register
from sohosolo.prospects.demo import load_prospects
from sohosolo.prospects.models import Interaction
from sohosolo.territory.models import Commune, Territory, Village

COMMUNES = [  # the main town first, then the partner villages
    ("32013", "Auch", 22428),
    ("32208", "Lectoure", 3670),
    ("32233", "Marciac", 1213),
    ("32132", "Fleurance", 6238),
    ("32256", "Mirande", 3400),
]
SMALL = 0.25


@pytest.fixture
def gers(db, on_demo_day) -> tuple[Territory, list[User]]:
    communes = [Commune.objects.create(insee_code=c, name=n, departement="32", population=p) for c, n, p in COMMUNES]
    territory = Territory.objects.create(code="gers", name="Soho Solo Gers", departement="32", main_town=communes[0])
    for commune in communes[1:]:
        Village.objects.create(territory=territory, commune=commune)
    advisors = [
        User.objects.create_user(email=f"advisor{i}@example.fr", password="x", full_name=f"Advisor {i}")
        for i in range(2)
    ]
    for i in range(30):
        member = User.objects.create_user(email=f"member{i}@example.fr", password="x", full_name=f"Member {i}")
        Role.objects.create(user=member, kind=RoleKind.MEMBER, territory=territory)
    return territory, advisors


def load(territory: Territory, advisors: list[User], scale: float = SMALL, seed: int = 32) -> tuple[dict, float]:
    """The prospects, then the events (as load_demo does); returns the events' counts and how long they took."""
    today = timezone.localdate()
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    load_prospects(territory, advisors, rng, fake, today, scale)
    started = time.perf_counter()
    counts = load_events(territory, rng, today, scale)
    return counts, time.perf_counter() - started


@pytest.fixture
def loaded(gers) -> Territory:
    load(*gers)
    return gers[0]


def meetings(territory: Territory):
    return Event.objects.filter(territory=territory, kind=Kind.INFO_MEETING).order_by("starts_at")


def test_information_meetings_every_other_tuesday_at_18_since_2008(loaded):
    series = Series.objects.get(territory=loaded, kind=Kind.INFO_MEETING)
    assert (series.interval, series.weekday, series.starts_on.year) == (2, 1, 2008)
    days = list(meetings(loaded).values_list("occurrence_date", flat=True))
    assert days[0] < date(2008, 1, 15)
    assert {later - earlier for earlier, later in zip(days, days[1:], strict=False)} == {timedelta(days=14)}
    today = timezone.localdate()
    assert today + timedelta(days=76) < days[-1] <= today + timedelta(days=90)
    assert len(days) > 26 * (today.year - 2008)
    # 18:00 on the wall clock in winter and in summer alike, at the CCI in Auch.
    for event in meetings(loaded).filter(cancelled=False, online_url="").select_related("commune")[::37]:
        local = timezone.localtime(event.starts_at)
        assert (local.weekday(), local.hour, local.minute) == (1, 18, 0), event
        assert (event.address, event.commune.name, event.capacity) == ("CCI du Gers, 1 place Jean-David", "Auch", 25)
        assert event.audience == Audience.PUBLIC and event.series_id == series.pk
    # The summer and Christmas breaks are skipped dates, kept (cancelled) so that the series never brings them back.
    assert meetings(loaded).filter(cancelled=True, detached=True, occurrence_date__month=8).exists()


def test_monthly_workshops_for_members_on_the_first_thursday_with_a_theme(loaded):
    workshops = Event.objects.filter(territory=loaded, kind=Kind.WORKSHOP, cancelled=False)
    assert workshops.count() > 10 * (timezone.localdate().year - 2012)
    for event in workshops[::11]:
        local = timezone.localtime(event.starts_at)
        assert (local.weekday(), local.day <= 7, local.hour, local.minute) == (3, True, 18, 30), event
        assert event.audience == Audience.MEMBERS and event.capacity == 20
        assert event.title_fr.startswith("Atelier du club : ") and event.title_en.startswith("Club workshop: ")
    assert workshops.filter(title_fr="Atelier du club : Trouver ses premiers clients").exists()
    assert Registration.objects.filter(event__in=workshops, user__roles__kind=RoleKind.MEMBER).exists()


def test_attendance_of_past_meetings_is_in_the_prospects_timelines(loaded):
    today = timezone.localdate()
    past = Registration.objects.filter(
        event__kind=Kind.INFO_MEETING, event__occurrence_date__lt=today, household__isnull=False
    ).select_related("event", "household")
    assert past.count() > 100
    present = [r for r in past if r.attendance == Registration.Attendance.PRESENT]
    absent = [r for r in past if r.attendance == Registration.Attendance.ABSENT]
    assert 0.7 < len(present) / len(past) < 0.97 and absent
    entries = {
        i.data["registration"]: i
        for i in Interaction.objects.filter(household__territory=loaded, kind=Interaction.Kind.EVENT)
    }
    for registration in past:
        meeting = registration.event.occurrence_date
        household = registration.household
        # They came in the month after their first contact, while their file was followed.
        assert household.first_contact_on < meeting <= household.first_contact_on + timedelta(days=30)
        assert meeting <= household.last_contact_on
        assert household.settled_on is None or meeting < household.settled_on
        entry = entries[registration.pk]
        assert entry.household_id == household.pk and entry.occurred_at == registration.event.ends_at
        if registration in present:
            assert entry.summary == f"A participé à la réunion d'information du {meeting:%d/%m/%Y}."
        elif registration in absent:
            assert entry.summary.startswith("Absence à la réunion d'information")
        assert registration.name and registration.created_at < registration.event.starts_at


def test_the_next_meeting_is_upcoming_and_takes_registrations(loaded):
    upcoming = meetings(loaded).filter(cancelled=False, starts_at__gt=timezone.now())
    assert Registration.objects.filter(event__in=upcoming, status=Registration.Status.CONFIRMED).exists()
    upcoming_households = Registration.objects.filter(event__in=upcoming, household__isnull=False)
    assert Interaction.objects.filter(
        household__in=upcoming_households.values("household"), summary__startswith="Inscription "
    ).exists()
    following = upcoming.first()
    assert following.registration_open and following.seats_left() > 0
    registered = register(following, name="Zoé Nouvelle", email="zoe@example.fr", people=1, language="fr")
    assert not registered.waiting


def test_one_upcoming_meeting_is_full_with_a_waiting_list(loaded):
    upcoming = meetings(loaded).filter(cancelled=False, starts_at__gt=timezone.now())
    full = [e for e in upcoming if e.seats_left() == 0]
    assert len(full) == 1
    event = full[0]
    assert event.seats_taken() == MEETING_CAPACITY
    waiting = event.registrations.filter(status=Registration.Status.WAITING)
    assert waiting.exists()
    confirmed_last = event.registrations.filter(status=Registration.Status.CONFIRMED).latest("created_at")
    assert all(w.created_at > confirmed_last.created_at for w in waiting)


def fingerprint(territory: Territory) -> list[tuple]:
    return list(
        Registration.objects.filter(event__territory=territory)
        .order_by("event__starts_at", "name", "email", "created_at")
        .values_list(
            "event__starts_at", "event__title_fr", "name", "email", "people", "status", "attendance", "created_at"
        )
    )


def test_the_demo_events_are_the_same_every_time(gers):
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            load(*gers, scale=0.1)
            first = fingerprint(gers[0])
            raise Rollback
    except Rollback:
        pass
    assert not Event.objects.exists()
    load(*gers, scale=0.1)
    assert fingerprint(gers[0]) == first and len(first) > 100


def test_the_whole_gers_loads_fast_in_a_few_queries(gers):
    with CaptureQueriesContext(connection) as queries:
        counts, seconds = load(*gers, scale=1.0)
    assert seconds < 10, f"{seconds:.1f} s"
    assert counts["information meetings"] > 400 and counts["registrations"] > 3000
    events_queries = [q for q in queries.captured_queries if "events_" in q["sql"]]
    assert len(events_queries) < 40
