"""Queue the periodic jobs when they are due, for the task worker to run. Runs until stopped (or once)."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand

from sohosolo.tasks import enqueue_due_jobs


class Command(BaseCommand):
    help = "Queue the platform's periodic jobs when they are due (run beside `db_worker`)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Queue the due jobs once, then exit.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between two looks (default 60).")

    def handle(self, *args, once: bool = False, interval: int = 60, **options) -> None:
        self.running = True
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        while self.running:
            for name in enqueue_due_jobs():
                self.stdout.write(f"Queued periodic job {name}")
            if once:
                return
            for _second in range(interval):
                if not self.running:
                    break
                time.sleep(1)

    def stop(self, *args) -> None:
        self.running = False
