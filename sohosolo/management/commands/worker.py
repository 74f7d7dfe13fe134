"""`manage.py worker`: django-tasks-db's `db_worker`, made to survive faults.

- A database outage does not stop it: on `OperationalError`/`InterfaceError` it closes its connections, waits (0.5 s,
  doubling up to `--max-backoff`) and carries on. A task the outage interrupted is requeued, not failed.
- It writes a heartbeat (`WorkerHeartbeat`) every `--heartbeat` seconds, from a thread, so that even a long task
  keeps it fresh.
- On start-up and every `--lease` seconds it requeues the RUNNING tasks whose worker stopped beating for longer
  than `--lease` (killed, out of memory, its machine gone). Each run of a task is recorded in its `worker_ids`; a task
  whose `--max-attempts` runs were all lost this way is marked FAILED (administrators can retry it in the admin).

A requeued task runs again from its start: tasks must be idempotent (emails are, by their message key; see
`sohosolo.lib.emails`). Every worker must be this command: a plain `db_worker` writes no heartbeat, so its tasks
would be taken as lost after `UNKNOWN_WORKER_GRACE`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import threading
import time
from datetime import timedelta

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, close_old_connections, connection, connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker, valid_interval
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from sohosolo.models import WorkerHeartbeat

logger = logging.getLogger("django_tasks_db")

DATABASE_ERRORS = (OperationalError, InterfaceError)
# A RUNNING task whose worker never wrote a heartbeat (an old `db_worker`) is taken as lost only after this long.
UNKNOWN_WORKER_GRACE = timedelta(minutes=30)
# Heartbeats of workers gone for this long are deleted.
FORGET_WORKERS_AFTER = timedelta(days=1)


class WorkerLost(Exception):
    """Recorded as the error of a task whose every run was lost with its worker."""


def recover_orphaned_tasks(
    *, lease: timedelta, max_attempts: int, own_worker_id: str = "", others: bool = True, now=None
) -> tuple[list[str], list[str]]:
    """Requeue the RUNNING tasks whose worker is gone; fail those that already ran `max_attempts` times.

    A worker is gone when its last heartbeat is older than `lease`, or it never wrote one and the task started more
    than UNKNOWN_WORKER_GRACE ago. `own_worker_id`'s tasks are orphans too: a worker recovers between two tasks, so
    a RUNNING task of its own is one a database error interrupted; `others=False` requeues only those. Returns the
    ids requeued and the ids failed. Safe to run from several workers at once: each change is conditional on the
    run it saw."""
    now = now or timezone.now()
    heartbeats = dict(WorkerHeartbeat.objects.values_list("worker_id", "beat_at"))
    requeued, failed = [], []
    for task_id, worker_ids, started_at in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
        "id", "worker_ids", "started_at"
    ):
        worker_id = worker_ids[-1] if worker_ids else ""
        if worker_id == own_worker_id:
            lost = True
        elif not others:
            lost = False
        elif worker_id in heartbeats:
            lost = heartbeats[worker_id] < now - lease
        else:
            lost = started_at is None or started_at < now - UNKNOWN_WORKER_GRACE
        if not lost:
            continue
        same_run = DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING, started_at=started_at)
        if len(worker_ids) >= max_attempts:
            error = WorkerLost(f"The worker stopped during each of the {len(worker_ids)} runs of this task.")
            if same_run.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"{WorkerLost.__qualname__}: {error}\nWorkers: {', '.join(worker_ids)}\n",
            ):
                failed.append(str(task_id))
                logger.error(
                    "Task id=%s failed: its worker stopped during each of its %d runs", task_id, len(worker_ids)
                )
        elif same_run.update(status=TaskResultStatus.READY):
            requeued.append(str(task_id))
            logger.warning(
                "Task id=%s requeued: its worker %s stopped (run %d of at most %d)",
                task_id,
                worker_id or "?",
                len(worker_ids),
                max_attempts,
            )
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_WORKERS_AFTER).delete()
    return requeued, failed


class Heartbeat:
    """Writes `worker_id`'s heartbeat every `every` seconds, from a thread of its own (with its own connection)."""

    def __init__(self, worker_id: str, every: float):
        self.worker_id = worker_id
        self.every = every
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{worker_id}", daemon=True)

    def beat(self) -> None:
        now = timezone.now()
        if not WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(beat_at=now):
            WorkerHeartbeat.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={
                    "beat_at": now,
                    "started_at": self.started_at,
                    "hostname": socket.gethostname()[:255],
                    "pid": os.getpid(),
                },
            )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        # If the database is away, the row ages out: this worker finished its task, nothing of it gets requeued.
        with contextlib.suppress(*DATABASE_ERRORS):
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self.beat()
                except DATABASE_ERRORS as error:
                    logger.warning("Heartbeat not written (%s); trying again in %s s", error, self.every)
                    connection.close()
                self._stop.wait(self.every)
        finally:
            connection.close()


class ResilientWorker(Worker):
    """The django-tasks-db worker loop, with reconnection, heartbeat and recovery of lost tasks."""

    def __init__(
        self,
        *,
        heartbeat: float = 10,
        lease: float = 60,
        max_attempts: int = 3,
        max_backoff: float = 10,
        heartbeat_thread: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.heartbeat = Heartbeat(self.worker_id, heartbeat)
        self.heartbeat_thread = heartbeat_thread
        self.lease = timedelta(seconds=lease)
        self.max_attempts = max_attempts
        self.max_backoff = max_backoff
        self.database_errors = 0
        self.reconnected_at: float | None = None

    def trusts_heartbeats(self) -> bool:
        """After an outage, the other workers could not beat either: their heartbeats say nothing until they had a
        whole lease to write one again."""
        return self.reconnected_at is None or time.monotonic() - self.reconnected_at >= self.lease.total_seconds()

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311  (spreads workers started together)
        if self.heartbeat_thread:
            self.heartbeat.start()
        pause = 0.5
        next_recovery = 0.0
        try:
            while self.running:
                try:
                    if not self.heartbeat_thread:
                        self.heartbeat.beat()
                    if time.monotonic() >= next_recovery:
                        recover_orphaned_tasks(
                            lease=self.lease,
                            max_attempts=self.max_attempts,
                            own_worker_id=self.worker_id,
                            others=self.trusts_heartbeats(),
                        )
                        next_recovery = time.monotonic() + self.lease.total_seconds() / 2
                    if not self.step():
                        return
                    if pause > 0.5:
                        logger.info("Database reachable again; worker_id=%s carries on", self.worker_id)
                    pause = 0.5
                except DATABASE_ERRORS as error:
                    self.database_errors += 1
                    logger.warning("Database error (%s); reconnecting in %.1f s", str(error).strip(), pause)
                    connections.close_all()
                    time.sleep(pause)
                    pause = min(pause * 2, self.max_backoff)
                    next_recovery = 0.0  # requeue at once the task the error interrupted, if any
                    self.reconnected_at = time.monotonic()
        finally:
            self.heartbeat.stop()

    def step(self) -> bool:
        """Claim and run one task (or sleep when there is none); False when the worker should stop (as `db_worker`:
        --batch with nothing left, --max-tasks reached)."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        retrieved = True
        task_result = None
        try:
            with exclusive_transaction(tasks.db):
                task_result = self.claim(tasks)
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            retrieved = False
        if task_result is not None:
            self.run_task(task_result)
        if self.batch and retrieved and task_result is None:
            logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
            return False
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info("Run maximum tasks (%d) on worker=%s - exiting gracefully.", self._run_tasks, self.worker_id)
            return False
        close_old_connections()
        if self.running and task_result is None:
            time.sleep(self.interval)
        return True

    def claim(self, tasks) -> DBTaskResult | None:
        task_result = tasks.get_locked()
        if task_result is not None:
            task_result.claim(self.worker_id)
        return task_result

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """As `db_worker`'s, except that a database error is not the task's failure: it goes up to `run`, which
        reconnects and requeues the task."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                return_value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                return_value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(return_value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except DATABASE_ERRORS:
            raise
        except BaseException as error:
            db_task_result.set_failed(error)
            try:
                sender = type(db_task_result.task.get_backend())
                task_result = db_task_result.task_result
            except Exception:
                logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
            else:
                task_finished.send(sender=sender, task_result=task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1


class Command(DBWorkerCommand):
    help = (
        "Run the background task worker: django-tasks-db's db_worker, which also survives database outages and "
        "requeues the tasks of workers that died."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--heartbeat", type=valid_interval, default=10, help="Seconds between heartbeats (10).")
        parser.add_argument(
            "--lease",
            type=valid_interval,
            default=60,
            help="Seconds without heartbeat after which a worker's task "
            "is requeued (60); this worker looks for such tasks twice per lease.",
        )
        parser.add_argument(
            "--max-attempts",
            type=int,
            default=3,
            help="Runs lost with their worker before a task is marked failed (3).",
        )
        parser.add_argument(
            "--max-backoff",
            type=valid_interval,
            default=10,
            help="Longest wait between two reconnection attempts, in seconds (10).",
        )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        exclude_queues: str,
        reload: bool,
        batch: bool,
        heartbeat: float,
        lease: float,
        max_attempts: int,
        max_backoff: float,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            heartbeat=heartbeat,
            lease=lease,
            max_attempts=max(1, max_attempts),
            max_backoff=max_backoff,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
