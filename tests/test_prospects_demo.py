"""The demo prospects: shaped like the programme's figures, consistent, deterministic, and quick to load."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from faker import Faker

from sohosolo.accounts.models import User
from sohosolo.demo import demo_instant
from sohosolo.privacy.models import Consent
from sohosolo.prospects.demo import CONSENT_SOURCE, load_prospects
from sohosolo.prospects.models import FOLLOWED_STAGES, FollowUp, Household, Interaction, Person, Stage
from sohosolo.territory.models import Commune, Territory, Village

TODAY = date(2026, 11, 26)
END_2008 = date(2008, 12, 31)
COMMUNES = [  # INSEE code, name, population; the first is the main town, the next six are partner villages
    ("32013", "Auch", 22428),
    ("32208", "Lectoure", 3670),
    ("32233", "Marciac", 1213),
    ("32132", "Fleurance", 6238),
    ("32256", "Mirande", 3400),
    ("32119", "Eauze", 3944),
    ("32370", "Samatan", 2230),
    ("32107", "Condom", 6673),
    ("32160", "Gimont", 3074),
    ("32034", "Barran", 780),
]


@pytest.fixture(autouse=True)
def _on_today():
    """The clock stands on the day the history is drawn up to, as the demo command sets it."""
    with time_machine.travel(demo_instant(TODAY), tick=True):
        yield


@pytest.fixture
def gers(db) -> tuple[Territory, list[User]]:
    communes = [Commune.objects.create(insee_code=c, name=n, departement="32", population=p) for c, n, p in COMMUNES]
    territory = Territory.objects.create(code="gers", name="Soho Solo Gers", departement="32", main_town=communes[0])
    for commune in communes[1:7]:
        Village.objects.create(territory=territory, commune=commune)
    advisors = [
        User.objects.create_user(email=f"advisor{i}@example.fr", password="x", full_name=f"Advisor {i}")
        for i in range(4)
    ]
    return territory, advisors


def load(territory: Territory, advisors: list[User], today: date = TODAY, scale: float = 1.0, seed: int = 32) -> dict:
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    return load_prospects(territory, advisors, rng, fake, today, scale)


def figures(territory: Territory, year: int) -> tuple[int, int, int, int]:
    """New contacts, families settled, people settled, files followed at the year's end."""
    households = Household.objects.filter(territory=territory)
    settled = households.filter(settled_on__year=year).aggregate(n=Count("pk"), people=Sum("settled_people"))
    return (
        households.filter(first_contact_on__year=year).count(),
        settled["n"],
        settled["people"] or 0,
        households.followed_at(date(year, 12, 31)).count(),
    )


def followed_by_hand(territory: Territory, day: date) -> int:
    """The same count as Household.objects.followed_at (the dashboard's), read another way: a file is followed from
    its first contact until the date it was settled (settled_on) or dropped or put on hold (its "stage" entry)."""
    stage_entries = Interaction.objects.filter(household__territory=territory, kind=Interaction.Kind.STAGE)
    closings = dict(stage_entries.values_list("household_id", "occurred_at"))
    count = 0
    for household in Household.objects.filter(territory=territory, first_contact_on__lte=day):
        closed = household.settled_on if household.stage == Stage.SETTLED else None
        if household.stage in (Stage.DROPPED, Stage.ON_HOLD):
            closed = timezone.localtime(closings[household.pk]).date()
        count += closed is None or closed > day
    return count


def test_2008_is_shaped_like_the_programme_with_a_few_queries(gers):
    territory, advisors = gers
    with CaptureQueriesContext(connection) as queries:
        counts = load(territory, advisors, today=date(2010, 6, 30))
    assert len(queries) < 60  # bulk inserts only: the count does not grow with the number of households
    assert figures(territory, 2008) == (180, 19, 48, 80)
    assert followed_by_hand(territory, END_2008) == 80
    assert counts["households"] == Household.objects.count()


def test_a_smaller_programme_is_the_same_shape_scaled(gers):
    territory, advisors = gers
    load(territory, advisors, today=date(2009, 12, 31), scale=0.3)
    assert figures(territory, 2008) == (54, 6, 14, 24)


def test_the_same_seed_gives_the_same_households(gers):
    territory, advisors = gers
    twin = Territory.objects.create(code="twin", name="Twin", departement="32", main_town=territory.main_town)
    for village in territory.villages.order_by("pk"):
        Village.objects.create(territory=twin, commune=village.commune)

    def emails(t: Territory) -> list[str]:
        return list(
            Person.objects.filter(household__territory=t, is_main_contact=True)
            .order_by("household__first_contact_on", "household__pk")
            .values_list("email", flat=True)
        )

    load(territory, advisors, today=date(2012, 12, 31), scale=0.3)
    load(twin, advisors, today=date(2012, 12, 31), scale=0.3)
    assert len(emails(territory)) > 300
    assert emails(territory) == emails(twin)
    other = Territory.objects.create(code="other", name="Other", departement="32", main_town=territory.main_town)
    Village.objects.create(territory=other, commune=territory.villages.first().commune)
    load(other, advisors, today=date(2012, 12, 31), scale=0.3, seed=33)
    assert emails(other) != emails(territory)


def test_the_whole_gers_from_2008_to_today(gers):
    territory, advisors = gers
    started, cpu_started = time.perf_counter(), time.process_time()
    counts = load(territory, advisors)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"\nThe Gers, 2008–{TODAY:%Y}: {counts} in {elapsed:.1f} s ({cpu:.1f} s of this process's CPU)")
    # Measured on an idle 2-core machine: 8 s on SQLite, 12 s on PostgreSQL (8 s of it this process) one day, 15.6 s
    # on SQLite on the same machine another day (and 16.6 s in CI): this machine's speed alone varies twofold, so the
    # budget is a loose bound against a change of order (saving rows one at a time takes minutes), not a benchmark.
    # It is on this process's CPU, which other work on a busy CI machine stretches less than the wall clock; the wall
    # clock keeps a loose bound for the database's side. The query count of the first test keeps the inserts in bulk.
    assert cpu < 45
    assert elapsed < 90
    households = Household.objects.filter(territory=territory)
    assert 5000 <= counts["households"] == households.count() <= 6500
    assert counts["interactions"] == Interaction.objects.count()
    assert counts["follow-ups"] == FollowUp.objects.count()

    # The figures: 2008 as the programme counted it, then growth towards 40 families a year.
    assert figures(territory, 2008) == (180, 19, 48, 80)
    assert followed_by_hand(territory, END_2008) == 80
    contacts_2025, settled_2025, _people, followed_2025 = figures(territory, 2025)
    assert contacts_2025 > 2 * 180
    assert 34 <= settled_2025 <= 41
    assert followed_2025 > 80
    assert counts["settled families"] == households.filter(stage=Stage.SETTLED).count()
    assert counts["people settled"] == households.aggregate(n=Sum("settled_people"))["n"]

    # Settled: a commune (mostly a partner village's), a date, the household's size.
    settled = households.filter(stage=Stage.SETTLED).annotate(size=Count("members"))
    assert not settled.filter(Q(settled_on=None) | Q(settled_commune=None) | Q(settled_people=None)).exists()
    assert all(h.settled_people == h.size for h in settled)
    in_villages = settled.filter(settled_commune__villages__territory=territory).count()
    assert 0.75 * settled.count() < in_villages < settled.count()

    # Stages consistent with the age of the file.
    old = households.filter(first_contact_on__lt=TODAY - timedelta(days=3 * 365))
    assert not old.filter(stage__in=FOLLOWED_STAGES).exists()
    assert (
        not households.filter(first_contact_on__gte=TODAY - timedelta(days=10))
        .exclude(stage__in=FOLLOWED_STAGES)
        .exists()
    )
    stages = Counter(households.values_list("stage", flat=True))
    assert all(stages[s] > 0 for s in Stage)
    assert not households.filter(stage__in=[Stage.ON_HOLD, Stage.DROPPED], stage_reason="").exists()

    # Timelines: one to six entries besides the stage changes, all between the first and the last contact.
    per_household = Counter(
        households.annotate(n=Count("interactions", filter=~Q(interactions__kind=Interaction.Kind.STAGE))).values_list(
            "n", flat=True
        )
    )
    assert min(per_household) >= 1 and max(per_household) <= 6
    for household in households.order_by("?")[:300].prefetch_related("interactions"):
        days = {timezone.localdate(i.occurred_at) for i in household.interactions.all()}
        assert min(days) == household.first_contact_on and max(days) == household.last_contact_on

    # Follow-ups: open ones for the followed files, some overdue, some due this week; done ones for older files.
    open_ = FollowUp.objects.open().filter(household__stage__in=FOLLOWED_STAGES)
    assert open_.values("household").distinct().count() == households.filter(stage__in=FOLLOWED_STAGES).count()
    assert open_.filter(due_on__lt=TODAY).exists()
    assert open_.filter(due_on__gte=TODAY, due_on__lt=TODAY + timedelta(days=7)).exists()
    assert not FollowUp.objects.open().filter(household__stage__in=[Stage.DROPPED, Stage.ON_HOLD]).exists()
    assert FollowUp.objects.filter(done_at__year=2010).exists()
    assert not FollowUp.objects.filter(assignee=None).exists()

    # Advisors in turn.
    per_advisor = Counter(households.values_list("advisor", flat=True))
    assert set(per_advisor) == {a.pk for a in advisors}
    assert max(per_advisor.values()) - min(per_advisor.values()) <= 1

    # People: realistic contacts, never a real-looking address; keys for duplicates set as save() would.
    mains = Person.objects.filter(household__territory=territory, is_main_contact=True)
    assert mains.count() == households.count()
    assert not mains.filter(email="", phone="").exists()
    emails = [e for e in Person.objects.values_list("email", flat=True) if e]
    assert len(emails) == len(set(emails))
    assert all(e.split("@")[1].startswith("example.") for e in emails)
    for person in Person.objects.exclude(phone="").order_by("?")[:300]:
        assert person.phone.startswith(("+33 6", "+33 7", "+44 7", "+32", "+31", "+41", "+353", "+1 "))
        key, name = person.phone_key, person.name_key
        person.save()
        assert (person.phone_key, person.name_key) == (key, name)
    assert 0.07 < households.filter(language="en").count() / households.count() < 0.14
    assert households.filter(current_country="Royaume-Uni").exists()
    assert households.filter(current_town="Paris").exists()
    assert 0.03 < households.filter(possible_duplicate=True).count() / households.count() < 0.07

    # Consents: every application by the form, recorded on the day it came; none for the others.
    applied = households.filter(
        interactions__kind=Interaction.Kind.APPLICATION, interactions__summary__startswith="Candidature reçue"
    ).distinct()
    assert (
        applied.filter(first_contact_on__year__gte=2016).count()
        > 0.8 * households.filter(first_contact_on__year__gte=2016).count()
    )
    consents = Consent.objects.filter(household__territory=territory)
    assert set(consents.values_list("household", flat=True).distinct()) == set(applied.values_list("pk", flat=True))
    assert consents.count() == 3 * applied.count()
    assert not consents.filter(purpose=Consent.Purpose.FOLLOW_UP, given=False).exists()
    assert set(consents.values_list("source", flat=True)) == {CONSENT_SOURCE}
    for purpose, share in [(Consent.Purpose.SHARING, 0.7), (Consent.Purpose.NEWS, 0.5)]:
        given = consents.filter(purpose=purpose, given=True).count() / applied.count()
        assert share - 0.05 < given < share + 0.05
    for consent in consents.select_related("household").order_by("?")[:300]:
        assert timezone.localdate(consent.recorded_at) == consent.household.first_contact_on
    assert consents.filter(household__language="en", wording__startswith="I agree").exists()

    # The search text is the one the file itself computes.
    for household in households.order_by("?")[:100]:
        stored = household.search_text
        household.refresh_search_text(save=False)
        assert household.search_text == stored
    assert households.search("helene").exists() or households.search("francois").exists()
