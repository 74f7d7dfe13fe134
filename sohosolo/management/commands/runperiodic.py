"""Queue the periodic jobs when they are due, for the task worker to run. Runs until stopped (or once).

A database outage does not stop it: on `OperationalError`/`InterfaceError` it closes its connections, waits (1 s,
doubling up to `--max-backoff`) and looks again; jobs that fell due meanwhile are queued then."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from sohosolo.tasks import enqueue_due_jobs


class Command(BaseCommand):
    help = "Queue the platform's periodic jobs when they are due (run beside `manage.py worker`)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Queue the due jobs once, then exit.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between two looks (default 60).")
        parser.add_argument(
            "--max-backoff", type=int, default=10, help="Longest wait between two reconnection attempts (10 s)."
        )

    def handle(self, *args, once: bool = False, interval: int = 60, max_backoff: int = 10, **options) -> None:
        self.running = True
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        pause = 1
        while self.running:
            try:
                for name in enqueue_due_jobs():
                    self.stdout.write(f"Queued periodic job {name}")
            except (OperationalError, InterfaceError) as error:
                if once:
                    raise
                self.stderr.write(f"Database error ({str(error).strip()}); looking again in {pause} s")
                connections.close_all()
                self.wait(pause)
                pause = min(pause * 2, max_backoff)
                continue
            if pause > 1:
                self.stdout.write("Database reachable again; periodic jobs carry on")
                pause = 1
            if once:
                return
            close_old_connections()  # as after a request: none kept past CONN_MAX_AGE
            self.wait(interval)

    def wait(self, seconds: int) -> None:
        for _second in range(seconds):
            if not self.running:
                break
            time.sleep(1)

    def stop(self, *args) -> None:
        self.running = False
