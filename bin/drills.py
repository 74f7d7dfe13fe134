"""What bin/drill-worker-kill and bin/drill-db-restart share: a throwaway platform with a slow mail server.

Each drill runs the real commands (`manage.py worker`, `manage.py runperiodic`) in processes of their own, on a
database of its own: an SQLite file in a temporary folder, or, when DATABASE_URL is set, a database created (and
dropped) for the drill on that PostgreSQL server. Emails go to files (one per message) through a backend that takes
DRILL_MAIL_DELAY seconds per message, as a real mail server does; the drill counts them by Message-ID.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
PYTHON = os.environ.get("DRILL_PYTHON") or str(REPO / ".venv" / "bin" / "python")

SETTINGS = """\
import os

from sohosolo.settings import *  # noqa: F403

MAILERS = {"default": {"BACKEND": "drill_mail.SlowFileBackend", "OPTIONS": {"file_path": os.environ["DRILL_MAIL_DIR"]}}}
"""

MAIL_BACKEND = '''\
import os
import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    """A mail server that takes DRILL_MAIL_DELAY seconds to accept each message."""

    def send_messages(self, messages):
        time.sleep(float(os.environ.get("DRILL_MAIL_DELAY", "0.05")) * len(messages))
        return super().send_messages(messages)
'''

ROLE_GRANTED = {
    "user": {"get_short_name": "Lou"},
    "inviter": {"full_name": "Sophie"},
    "role": {"get_kind_display": "Advisor"},
    "territory": {"name": "Soho Solo Gers"},
    "login_url": "x",
}

WORKER = ["worker", "--no-reload", "--no-startup-delay", "--interval", "0.2", "--heartbeat", "1", "--lease", "4"]
WORKER += ["--max-backoff", "2"]


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


class Drill:
    """The sandbox of one drill; `with Drill(name, database_url=...) as drill:` sets it up and removes it."""

    def __init__(self, name: str, database_url: str | None = None, mail_delay: float = 0.05):
        self.name = name
        self.server_url = database_url
        self.mail_delay = mail_delay
        self.processes: list[subprocess.Popen] = []

    # --- Setting up --------------------------------------------------------------------------------------------

    def __enter__(self) -> Drill:
        self.dir = Path(tempfile.mkdtemp(prefix=f"sohosolo-drill-{self.name}-"))
        self.mail_dir = self.dir / "mail"
        self.mail_dir.mkdir()
        (self.dir / "drill_settings.py").write_text(SETTINGS)
        (self.dir / "drill_mail.py").write_text(MAIL_BACKEND)
        self.database_url = self.create_database() if self.server_url else None
        self.env = {
            key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL", "DEBUG")
        }
        self.env |= {
            "DJANGO_SETTINGS_MODULE": "drill_settings",
            "PYTHONPATH": f"{self.dir}{os.pathsep}{REPO}",
            "DATA_DIR": str(self.dir),
            "PRIVATE_MEDIA_ROOT": str(self.dir / "private"),
            "DRILL_MAIL_DIR": str(self.mail_dir),
            "DRILL_MAIL_DELAY": str(self.mail_delay),
            "DEMO_MODE": "false",
        }
        if self.database_url:
            self.env["DATABASE_URL"] = self.database_url
        # This process reads and writes the same database through Django, with the same settings.
        os.environ.clear()
        os.environ.update(self.env)
        sys.path[:0] = [str(self.dir), str(REPO)]
        import django

        django.setup()
        say(f"Drill {self.name} on {self.database_url or 'SQLite'} in {self.dir}")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        from django.db import connections

        connections.close_all()
        if self.database_url:
            self.drop_database()
        if os.environ.get("DRILL_KEEP"):
            say(f"Kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def create_database(self) -> str:
        import psycopg

        self.db_name = f"sohosolo_drill_{os.getpid()}"
        with psycopg.connect(self.maintenance_url(), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {self.db_name}")
            connection.execute(f"CREATE DATABASE {self.db_name}")
        return urlunsplit(urlsplit(self.server_url)._replace(path=f"/{self.db_name}"))

    def drop_database(self) -> None:
        import psycopg

        for _attempt in range(10):
            try:
                with psycopg.connect(self.maintenance_url(), autocommit=True) as connection:
                    connection.execute(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")
                return
            except psycopg.OperationalError:
                time.sleep(1)

    def maintenance_url(self) -> str:
        return urlunsplit(urlsplit(self.server_url)._replace(path="/postgres"))

    # --- Processes ---------------------------------------------------------------------------------------------

    def start(self, label: str, *command: str) -> subprocess.Popen:
        log = open(self.dir / f"{label}.log", "ab")  # noqa: SIM115  (the child writes it until it ends)
        process = subprocess.Popen(
            [PYTHON, str(REPO / "manage.py"), *command], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        say(f"Started {label} (pid {process.pid})")
        return process

    def start_worker(self, worker_id: str) -> subprocess.Popen:
        return self.start(worker_id, *WORKER, "--worker-id", worker_id)

    def log(self, label: str) -> str:
        path = self.dir / f"{label}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @staticmethod
    def stop(process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    # --- The platform's side -----------------------------------------------------------------------------------

    def enqueue_emails(self, count: int, prefix: str = "n") -> None:
        from sohosolo.lib.emails import send_email

        for i in range(count):
            send_email(f"{prefix}{i}@example.fr", "role-granted", ROLE_GRANTED, "en")
        self.close()

    def email_tasks(self):
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(task_path="sohosolo.lib.emails.deliver_email")

    def task_counts(self) -> dict[str, int]:
        counts = collections.Counter(self.email_tasks().values_list("status", flat=True))
        self.close()
        return {status: counts.get(status, 0) for status in ("READY", "RUNNING", "SUCCESSFUL", "FAILED")}

    def runs_per_task(self) -> collections.Counter:
        runs = collections.Counter(len(ids) for ids in self.email_tasks().values_list("worker_ids", flat=True))
        self.close()
        return runs

    @staticmethod
    def close() -> None:
        from django.db import connections

        connections.close_all()

    # --- The mail server's side --------------------------------------------------------------------------------

    def delivered(self) -> int:
        """Messages at the mail server so far (a file may hold several: its name is a second and an object id)."""
        return sum(self.messages().values())

    def messages(self) -> collections.Counter:
        """How many times each Message-ID reached the mail server."""
        ids: collections.Counter = collections.Counter()
        for path in list(self.mail_dir.iterdir()):
            ids.update(re.findall(r"^Message-ID: (<[^>]+>)", path.read_text(errors="replace"), re.MULTILINE))
        return ids

    # --- Waiting -----------------------------------------------------------------------------------------------

    @staticmethod
    def wait_until(condition, timeout: float, what: str) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return True
            except Exception as error:  # the database may be away: that is the point of the drill
                say(f"  ({what}: {type(error).__name__}, looking again)")
                Drill.close()
            time.sleep(0.2)
        say(f"Timed out after {timeout:.0f} s waiting for: {what}")
        return False

    def all_emails_done(self) -> bool:
        counts = self.task_counts()
        return counts["READY"] == counts["RUNNING"] == 0

    # --- The verdict -------------------------------------------------------------------------------------------

    def verdict(self, expected: int, checks: dict[str, bool] | None = None) -> int:
        messages = self.messages()
        counts = self.task_counts()
        twice = {message_id: n for message_id, n in messages.items() if n > 1}
        runs = self.runs_per_task()
        from sohosolo.models import DeliveredEmail

        claimed_again = DeliveredEmail.objects.filter(attempts__gt=1).count()
        self.close()
        say(
            f"Messages at the mail server: {sum(messages.values())} ({len(messages)} different, "
            f"{len(twice)} more than once); expected {expected}"
        )
        say(f"Email tasks: {counts}; runs per task: {dict(sorted(runs.items()))}")
        say(f"Keys claimed again by a retry (their first run died before the mail server's answer): {claimed_again}")
        results = {
            f"{expected} different messages delivered": len(messages) == expected,
            "no message delivered twice": not twice,
            "no email task left READY or RUNNING": counts["READY"] == counts["RUNNING"] == 0,
            "no email task FAILED": counts["FAILED"] == 0,
            **(checks or {}),
        }
        for check, passed in results.items():
            say(f"{'PASS' if passed else 'FAIL'}  {check}")
        if twice:
            say(f"Delivered twice: {twice}")
        return 0 if all(results.values()) else 1


class ThrowawayPostgres:
    """A PostgreSQL server of the drill's own (initdb in a temporary folder, a free port), so that stopping it
    disturbs no other user of the machine's server. Run as root, it runs as the postgres user."""

    def __init__(self):
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
        if not binaries:
            raise SystemExit("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are needed for this drill.")
        self.bin = binaries[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="sohosolo-drill-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def __enter__(self) -> ThrowawayPostgres:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.dir / "server.log")
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-w", "-o", options, "start")

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
