"""The dashboard's figures, added up from per-day rows kept by triggers and the worker (sohosolo/results/figures.py),
equal the figures counted from the records (sohosolo/results/recount.py) on random data: after edits of every
counted field, stage histories, villages of interest, moves, merges, erasure, deletion and imports."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from sohosolo.prospects.models import Activity, Household, Interaction, Source, Stage
from sohosolo.results import figures, stats
from sohosolo.results.models import DayFigure, HouseholdFigures, PendingFigure
from sohosolo.results.recount import recount
from sohosolo.territory.models import Commune
from tests.factories import make_household

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2025, 10, 15)
STAGES = [stage.value for stage in Stage]
PERIODS = [
    stats.Period.year(2023),
    stats.Period.year(2024),
    stats.Period.year(2025),
    stats.Period(date(2024, 3, 17), date(2024, 11, 2)),
    stats.Period(date(2024, 12, 31), date(2025, 1, 1)),
]


def assert_figures_equal_records(*territories) -> None:
    for territory in territories:
        for period in PERIODS:
            dashboard = stats.compute(territory, period, today=TODAY)
            assert dashboard.waiting == 0
            assert dashboard == recount(territory, period, today=TODAY), (territory.code, period)


def random_files(world, rng: random.Random, count: int) -> list[Household]:
    """Files as a programme has them: any stage, dates over three years, settlements with or without a commune,
    towns in France (some only as a region kept), abroad or blank, villages of interest, stage histories."""
    communes = list(Commune.objects.order_by("pk"))
    villages = {world.territory_a: [world.village_a1, world.village_a2], world.territory_b: [world.village_b1]}
    files = []
    for i in range(count):
        territory = rng.choice([world.territory_a, world.territory_a, world.territory_b])
        first = date(2023, 1, 1) + timedelta(days=rng.randrange(1000))
        stage = rng.choice(STAGES)
        settled = stage == Stage.SETTLED or rng.random() < 0.1
        country = rng.choice(["France", "France", "france", "Belgique", "Irlande", ""])
        household = make_household(
            territory,
            last_name=f"Nom{i}",
            stage=stage,
            stage_reason="autre" if stage in (Stage.DROPPED, Stage.ON_HOLD) else "",
            first_contact_on=first,
            source=rng.choice([value for value, _label in Source.choices] + [""]),
            activity=rng.choice([value for value, _label in Activity.choices] + [""]),
            current_country=country,
            current_town=rng.choice(["Auch", "Cahors", "Lectoure", "Nowhere", ""]),
            residence_region=rng.choice(["", "", "", "Occitanie"]),
            settled_on=first + timedelta(days=rng.randrange(-5, 400)) if settled else None,
            settled_commune=rng.choice([*communes, None]) if settled else None,
            settled_people=rng.randrange(1, 6) if settled and rng.random() < 0.8 else None,
            villages=rng.sample(villages[territory], rng.randrange(len(villages[territory]) + 1)),
        )
        add_stage_changes(household, rng, rng.randrange(4))
        files.append(household)
    return files


def add_stage_changes(household: Household, rng: random.Random, count: int) -> None:
    at = datetime.combine(household.first_contact_on, datetime.min.time(), PARIS) + timedelta(hours=9)
    before = Stage.NEW.value
    for _n in range(count):
        # Some changes at 23:30 or 00:30 in Paris: the day is Paris's, not UTC's.
        at += timedelta(days=rng.randrange(0, 90), hours=rng.choice([0, 14, 15]))
        after = rng.choice(STAGES)
        Interaction.objects.create(
            household=household, kind=Interaction.Kind.STAGE, occurred_at=at, data={"from": before, "to": after}
        )
        before = after


@pytest.fixture
def files(world):
    return random_files(world, random.Random(2121), 70)


def test_the_figures_equal_a_count_of_the_records_on_random_files(world, files):
    assert_figures_equal_records(world.territory_a, world.territory_b)
    assert DayFigure.objects.exists() and not PendingFigure.objects.exists()
    results = stats.compute(world.territory_a, stats.Period.year(2024), today=TODAY)
    assert results.key.new_contacts > 10 and results.key.followed_end > 0  # the data are not trivial


def test_the_figures_follow_every_kind_of_change(world, files):
    from sohosolo.privacy.services import anonymise_household
    from sohosolo.prospects.services import merge_households

    rng = random.Random(7)
    assert_figures_equal_records(world.territory_a, world.territory_b)
    a_files = [h for h in files if h.territory_id == world.territory_a.pk]
    # A form's save of every counted field.
    for household in a_files[:6]:
        household.stage, household.stage_reason = rng.choice(STAGES), "autre"
        household.first_contact_on = household.first_contact_on - timedelta(days=rng.randrange(200))
        household.settled_on = household.first_contact_on + timedelta(days=40)
        household.settled_people = 2
        household.source, household.current_country, household.current_town = "", "France", "Marciac"
        household.save()
    # Queryset updates, a move to the other territory, the villages of interest, stage histories edited.
    Household.objects.filter(pk__in=[h.pk for h in a_files[6:10]]).update(settled_on=None, settled_commune=None)
    Household.objects.filter(pk=a_files[10].pk).update(territory=world.territory_b)
    a_files[11].villages_of_interest.clear()
    a_files[12].villages_of_interest.add(world.village_a1, world.village_a2)
    Interaction.objects.filter(household=a_files[13], kind=Interaction.Kind.STAGE).delete()
    Interaction.objects.filter(household=a_files[14], kind=Interaction.Kind.STAGE).update(
        occurred_at=datetime(2024, 6, 30, 23, 30, tzinfo=PARIS)
    )
    add_stage_changes(a_files[15], rng, 3)
    assert_figures_equal_records(world.territory_a, world.territory_b)
    # A merge, an erasure, deletions.
    merge_households(a_files[16], a_files[17], [], world.users["manager_a"])
    anonymise_household(a_files[18])
    a_files[19].delete()
    Household.objects.filter(pk__in=[h.pk for h in a_files[20:24]]).delete()
    assert_figures_equal_records(world.territory_a, world.territory_b)


def test_an_import_is_counted(world, files):
    from sohosolo.prospects.importing import Mode, import_prospects

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["First name", "Last name", "Email", "Town", "Country"])
    writer.writerows([f"Anne{n}", f"Import-{n}", f"import.{n}@example.fr", "Auch", "France"] for n in range(30))
    report = import_prospects(out.getvalue().encode(), world.territory_a, file_name="team.csv", mode=Mode.VALID_ONLY)
    assert report.created == 30
    assert_figures_equal_records(world.territory_a, world.territory_b)


def test_a_rebuild_gives_the_same_rows_and_two_refreshes_count_nothing_twice(world, files):
    figures.refresh_figures()
    kept = sorted(DayFigure.objects.values_list("territory_id", "measure", "day", "key", "n", "people"))
    assert figures.refresh_figures() == 0
    Household.objects.filter(pk=files[0].pk).update(stage=Stage.VISIT)
    Household.objects.filter(pk=files[0].pk).update(stage=files[0].stage)  # back as it was: queued twice
    figures.refresh_figures()
    assert sorted(DayFigure.objects.values_list("territory_id", "measure", "day", "key", "n", "people")) == kept
    call_command("rebuild_figures", verbosity=0)
    assert sorted(DayFigure.objects.values_list("territory_id", "measure", "day", "key", "n", "people")) == kept
    assert HouseholdFigures.objects.count() == Household.objects.count()


def test_the_check_command_compares_with_the_records_and_says_so(world, files, capsys):
    call_command("rebuild_figures", "--check", "--year", "2024")
    assert "equal" in capsys.readouterr().out
    DayFigure.objects.filter(measure="contact").update(n=99)
    with pytest.raises(SystemExit):
        call_command("rebuild_figures", "--check", "--year", "2024")


def test_many_changes_waiting_are_left_to_the_worker_and_the_dashboard_says_the_figures_are_behind(
    world, files, client_for, monkeypatch
):
    from sohosolo.results.tasks import refresh_results_figures

    figures.refresh_figures()
    monkeypatch.setattr(stats, "INLINE_LIMIT", 5)
    Household.objects.filter(territory=world.territory_a).update(current_town="Cahors")
    url = reverse("results:dashboard", args=[world.territory_a.code]) + "?annee=2024"
    response = client_for("manager_a").get(url)
    assert response.status_code == 200
    assert "en cours de prise en compte" in response.content.decode()
    assert PendingFigure.objects.count() > 5
    refresh_results_figures.enqueue()  # the periodic job, run by the worker
    assert not PendingFigure.objects.exists()
    response = client_for("manager_a").get(url)
    assert "en cours de prise en compte" not in response.content.decode()
    assert_figures_equal_records(world.territory_a)


def test_the_dashboard_reads_the_same_queries_whatever_the_number_of_files(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("manager_a")
    url = reverse("results:dashboard", args=[world.territory_a.code]) + "?annee=2024"
    counts = []
    for size in (40, 120):
        random_files(world, random.Random(size), size)
        client.get(url)  # counts the new files
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
        household_reads = [q["sql"] for q in queries if 'FROM "prospects_household"' in q["sql"]]
        assert not household_reads, household_reads  # the figures come from the per-day rows
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_the_same_instant_count_each_change_once(world, monkeypatch):
    """PostgreSQL (row locks are real there): two refreshes side by side, in small batches, end with the figures a
    count of the records gives; none is counted twice, none is lost."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers by its write lock: two refreshes never overlap there")
    random_files(world, random.Random(5), 30)
    # Each household queued twice in a row, one a batch: the two workers claim the same household at once.
    PendingFigure.objects.all().delete()
    PendingFigure.objects.bulk_create(
        PendingFigure(household_id=pk) for pk in Household.objects.values_list("pk", flat=True) for _twice in (1, 2)
    )
    monkeypatch.setattr(figures, "BATCH", 1)
    start, failures = threading.Barrier(2), []

    def refresh() -> None:
        try:
            start.wait()
            figures.refresh_figures()
        except Exception as error:  # pragma: no cover - what the test would report
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresh) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert not PendingFigure.objects.exists()
    assert_figures_equal_records(world.territory_a, world.territory_b)
