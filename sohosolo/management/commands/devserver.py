"""`make run`: the web server, the task worker and the periodic scheduler together; Ctrl-C stops all three.

A child that dies is started again (a killed worker's task is requeued by the next one)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from sohosolo.accounts.demo import DEMO_LOGINS, DEMO_PASSWORD

# A child that stops more than MAX_RESTARTS times within RESTART_WINDOW seconds is broken: everything stops.
MAX_RESTARTS = 5
RESTART_WINDOW = 60


class Command(BaseCommand):
    help = "Start the development web server, the background task worker and the periodic scheduler."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Address and port (default 127.0.0.1:8000).")

    def handle(self, *args, addr: str, **options) -> None:
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {
            "web": [*manage, "runserver", addr],
            "worker": [*manage, "worker", "--no-reload", "--interval", "1"],
            "periodic": [*manage, "runperiodic"],
        }
        processes = {name: subprocess.Popen(command) for name, command in commands.items()}
        restarts: dict[str, list[float]] = {name: [] for name in commands}
        self.print_welcome(addr)
        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in list(processes.items()):
                    if process.poll() is None or stopping:
                        continue
                    # A child that died is started again, as the service units of the README do
                    # (Restart=always), unless it keeps dying: then it is broken, and all stop.
                    now = time.monotonic()
                    restarts[name] = [t for t in restarts[name] if t > now - RESTART_WINDOW] + [now]
                    if len(restarts[name]) > MAX_RESTARTS:
                        self.stderr.write(f"{name} stopped {MAX_RESTARTS} times in a minute; stopping the rest.")
                        stopping = True
                        break
                    self.stderr.write(f"{name} stopped (exit code {process.returncode}); starting it again.")
                    processes[name] = subprocess.Popen(commands[name])
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
