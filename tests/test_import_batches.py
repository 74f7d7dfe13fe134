"""A long import never blocks the application on SQLite: it writes in short transactions, undoes them together when
one fails (all or nothing kept), and a run interrupted by a crash is undone when it runs again or by the clean-up."""

from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections
from django.utils import timezone

from sohosolo.audit.log import log_action
from sohosolo.audit.models import ActionLog
from sohosolo.prospects import importing
from sohosolo.prospects.importing import ImportCancelled, Mode, import_prospects, job_run
from sohosolo.prospects.models import Household, ImportJob, Interaction, Person

HEADERS = ["First name", "Last name", "Email", "Town"]
ROWS = 35


def team_file(rows: int = ROWS) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows([f"Anne{n}", f"Row-{n}", f"row.{n}@example.fr", "Toulouse"] for n in range(1, rows + 1))
    return out.getvalue().encode()


def imported(run: str) -> int:
    return Household.objects.filter(interactions__data__import__run=run).distinct().count()


@pytest.fixture(autouse=True)
def _batches_of_ten(monkeypatch):
    monkeypatch.setattr(importing, "WRITE_BATCH", 10)


@pytest.mark.django_db(transaction=True)
def test_an_import_commits_batch_by_batch_and_another_writer_gets_in_between(world, monkeypatch):
    seen = []

    def pause() -> None:
        # Between two batches: no transaction is open, what was written is committed, and another connection writes.
        failures = []

        def other_writer() -> None:
            try:
                log_action(None, "drill.concurrent_write", world.territory_a)
            except Exception as error:  # pragma: no cover - what the test would report
                failures.append(error)
            finally:
                connections.close_all()

        writer = threading.Thread(target=other_writer)
        writer.start()
        writer.join()
        seen.append((connection.in_atomic_block, Household.objects.count() - before, failures))

    monkeypatch.setattr(importing, "_pause", pause)
    before = Household.objects.count()

    report = import_prospects(team_file(), world.territory_a, file_name="team.csv", mode=Mode.ALL_OR_NOTHING)

    assert report.written and report.created == ROWS
    assert seen == [(False, 10, []), (False, 20, []), (False, 30, [])]  # 4 batches: 10 + 10 + 10 + 5
    assert Household.objects.count() == before + ROWS
    assert ActionLog.objects.filter(action="drill.concurrent_write").count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", [Mode.ALL_OR_NOTHING, Mode.VALID_ONLY])
def test_an_import_failing_at_row_25_while_writing_leaves_no_household_of_it(world, monkeypatch, mode):
    before = (Household.objects.count(), Person.objects.count(), Interaction.objects.count())
    batches = []
    original = Person.objects.bulk_create

    def bulk_create(people, *args, **kwargs):
        batches.append(len(people))
        if any(person.last_name == "Row-25" for person in people):
            raise IntegrityError("the disk is full")
        return original(people, *args, **kwargs)

    monkeypatch.setattr(Person.objects, "bulk_create", bulk_create)

    with pytest.raises(IntegrityError):
        import_prospects(team_file(), world.territory_a, file_name="team.csv", mode=mode, run="job-25")

    assert batches == [10, 10, 10]  # two batches were committed before the third failed
    assert (Household.objects.count(), Person.objects.count(), Interaction.objects.count()) == before
    assert not Household.objects.filter(members__last_name__startswith="Row-").exists()
    undone = ActionLog.objects.get(action="prospects.import_undone")
    assert undone.data == {"run": "job-25", "households": 20}
    assert not ActionLog.objects.filter(action="prospects.imported").exists()


def crash_after_two_batches(monkeypatch) -> None:
    """The worker's process dies after its second batch: no compensation runs."""
    pauses = []

    def pause() -> None:
        pauses.append(1)
        if len(pauses) == 2:
            raise SystemExit("killed")

    monkeypatch.setattr(importing, "_pause", pause)
    monkeypatch.setattr(importing, "_undo_after_failure", lambda run, territory: None)


@pytest.mark.django_db(transaction=True)
def test_a_job_run_again_after_a_crash_writes_each_row_once(world, monkeypatch):
    before = Household.objects.count()
    with monkeypatch.context() as crashing:
        crash_after_two_batches(crashing)
        with pytest.raises(SystemExit):
            import_prospects(team_file(), world.territory_a, file_name="team.csv", run="job-7")
    assert imported("job-7") == 20  # half of it, as a killed worker leaves it

    report = import_prospects(team_file(), world.territory_a, file_name="team.csv", run="job-7")

    assert (report.created, report.already_imported, report.written) == (ROWS, 0, True)
    assert Household.objects.count() == before + ROWS
    emails = list(Person.objects.filter(email__startswith="row.").values_list("email", flat=True))
    assert sorted(emails) == sorted(f"row.{n}@example.fr" for n in range(1, ROWS + 1))
    assert ActionLog.objects.get(action="prospects.import_undone").data == {"run": "job-7", "households": 20}


def test_a_finished_run_run_again_is_recognised_and_writes_nothing_more(world):
    first = import_prospects(team_file(), world.territory_a, file_name="team.csv", run="job-8")
    count = Household.objects.count()

    again = import_prospects(team_file(), world.territory_a, file_name="team.csv", run="job-8")

    assert first.created == ROWS
    assert (again.created, again.already_imported, again.written) == (0, ROWS, False)
    assert Household.objects.count() == count
    assert not ActionLog.objects.filter(action="prospects.import_undone").exists()


def test_an_import_given_up_while_it_writes_undoes_its_batches(world):
    before = Household.objects.count()
    asked = []

    def still_wanted() -> bool:
        asked.append(1)
        return len(asked) < 3  # the job was marked failed after two batches

    with pytest.raises(ImportCancelled):
        import_prospects(team_file(), world.territory_a, file_name="team.csv", still_wanted=still_wanted)

    assert Household.objects.count() == before


def test_the_clean_up_deletes_what_a_stuck_job_wrote(world, monkeypatch):
    from sohosolo.prospects.tasks import clean_up_imports

    old = timezone.now() - timedelta(hours=2)
    job = ImportJob.objects.create(territory=world.territory_a, original_name="team.csv", status="running")
    ImportJob.objects.filter(pk=job.pk).update(queued_at=old)
    with monkeypatch.context() as crashing:
        crash_after_two_batches(crashing)
        with pytest.raises(SystemExit):
            import_prospects(team_file(), world.territory_a, file_name="team.csv", run=job_run(job.pk))
    assert imported(job_run(job.pk)) == 20

    assert clean_up_imports.call()["stuck"] == 1

    job.refresh_from_db()
    assert job.status == "failed" and "Nothing was written" in job.report["error"]
    assert imported(job_run(job.pk)) == 0


def test_the_clean_up_keeps_a_stuck_job_that_had_finished_writing(world):
    from sohosolo.prospects.tasks import clean_up_imports

    old = timezone.now() - timedelta(hours=2)
    job = ImportJob.objects.create(territory=world.territory_a, original_name="team.csv", status="running")
    ImportJob.objects.filter(pk=job.pk).update(queued_at=old)
    import_prospects(team_file(), world.territory_a, file_name="team.csv", run=job_run(job.pk))

    clean_up_imports.call()

    job.refresh_from_db()
    assert job.status == "failed" and "was written" in job.report["error"]
    assert imported(job_run(job.pk)) == ROWS
