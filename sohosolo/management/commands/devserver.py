"""`make run`: the web server, the task worker and the periodic scheduler together; Ctrl-C stops all three."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from sohosolo.accounts.demo import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Start the development web server, the background task worker and the periodic scheduler."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Address and port (default 127.0.0.1:8000).")

    def handle(self, *args, addr: str, **options) -> None:
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        processes = {
            "web": subprocess.Popen([*manage, "runserver", addr]),
            "worker": subprocess.Popen([*manage, "db_worker", "--no-reload", "--interval", "1"]),
            "periodic": subprocess.Popen([*manage, "runperiodic"]),
        }
        self.print_welcome(addr)
        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                ended = [name for name, p in processes.items() if p.poll() is not None]
                if ended:
                    self.stderr.write(f"{', '.join(ended)} stopped; stopping the rest.")
                    break
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            self.stdout.write("Soho Solo stopped.")

    def print_welcome(self, addr: str) -> None:
        lines = [
            "",
            f"Soho Solo runs on http://{addr}/ (web server, task worker and periodic jobs). Ctrl-C stops it.",
        ]
        if settings.DEMO_MODE:
            lines.append(f"Demo logins (password « {DEMO_PASSWORD} »):")
            lines += [f"  {email:<42} {label}" for email, label in DEMO_LOGINS]
        self.stdout.write("\n".join(lines) + "\n")
