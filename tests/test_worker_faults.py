"""Background work survives faults: a killed worker's task is requeued and runs once, a database error stops neither
the worker nor the scheduler, an email is sent once per key, and administrators retry failed tasks.

The real drills (kill -9, a database restart) are bin/drill-worker-kill and bin/drill-db-restart."""

from __future__ import annotations

import signal
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sohosolo.audit.models import ActionLog
from sohosolo.lib import emails
from sohosolo.lib.emails import deliver_email, send_email
from sohosolo.management.commands.worker import ResilientWorker, recover_orphaned_tasks
from sohosolo.models import DeliveredEmail, PeriodicJobRun, WorkerHeartbeat

ROLE_GRANTED = {
    "user": {"get_short_name": "Lou"},
    "inviter": {"full_name": "Sophie"},
    "role": {"get_kind_display": "Advisor"},
    "territory": {"name": "Soho Solo Gers"},
    "login_url": "x",
}


@pytest.fixture
def queue(settings):
    """The real database queue instead of the tests' immediate backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """The commands set SIGINT/SIGTERM handlers for their own process: give the test runner its own back."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in handlers.items():
        signal.signal(number, handler)


@pytest.fixture
def no_sleep():
    with mock.patch("time.sleep") as sleep:
        yield sleep


def queue_emails(count: int) -> list[str]:
    return [str(send_email(f"n{i}@example.fr", "role-granted", ROLE_GRANTED, "en").id) for i in range(count)]


def make_worker(**kwargs) -> ResilientWorker:
    options = {
        "queue_names": ["default"],
        "interval": 0,
        "batch": True,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "worker-under-test",
        "excluded_queue_names": [],
        "lease": 30,
        "heartbeat_thread": False,
    }
    return ResilientWorker(**options | kwargs)


def claimed_by_dead_worker(task_id: str, *worker_ids: str, beat_ago: timedelta = timedelta(minutes=5)) -> None:
    """As if `worker_ids` had each claimed the task in turn, the last one killed -9 while running it."""
    now = timezone.now()
    DBTaskResult.objects.filter(pk=task_id).update(
        status="RUNNING", started_at=now - beat_ago, worker_ids=list(worker_ids)
    )
    WorkerHeartbeat.objects.create(worker_id=worker_ids[-1], started_at=now - beat_ago, beat_at=now - beat_ago)


# --- A killed worker ---------------------------------------------------------------------------------------------


def test_a_task_whose_worker_stopped_beating_is_requeued_then_runs_once(transactional_db, queue, no_sleep):
    [task_id] = queue_emails(1)
    claimed_by_dead_worker(task_id, "killed")

    make_worker().run()

    result = DBTaskResult.objects.get(pk=task_id)
    assert result.status == "SUCCESSFUL"
    assert result.worker_ids == ["killed", "worker-under-test"]
    assert len(mail.outbox) == 1
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()


def test_the_worker_command_requeues_a_dead_workers_task_at_start(transactional_db, queue):
    [task_id] = queue_emails(1)
    claimed_by_dead_worker(task_id, "killed")

    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", "--lease", "30", verbosity=0)

    assert DBTaskResult.objects.get(pk=task_id).status == "SUCCESSFUL"
    assert len(mail.outbox) == 1
    assert not WorkerHeartbeat.objects.exclude(worker_id="killed").exists()  # a worker that stops says so


def test_a_task_of_a_worker_still_beating_is_left_running(db, queue):
    [task_id] = queue_emails(1)
    claimed_by_dead_worker(task_id, "alive", beat_ago=timedelta(seconds=5))

    assert recover_orphaned_tasks(lease=timedelta(seconds=30), max_attempts=3) == ([], [])
    assert DBTaskResult.objects.get(pk=task_id).status == "RUNNING"


def test_a_task_left_running_by_a_worker_without_heartbeat_is_requeued_only_after_the_grace(db, queue):
    [task_id] = queue_emails(1)
    DBTaskResult.objects.filter(pk=task_id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(minutes=5), worker_ids=["old-db-worker"]
    )
    assert recover_orphaned_tasks(lease=timedelta(seconds=30), max_attempts=3) == ([], [])

    DBTaskResult.objects.filter(pk=task_id).update(started_at=timezone.now() - timedelta(hours=1))
    assert recover_orphaned_tasks(lease=timedelta(seconds=30), max_attempts=3) == ([task_id], [])
    assert DBTaskResult.objects.get(pk=task_id).status == "READY"


def test_a_task_whose_every_run_died_with_its_worker_is_failed_for_good(db, queue):
    [task_id] = queue_emails(1)
    claimed_by_dead_worker(task_id, "first", "second", "third")

    assert recover_orphaned_tasks(lease=timedelta(seconds=30), max_attempts=3) == ([], [task_id])
    result = DBTaskResult.objects.get(pk=task_id)
    assert result.status == "FAILED"
    assert result.exception_class_path == "sohosolo.management.commands.worker.WorkerLost"
    assert result.finished_at is not None


# --- Emails sent once --------------------------------------------------------------------------------------------


def test_an_email_task_run_twice_with_the_same_key_sends_once(db):
    first = deliver_email.enqueue(to=["a@example.fr"], subject="Hello", body="Body", key="ack-42")
    second = deliver_email.enqueue(to=["a@example.fr"], subject="Hello", body="Body", key="ack-42")

    assert len(mail.outbox) == 1
    assert (first.return_value, second.return_value) == (1, 0)
    assert DeliveredEmail.objects.get(key="ack-42").sent_at is not None


def test_send_email_gives_each_message_its_own_key_and_a_caller_may_name_it(db):
    send_email("a@example.fr", "role-granted", ROLE_GRANTED, "en")
    send_email("a@example.fr", "role-granted", ROLE_GRANTED, "en")
    send_email("a@example.fr", "role-granted", ROLE_GRANTED, "en", key="granted-7")
    send_email("a@example.fr", "role-granted", ROLE_GRANTED, "en", key="granted-7")

    assert len(mail.outbox) == 3
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == 3


def test_a_requeued_email_task_keeps_its_key_and_is_not_sent_again(transactional_db, queue, no_sleep):
    [task_id] = queue_emails(1)
    make_worker().run()
    assert len(mail.outbox) == 1
    # Its worker was killed after the message was marked sent, before the task was marked successful.
    claimed_by_dead_worker(task_id, "worker-under-test", "killed")

    make_worker(worker_id="next").run()

    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.get(pk=task_id).return_value == 0


def test_an_email_claimed_by_a_run_that_died_before_sending_is_sent(db):
    DeliveredEmail.objects.create(key="lost", claimed_at=timezone.now() - timedelta(minutes=3))

    deliver_email.enqueue(to=["a@example.fr"], subject="Hello", body="Body", key="lost")

    assert len(mail.outbox) == 1
    delivered = DeliveredEmail.objects.get(key="lost")
    assert delivered.attempts == 2 and delivered.sent_at is not None


def test_an_email_sent_as_the_database_goes_away_is_marked_when_it_comes_back(transactional_db, no_sleep):
    update = QuerySet.update
    failures = []

    def update_failing_once(self, **kwargs):
        if "sent_at" in kwargs and not failures:
            failures.append(kwargs)
            raise OperationalError("server closed the connection unexpectedly")
        return update(self, **kwargs)

    with mock.patch.object(QuerySet, "update", update_failing_once):
        deliver_email.enqueue(to=["a@example.fr"], subject="Hello", body="Body", key="outage")

    assert failures and len(mail.outbox) == 1
    assert DeliveredEmail.objects.get(key="outage").sent_at is not None


def test_the_message_id_is_the_same_for_every_attempt_at_one_key(db):
    assert emails.message_id("k") == emails.message_id("k") != emails.message_id("other")
    assert emails.message_id("k").startswith("<") and emails.message_id("k").endswith(">")


# --- A database outage -------------------------------------------------------------------------------------------


def test_the_worker_survives_a_database_error_and_runs_the_next_task(transactional_db, queue, no_sleep):
    queue_emails(2)
    claim = ResilientWorker.claim
    calls = []

    def claim_failing_once(self, tasks):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("connection to server failed: Connection refused")
        return claim(self, tasks)

    worker = make_worker()
    with mock.patch.object(ResilientWorker, "claim", claim_failing_once):
        worker.run()

    assert worker.database_errors == 1
    assert len(mail.outbox) == 2
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_a_task_interrupted_by_a_database_error_is_requeued_not_failed(transactional_db, queue, no_sleep):
    [task_id] = queue_emails(1)
    send = mail.EmailMultiAlternatives.send
    calls = []

    def send_failing_once(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return send(self, *args, **kwargs)

    worker = make_worker()
    with mock.patch.object(mail.EmailMultiAlternatives, "send", send_failing_once):
        worker.run()

    result = DBTaskResult.objects.get(pk=task_id)
    assert result.status == "SUCCESSFUL"
    assert result.worker_ids == ["worker-under-test", "worker-under-test"]
    assert len(mail.outbox) == 1


def test_a_database_error_that_does_not_heal_fails_the_task_after_the_attempts(transactional_db, queue, no_sleep):
    [task_id] = queue_emails(1)

    def send_failing(self, *args, **kwargs):
        raise OperationalError("no such table: something_missing")

    worker = make_worker(max_attempts=2)
    with mock.patch.object(mail.EmailMultiAlternatives, "send", send_failing):
        worker.run()

    assert DBTaskResult.objects.get(pk=task_id).status == "FAILED"
    assert worker.database_errors == 2


def test_after_an_outage_a_worker_waits_a_lease_before_taking_other_workers_tasks_as_lost(
    transactional_db, queue, no_sleep
):
    # The other worker could not write its heartbeat during the outage either: it may well be alive.
    [task_id] = queue_emails(1)
    claimed_by_dead_worker(task_id, "other", beat_ago=timedelta(minutes=5))
    calls = []

    def recover_failing_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("connection to server failed: Connection refused")
        return recover_orphaned_tasks(**kwargs)

    worker = make_worker()
    with mock.patch("sohosolo.management.commands.worker.recover_orphaned_tasks", recover_failing_once):
        worker.run()

    assert DBTaskResult.objects.get(pk=task_id).status == "RUNNING"
    assert not worker.trusts_heartbeats()
    with mock.patch("time.monotonic", return_value=worker.reconnected_at + 31):
        assert worker.trusts_heartbeats()


class StopLooking(Exception):
    pass


def test_runperiodic_survives_a_database_error_and_queues_the_jobs_when_it_is_back(transactional_db, no_sleep):
    out, err = StringIO(), StringIO()
    looks = [OperationalError("could not connect to server"), ["prune_task_results"], StopLooking()]
    with (
        mock.patch("sohosolo.management.commands.runperiodic.enqueue_due_jobs", side_effect=looks),
        pytest.raises(StopLooking),
    ):
        call_command("runperiodic", "--interval", "1", stdout=out, stderr=err)

    assert "Database error" in err.getvalue()
    assert "Queued periodic job prune_task_results" in out.getvalue()
    assert "Database reachable again" in out.getvalue()


def test_runperiodic_once_still_reports_a_database_error(db):
    with (
        mock.patch("sohosolo.management.commands.runperiodic.enqueue_due_jobs", side_effect=OperationalError("x")),
        pytest.raises(OperationalError),
    ):
        call_command("runperiodic", "--once")
    assert not PeriodicJobRun.objects.exists()


# --- Failed tasks in the admin -----------------------------------------------------------------------------------


@pytest.fixture
def failed_email(world, queue):
    operator = world.users["platform_admin"]
    operator.is_staff = operator.is_superuser = True  # as in production: the platform admin is Django staff
    operator.save()
    [task_id] = queue_emails(1)
    DBTaskResult.objects.filter(pk=task_id).update(
        status="FAILED",
        finished_at=timezone.now(),
        worker_ids=["w1"],
        exception_class_path="smtplib.SMTPServerDisconnected",
        traceback="smtplib.SMTPServerDisconnected: Connection unexpectedly closed",
    )
    return task_id


def test_administrators_see_failed_tasks_and_the_retry_action_requeues_them(world, client_for, failed_email):
    client = client_for("platform_admin")
    changelist = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    page = client.get(changelist, {"status__exact": "FAILED"})
    assert page.status_code == 200
    assert "SMTPServerDisconnected" in page.text and '<option value="retry">' in page.text

    response = client.post(changelist, {"action": "retry", "_selected_action": [failed_email]})

    assert response.status_code == 302
    result = DBTaskResult.objects.get(pk=failed_email)
    assert (result.status, result.worker_ids, result.traceback) == ("READY", [], "")
    log = ActionLog.objects.get(action="task.retried")
    assert log.actor == world.users["platform_admin"] and log.object_id == failed_email
    assert log.data["error"] == "smtplib.SMTPServerDisconnected"
    # The same task, with the same arguments (and so the same message key), for the worker to run.
    assert result.task_path == "sohosolo.lib.emails.deliver_email"
    assert result.args_kwargs["kwargs"]["to"] == ["n0@example.fr"] and result.args_kwargs["kwargs"]["key"]


def test_the_retry_button_of_a_failed_tasks_page_requeues_it(client_for, failed_email):
    client = client_for("platform_admin")
    retry = reverse("admin:django_tasks_database_dbtaskresult_retry", args=[failed_email])
    page = client.get(reverse("admin:django_tasks_database_dbtaskresult_change", args=[failed_email]))
    assert page.status_code == 200 and f'action="{retry}"' in page.text

    client.post(retry)

    assert DBTaskResult.objects.get(pk=failed_email).status == "READY"
    assert ActionLog.objects.filter(action="task.retried", object_id=failed_email).count() == 1
    page = client.get(reverse("admin:django_tasks_database_dbtaskresult_change", args=[failed_email]))
    assert f'action="{retry}"' not in page.text  # no longer failed: no button


def test_only_administrators_can_retry_a_task(client_for, failed_email):
    response = client_for("advisor_a").post(
        reverse("admin:django_tasks_database_dbtaskresult_retry", args=[failed_email])
    )

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert DBTaskResult.objects.get(pk=failed_email).status == "FAILED"
    assert not ActionLog.objects.filter(action="task.retried").exists()


def test_retrying_a_task_that_is_no_longer_failed_changes_nothing(client_for, failed_email):
    DBTaskResult.objects.filter(pk=failed_email).update(status="SUCCESSFUL")
    client_for("platform_admin").post(
        reverse("admin:django_tasks_database_dbtaskresult_changelist"),
        {"action": "retry", "_selected_action": [failed_email]},
    )
    assert DBTaskResult.objects.get(pk=failed_email).status == "SUCCESSFUL"
    assert not ActionLog.objects.filter(action="task.retried").exists()


# --- make run --------------------------------------------------------------------------------------------------


def test_make_run_starts_the_resilient_worker_and_starts_a_child_again_when_it_dies(settings):
    started = []

    class Child:
        def __init__(self, command):
            self.command = command
            # The first worker dies at once; everything else runs until stopped.
            self.returncode = 1 if "worker" in command and not any("worker" in c for c in started) else None
            started.append(command)

        def poll(self):
            return self.returncode

        def terminate(self):
            self.returncode = -15

        wait = kill = lambda self, *args, **kwargs: None

    looks = []

    def sleep(seconds):
        looks.append(seconds)
        if len(looks) == 2:
            signal.raise_signal(signal.SIGTERM)  # Ctrl-C / systemctl stop

    with mock.patch("subprocess.Popen", Child), mock.patch("time.sleep", sleep):
        call_command("devserver", stdout=StringIO(), stderr=StringIO())

    workers = [command for command in started if "worker" in command]
    assert len(workers) == 2
    assert "db_worker" not in workers[0]
    assert len([command for command in started if "runserver" in command]) == 1
