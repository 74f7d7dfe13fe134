"""`manage.py backup` and `restore` (docs/backup.md): a round trip onto a fresh machine gives back the same rows and
files, on SQLite and on PostgreSQL; a damaged backup or a target holding data is refused before anything changes; a
backup taken while the platform writes is a sound database; the periodic job keeps the newest backups.

The round trips run the commands in other processes, on databases of their own (the tests' SQLite database lives in
memory, where nothing can be copied from outside)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dj_database_url
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from sohosolo import backups
from sohosolo.backups import BackupError, backup_database, make_backup, restore_check, run_postgres_tool
from sohosolo.tasks import PeriodicJob, enqueue_due_jobs

ROOT = Path(__file__).resolve().parent.parent

SEED = """
from tests.factories import make_commune, make_household, make_territory, make_user, make_village
from sohosolo.accounts.models import RoleKind
auch = make_commune("32013", "Auch")
gers = make_territory("gers", auch)
lectoure = make_village(gers, make_commune("32208", "Lectoure"))
make_user("advisor@example.fr", "Julien Advisor", (RoleKind.ADVISOR, gers))
for number in range(12):
    make_household(gers, first_name=f"Hélène{number}", last_name="Léger", villages=[lectoure], sharing=True)
"""
COUNTS = "import json; from sohosolo.backups import database_rows; print(json.dumps(database_rows()))"


def environment(data_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "REDIS_URL", "BACKUP_DIR", "S3_BUCKET"):
        env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    finished = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert finished.returncode == 0, finished.stderr
    return finished


def counts(env: dict[str, str]) -> dict[str, int]:
    return json.loads(manage(env, "shell", "-v0", "-c", COUNTS).stdout)


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def make_source(data_dir: Path, database_url: str = "") -> dict[str, str]:
    """A platform with data: migrated, a dozen households, public photos and private documents."""
    env = environment(data_dir, database_url)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "shell", "-v0", "-c", SEED)
    (data_dir / "media" / "villages" / "photos").mkdir(parents=True)
    (data_dir / "media" / "villages" / "photos" / "lectoure.jpg").write_bytes(os.urandom(70_000))
    (data_dir / "media" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    (data_dir / "private" / "documents" / "2026").mkdir(parents=True)
    (data_dir / "private" / "documents" / "2026" / "bail é.pdf").write_bytes(os.urandom(5_000))
    return env


def backup_of(env: dict[str, str], directory: Path) -> Path:
    finished = manage(env, "backup", str(directory))
    return Path(finished.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory) -> tuple[Path, dict[str, str], Path]:
    data_dir = tmp_path_factory.mktemp("source")
    env = make_source(data_dir)
    return data_dir, env, backup_of(env, tmp_path_factory.mktemp("backups"))


def test_backup_then_restore_on_a_fresh_machine_gives_the_same_rows_and_files(sqlite_source, tmp_path):
    source_dir, source_env, backup = sqlite_source
    fresh = tmp_path / "new-machine" / "var"  # nothing there yet, not even the folder
    env = environment(fresh)

    finished = manage(env, "restore", str(backup))

    assert "Restored the backup" in finished.stdout
    expected = counts(source_env)
    assert expected["prospects_household"] == 12 and expected["accounts_user"] == 1
    assert counts(env) == expected
    assert files_of(fresh / "media") == files_of(source_dir / "media")
    assert files_of(fresh / "private") == files_of(source_dir / "private")
    assert "bail é.pdf" in str(files_of(fresh / "private"))
    # The restored platform works: Django reads it and finds every migration applied.
    assert manage(env, "migrate", "--check", check=False).returncode == 0


def test_a_backup_is_a_complete_folder_with_a_checksum_manifest(sqlite_source):
    _source_dir, source_env, backup = sqlite_source

    assert backup.name.startswith("sohosolo-backup-") and backup.stat().st_mode & 0o777 == 0o700
    assert not [path for path in backup.parent.iterdir() if path.name.endswith(".partial")]
    assert sorted(path.name for path in backup.iterdir()) == [
        "database.sqlite3",
        "manifest.json",
        "manifest.json.sha256",
        "media",
        "private",
    ]
    text = (backup / "manifest.json").read_bytes()
    assert (backup / "manifest.json.sha256").read_text() == f"{hashlib.sha256(text).hexdigest()}  manifest.json\n"
    manifest = json.loads(text)
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["migrations"]["prospects"].startswith("00")
    assert manifest["counts"] == counts(source_env)
    assert {entry["path"] for entry in manifest["files"]} == {
        "database.sqlite3",
        "media/villages/photos/lectoure.jpg",
        "media/logo.svg",
        "private/documents/2026/bail é.pdf",
    }
    for entry in manifest["files"]:
        content = (backup / entry["path"]).read_bytes()
        assert (len(content), hashlib.sha256(content).hexdigest()) == (entry["size"], entry["sha256"])
    with sqlite3.connect(backup / "database.sqlite3") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT COUNT(*) FROM prospects_household").fetchone() == (12,)


def test_restore_refuses_a_damaged_backup_and_changes_nothing(sqlite_source, tmp_path):
    _source_dir, _env, backup = sqlite_source
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    photo = damaged / "media" / "villages" / "photos" / "lectoure.jpg"
    photo.write_bytes(b"X" + photo.read_bytes()[1:])  # same size, one byte changed
    database = damaged / "database.sqlite3"
    database.write_bytes(database.read_bytes()[:-4096])  # the last page lost
    fresh = tmp_path / "var"
    env = environment(fresh)

    finished = manage(env, "restore", str(damaged), check=False)

    assert finished.returncode != 0
    assert "media/villages/photos/lectoure.jpg (checksum differs)" in finished.stderr
    assert "database.sqlite3 (size" in finished.stderr
    assert "nothing was restored" in finished.stderr
    assert not fresh.exists()
    # The good backup is said whole by --check, which changes nothing either.
    checked = manage(env, "restore", "--check", str(backup))
    assert "is whole" in checked.stdout and not fresh.exists()


def test_restore_refuses_a_changed_manifest(sqlite_source, tmp_path):
    _source_dir, _env, backup = sqlite_source
    changed = tmp_path / "changed"
    shutil.copytree(backup, changed)
    manifest = json.loads((changed / "manifest.json").read_text())
    manifest["counts"]["prospects_household"] = 99
    (changed / "manifest.json").write_text(json.dumps(manifest))

    finished = manage(environment(tmp_path / "var"), "restore", str(changed), check=False)

    assert finished.returncode != 0 and "manifest.json (its checksum differs" in finished.stderr
    assert not (tmp_path / "var").exists()


def test_restore_into_a_platform_holding_data_needs_force_and_then_replaces_everything(sqlite_source, tmp_path):
    source_dir, source_env, backup = sqlite_source
    target = tmp_path / "var"
    shutil.copytree(source_dir, target)
    env = environment(target)
    manage(
        env, "shell", "-v0", "-c", "from sohosolo.prospects.models import Household; Household.objects.all().delete()"
    )
    (target / "media" / "extra.jpg").write_bytes(b"not in the backup")
    before = counts(env)

    refused = manage(env, "restore", str(backup), check=False)

    assert refused.returncode != 0
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert counts(env) == before and (target / "media" / "extra.jpg").exists()

    manage(env, "restore", "--force", str(backup))

    assert counts(env) == counts(source_env)
    assert files_of(target / "media") == files_of(source_dir / "media")


def test_a_backup_taken_while_rows_are_written_is_a_sound_database_with_every_committed_row(tmp_path):
    path = tmp_path / "live.sqlite3"
    # Open all along, as the platform's processes are: the last connection to close would fold the log in.
    platform = sqlite3.connect(path, isolation_level=None)
    platform.execute("PRAGMA journal_mode=WAL")
    platform.execute("CREATE TABLE row (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
    platform.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stop = threading.Event()
    written = [0]

    def write() -> None:
        writer = sqlite3.connect(path, timeout=20, isolation_level=None)
        writer.execute("PRAGMA wal_autocheckpoint=0")  # rows stay in the -wal file, as between two checkpoints
        while not stop.is_set():
            writer.execute("BEGIN IMMEDIATE")
            writer.executemany("INSERT INTO row (payload) VALUES (?)", [("x" * 500,)] * 50)
            writer.execute("COMMIT")
            written[0] += 50
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        seen = []
        for number in range(8):
            copy = sqlite3.connect(tmp_path / f"copy{number}.sqlite3")
            backups.copy_sqlite(path, copy)
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            (rows,) = copy.execute("SELECT COUNT(*) FROM row").fetchone()
            assert rows % 50 == 0  # whole transactions only
            seen.append(rows)
            copy.close()
    finally:
        stop.set()
        thread.join()
    assert seen == sorted(seen) and seen[-1] > 0
    final = sqlite3.connect(tmp_path / "final.sqlite3")
    backups.copy_sqlite(path, final)
    assert final.execute("SELECT COUNT(*) FROM row").fetchone() == (written[0],)
    final.close()
    # Whereas a plain copy of the file misses the rows still in the write-ahead log.
    shutil.copyfile(path, tmp_path / "plain.sqlite3")
    with sqlite3.connect(tmp_path / "plain.sqlite3") as plain:
        assert plain.execute("SELECT COUNT(*) FROM row").fetchone()[0] < written[0]
    platform.close()


def test_a_backup_that_fails_leaves_no_folder_and_says_why(db, tmp_path, monkeypatch, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "photo.jpg").write_bytes(b"photo")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(backups, "copy_and_hash", disk_full)

    with pytest.raises(BackupError, match="No space left on device"):
        make_backup(tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []


def test_a_file_deleted_during_the_backup_is_skipped_with_a_warning(db, tmp_path, monkeypatch, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "kept.jpg").write_bytes(b"kept")
    listed = backups.files_under

    def listing_a_file_deleted_meanwhile(root):
        if root == tmp_path / "media":
            yield root / "gone.jpg"
        yield from listed(root)

    monkeypatch.setattr(backups, "files_under", listing_a_file_deleted_meanwhile)

    backup = make_backup(tmp_path / "backups")

    assert backup.warnings == ["media/gone.jpg vanished during the backup (deleted meanwhile): skipped."]
    assert [entry["path"] for entry in backup.manifest["files"][1:]] == ["media/kept.jpg"]
    assert not (backup.path / "media" / "gone.jpg").exists()


def test_the_backup_command_fails_with_a_clear_message(db, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(CommandError, match="Backup failed: Cannot create the backup in .*a-file"):
        call_command("backup", str(tmp_path / "a-file"))


def test_a_missing_postgresql_client_is_said_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        run_postgres_tool(["pg_dump", "--version"], {})


def test_a_backup_of_a_newer_version_of_the_platform_is_refused(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    backup = make_backup(tmp_path / "backups").path
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["migrations"]["prospects"] = "9999_from_the_future"
    text = json.dumps(manifest)
    (backup / "manifest.json").write_text(text)
    (backup / "manifest.json.sha256").write_text(f"{hashlib.sha256(text.encode()).hexdigest()}  manifest.json\n")

    with pytest.raises(BackupError, match="newer version of the platform.*prospects.9999_from_the_future"):
        restore_check(backup, force=True)


def test_the_periodic_backup_keeps_the_newest_and_does_nothing_without_a_folder(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = ""
    assert backup_database.enqueue().return_value == ""

    settings.BACKUP_DIR = str(tmp_path / "backups")
    settings.BACKUP_KEEP = 2
    stale = tmp_path / "backups" / ".sohosolo-backup-20200101T000000Z.partial"
    stale.mkdir(parents=True)
    os.utime(stale, (0, 0))
    made = []
    start = datetime(2026, 6, 15, 1, 0, tzinfo=UTC)
    for day in range(3):
        with time_machine.travel(start + timedelta(days=day), tick=False):
            made.append(Path(backup_database.enqueue().return_value))

    assert sorted((tmp_path / "backups").iterdir()) == made[1:]
    assert made[-1].name == "sohosolo-backup-20260617T010000Z"
    assert (made[-1] / "manifest.json.sha256").is_file()


def test_the_scheduler_runs_the_backup_job_once_a_day(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = str(tmp_path / "backups")
    jobs = [PeriodicJob("backup_database", timedelta(hours=24), backup_database)]
    now = datetime(2026, 6, 15, 1, 0, tzinfo=UTC)

    with time_machine.travel(now, tick=False):
        assert enqueue_due_jobs(now, jobs) == ["backup_database"]
        assert enqueue_due_jobs(now + timedelta(hours=1), jobs) == []

    assert [path.name for path in (tmp_path / "backups").iterdir()] == ["sohosolo-backup-20260615T010000Z"]


# --- PostgreSQL: a round trip through pg_dump and pg_restore, on scratch databases of the local server


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


@pytest.mark.skipif(not postgres_url(), reason="DATABASE_URL does not point to PostgreSQL")
def test_postgresql_backup_then_restore_into_a_new_database_gives_the_same_rows_and_files(tmp_path):
    server = dj_database_url.parse(postgres_url())
    tool_env = {
        **os.environ,
        "PGHOST": server["HOST"] or "127.0.0.1",
        "PGPORT": str(server["PORT"] or 5432),
        "PGUSER": server["USER"] or "postgres",
    }
    if server["PASSWORD"]:
        tool_env["PGPASSWORD"] = server["PASSWORD"]
    names = [f"sohosolo_backup_test_{uuid.uuid4().hex[:10]}" for _ in range(2)]

    def url(name: str) -> str:
        return postgres_url().rsplit("/", 1)[0] + "/" + name

    for name in names:
        subprocess.run(["createdb", name], env=tool_env, check=True, capture_output=True)
    try:
        source_env = make_source(tmp_path / "source", url(names[0]))
        backup = backup_of(source_env, tmp_path / "backups")
        assert (backup / "database.pgdump").is_file()
        target_env = environment(tmp_path / "target", url(names[1]))

        manage(target_env, "restore", str(backup))

        expected = counts(source_env)
        assert expected["prospects_household"] == 12
        assert counts(target_env) == expected
        assert files_of(tmp_path / "target" / "media") == files_of(tmp_path / "source" / "media")
        assert files_of(tmp_path / "target" / "private") == files_of(tmp_path / "source" / "private")
        assert manage(target_env, "migrate", "--check", check=False).returncode == 0
        refused = manage(target_env, "restore", str(backup), check=False)
        assert refused.returncode != 0 and "--force" in refused.stderr
        manage(target_env, "restore", "--force", str(backup))
        assert counts(target_env) == expected
    finally:
        for name in names:
            subprocess.run(["dropdb", "--if-exists", "--force", name], env=tool_env, capture_output=True)
