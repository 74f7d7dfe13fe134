"""Backups of the whole platform: a consistent copy of the database, the media and the private files, with a
checksum manifest; and their restore, on this machine or a fresh one. Used by `manage.py backup` / `restore` and by
the periodic job `backup_database` (docs/backup.md).

A plain copy of the SQLite file while the platform writes is not a backup: it can catch a page half-written, and it
misses the rows still in the write-ahead log (`-wal` file). The copy here is made by SQLite's online backup API, or
by `pg_dump` inside one snapshot for PostgreSQL; the row counts and migration state of the manifest are read from that
same snapshot, so a restore can check that it got back exactly what was saved.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.tasks import task

logger = logging.getLogger(__name__)

FORMAT = "sohosolo-backup"
FORMAT_VERSION = 1
PREFIX = "sohosolo-backup-"
PARTIAL_SUFFIX = ".partial"
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.json.sha256"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
CHUNK = 1024 * 1024

# Rows that `migrate`, `load_communes` and the scheduler write by themselves: a database holding only these is empty
# as far as a restore is concerned (a fresh machine after `make run`'s first steps).
REBUILT_MODELS = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "territory.commune",
    "sohosolo.dataset",
    "sohosolo.periodicjobrun",
    "django_tasks_db.dbtaskresult",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Backup:
    path: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)


@dataclass
class Restored:
    manifest: dict
    counts: dict[str, int]
    mismatches: dict[str, tuple[int, int | None]]
    pending_migrations: list[str]
    warnings: list[str] = field(default_factory=list)


# --- Small helpers


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(root: Path, path: Path) -> dict:
    return {"path": path.relative_to(root).as_posix(), "size": path.stat().st_size, "sha256": sha256_of(path)}


def fsync_file(path: Path) -> None:
    with path.open("rb") as stream:
        os.fsync(stream.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def model_tables() -> dict[str, str]:
    """{table: model label} of every table the platform's models keep (many-to-many tables included)."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not meta.swapped:
            tables[meta.db_table] = meta.label_lower
    return dict(sorted(tables.items()))


def count_rows(cursor, tables: Iterable[str]) -> dict[str, int]:
    """Rows per table, through any DB-API cursor (SQLite and PostgreSQL both quote names with double quotes)."""
    counts = {}
    for table in tables:
        cursor.execute('SELECT COUNT(*) FROM "{}"'.format(table.replace('"', '""')))
        counts[table] = cursor.fetchone()[0]
    return counts


def latest_migrations(cursor) -> dict[str, str]:
    """The last migration applied, per app (migration names start with their zero-padded number)."""
    cursor.execute("SELECT app, name FROM django_migrations")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def file_folders() -> dict[str, Path] | None:
    """The folders of files a backup holds, or None when they live in S3-compatible storage (not on this disk)."""
    if settings.STORAGES["default"]["BACKEND"] != "django.core.files.storage.FileSystemStorage":
        return None
    private = getattr(settings, "PRIVATE_MEDIA_ROOT", None) or Path(settings.DATA_DIR) / "private"
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(private)}


def files_under(root: Path) -> Iterator[Path]:
    """Regular files under `root`, symbolic links left out, in a stable order."""
    if not root.is_dir():
        return
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def copy_and_hash(source: Path, target: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as reading, target.open("wb") as writing:
        while chunk := reading.read(CHUNK):
            digest.update(chunk)
            writing.write(chunk)
            size += len(chunk)
        writing.flush()
        os.fsync(writing.fileno())
    return size, digest.hexdigest()


def safe_relative(name: str) -> PurePosixPath:
    """A manifest's path, refused if it could point outside the folder it is restored into."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BackupError(f"The manifest names an unsafe path: {name!r}.")
    return path


def postgres_environment(settings_dict: dict) -> dict[str, str]:
    """The connection settings for pg_dump/pg_restore, in the environment (never on a command line others can
    read with `ps`)."""
    environment = dict(os.environ)
    for key, variable in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ]:
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in [
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
        ("service", "PGSERVICE"),
    ]:
        if options.get(option):
            environment[variable] = str(options[option])
    return environment


def run_postgres_tool(arguments: list[str], settings_dict: dict) -> None:
    tool = arguments[0]
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed or not on the PATH: install the PostgreSQL client of the server's version "
            "(Debian: apt install postgresql-client)."
        )
    try:
        finished = subprocess.run(
            arguments, env=postgres_environment(settings_dict), capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise BackupError(f"{tool} could not be started: {error}") from error
    if finished.returncode != 0:
        raise BackupError(f"{tool} failed (exit code {finished.returncode}):\n{finished.stderr.strip()}")


# --- Backup


def sqlite_backup(source: sqlite3.Connection, destination: sqlite3.Connection, wait: float = 120) -> None:
    """SQLite's online backup in one step, retried while a lock is held, but not for ever (Python would)."""
    deadline = time.monotonic() + wait

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise BackupError(
                f"The database stayed locked for {wait:.0f} seconds: stop the platform's processes and try again."
            )

    source.backup(destination, progress=progress)


def copy_sqlite(path: Path, destination: sqlite3.Connection) -> None:
    """Copy the SQLite database file `path` into `destination` in one step of the online backup API: a read
    transaction sees one committed state (write-ahead log included) while writers go on."""
    if not path.is_file():
        raise BackupError(f"There is no database at {path}: nothing to back up.")
    source = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=60)
    try:
        sqlite_backup(source, destination)
    finally:
        source.close()


def backup_sqlite(target: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Copy the live SQLite database into `target` with the online backup API: one consistent state, whatever
    other processes write meanwhile, the write-ahead log included."""
    connection = connections[DEFAULT_DB_ALIAS]
    destination = sqlite3.connect(target)
    try:
        if connection.is_in_memory_db():
            # The tests' database, in this process only and inside the test's transaction: copied from memory.
            connection.ensure_connection()
            memory = sqlite3.connect(":memory:")
            memory.deserialize(connection.connection.serialize())
            sqlite_backup(memory, destination)
            memory.close()
        else:
            copy_sqlite(Path(connection.settings_dict["NAME"]), destination)
        cursor = destination.cursor()
        # The copy keeps the live database's WAL mode, in which merely reading it writes -wal and -shm files beside
        # it: a backup is one self-contained file.
        cursor.execute("PRAGMA journal_mode=DELETE")
        (check,) = cursor.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupError(f"The copy of the database fails SQLite's check ({check}): the database needs repair.")
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        existing = {name for (name,) in cursor.fetchall()}
        counts = count_rows(cursor, [table for table in model_tables() if table in existing])
        migrations = latest_migrations(cursor) if "django_migrations" in existing else {}
        cursor.close()
    finally:
        destination.close()
    return counts, migrations


def backup_postgres(target: Path) -> tuple[dict[str, int], dict[str, str]]:
    """`pg_dump` in custom format, inside a snapshot opened here: the counts and migrations read in that snapshot
    describe exactly what the dump holds."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    settings_dict = wrapper.settings_dict
    try:
        raw = wrapper.get_new_connection(wrapper.get_connection_params())
    except Exception as error:
        raise BackupError(f"Cannot connect to the database: {error}") from error
    try:
        raw.autocommit = True
        cursor = raw.cursor()
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        existing = set(wrapper.introspection.table_names(cursor))
        counts = count_rows(cursor, [table for table in model_tables() if table in existing])
        migrations = latest_migrations(cursor) if "django_migrations" in existing else {}
        run_postgres_tool(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            settings_dict,
        )
        cursor.execute("COMMIT")
        cursor.close()
    finally:
        raw.close()
    return counts, migrations


def copy_folder(root: Path, destination: Path, prefix: str, warnings: list[str]) -> list[dict]:
    entries = []
    for path in files_under(root):
        relative = path.relative_to(root).as_posix()
        try:
            size, digest = copy_and_hash(path, destination / relative)
        except FileNotFoundError:
            warnings.append(f"{prefix}/{relative} vanished during the backup (deleted meanwhile): skipped.")
            (destination / relative).unlink(missing_ok=True)
            continue
        entries.append({"path": f"{prefix}/{relative}", "size": size, "sha256": digest})
    return entries


def backup_name(directory: Path, now: datetime) -> str:
    name = PREFIX + now.strftime("%Y%m%dT%H%M%SZ")
    candidate, number = name, 1
    while (directory / candidate).exists() or (directory / f".{candidate}{PARTIAL_SUFFIX}").exists():
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def make_backup(directory: Path) -> Backup:
    """Write a new backup folder inside `directory` and return it. Written under a hidden temporary name, then
    renamed: a folder named sohosolo-backup-… is always complete."""
    directory = Path(directory)
    now = datetime.now(UTC)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        name = backup_name(directory, now)
        partial = directory / f".{name}{PARTIAL_SUFFIX}"
        partial.mkdir(mode=0o700)  # personal data: for the platform's system user only
    except OSError as error:
        raise BackupError(f"Cannot create the backup in {directory}: {error.strerror or error}.") from error
    warnings: list[str] = []
    try:
        vendor = connections[DEFAULT_DB_ALIAS].vendor
        if vendor == "sqlite":
            database_file = SQLITE_FILE
            counts, migrations = backup_sqlite(partial / database_file)
        elif vendor == "postgresql":
            database_file = POSTGRES_FILE
            counts, migrations = backup_postgres(partial / database_file)
        else:
            raise BackupError(f"Backups know SQLite and PostgreSQL, not {vendor}.")
        fsync_file(partial / database_file)
        files = [file_entry(partial, partial / database_file)]
        folders: dict[str, dict] = {}
        roots = file_folders()
        if roots is None:
            warnings.append(
                "The media and private files are in S3-compatible storage: back up the bucket with the provider's "
                "tools; this backup holds the database only."
            )
        else:
            for prefix, root in roots.items():
                entries = copy_folder(root, partial / prefix, prefix, warnings)
                folders[prefix] = {"files": len(entries), "bytes": sum(entry["size"] for entry in entries)}
                files.extend(entries)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "django": django.get_version(),
            "database": {
                "vendor": vendor,
                "file": database_file,
                "tables": len(counts),
                "rows": sum(counts.values()),
            },
            "migrations": migrations,
            "counts": counts,
            "folders": folders,
            "files": files,
        }
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        (partial / MANIFEST).write_text(text, encoding="utf-8")
        fsync_file(partial / MANIFEST)
        digest = hashlib.sha256(text.encode()).hexdigest()
        (partial / MANIFEST_SUM).write_text(f"{digest}  {MANIFEST}\n", encoding="utf-8")  # sha256sum -c reads it
        fsync_file(partial / MANIFEST_SUM)
        fsync_dir(partial)
        final = directory / name
        partial.rename(final)
        fsync_dir(directory)
    except BaseException as error:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(error, OSError):
            raise BackupError(f"The backup could not be written in {directory}: {error.strerror or error}.") from error
        if isinstance(error, sqlite3.Error):
            raise BackupError(f"The database could not be copied into {directory}: {error}.") from error
        raise
    return Backup(final, manifest, warnings)


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest complete backups in `directory`, and temporary folders of backups that
    stopped half-way more than a day ago. Returns what was deleted."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    complete = sorted(
        path
        for path in directory.iterdir()
        if path.is_dir() and path.name.startswith(PREFIX) and (path / MANIFEST_SUM).is_file()
    )
    deleted = complete[: max(len(complete) - max(keep, 1), 0)]
    day_ago = datetime.now(UTC).timestamp() - 24 * 3600
    deleted += [
        path
        for path in directory.iterdir()
        if path.is_dir()
        and path.name.startswith("." + PREFIX)
        and path.name.endswith(PARTIAL_SUFFIX)
        and path.stat().st_mtime < day_ago
    ]
    for path in deleted:
        shutil.rmtree(path)
    return deleted


@task()
def backup_database() -> str:
    """The periodic backup: into BACKUP_DIR when it is set (nothing otherwise), keeping the BACKUP_KEEP newest."""
    directory = getattr(settings, "BACKUP_DIR", "")
    if not directory:
        return ""
    backup = make_backup(Path(directory))
    for warning in backup.warnings:
        logger.warning("Backup %s: %s", backup.path.name, warning)
    for path in prune_backups(Path(directory), int(getattr(settings, "BACKUP_KEEP", 7) or 7)):
        logger.info("Old backup %s deleted", path.name)
    return str(backup.path)


# --- Verification and restore


def verify_backup(path: Path) -> tuple[dict, list[str]]:
    """The manifest of the backup folder `path`, and the list of its files that are missing or whose size or
    SHA-256 differ (empty when the backup is whole)."""
    path = Path(path)
    manifest_file, sum_file = path / MANIFEST, path / MANIFEST_SUM
    if not manifest_file.is_file() or not sum_file.is_file():
        raise BackupError(f"{path} is not a backup folder: {MANIFEST} or {MANIFEST_SUM} is missing.")
    expected = (sum_file.read_text(encoding="utf-8").split() or [""])[0]
    if sha256_of(manifest_file) != expected:
        return {}, [f"{MANIFEST} (its checksum differs from {MANIFEST_SUM})"]
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except ValueError as error:
        raise BackupError(f"{manifest_file} is not readable JSON: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Soho Solo backup.")
    if manifest.get("version", 0) > FORMAT_VERSION:
        raise BackupError(
            f"This backup has format version {manifest['version']}; this version of the platform reads up to "
            f"{FORMAT_VERSION}: update the code first."
        )
    problems = []
    for entry in manifest["files"]:
        file = path / safe_relative(entry["path"])
        if not file.is_file():
            problems.append(f"{entry['path']} (missing)")
        elif file.stat().st_size != entry["size"]:
            problems.append(f"{entry['path']} (size {file.stat().st_size}, expected {entry['size']})")
        elif sha256_of(file) != entry["sha256"]:
            problems.append(f"{entry['path']} (checksum differs)")
    return manifest, problems


def database_rows() -> dict[str, int]:
    """Rows per model table of the configured database ({} when it has no table or does not exist yet)."""
    connection = connections[DEFAULT_DB_ALIAS]
    is_file = connection.vendor == "sqlite" and not connection.is_in_memory_db()
    if is_file and not Path(connection.settings_dict["NAME"]).exists():
        return {}  # not created by looking at it
    try:
        with connection.cursor() as cursor:
            existing = set(connection.introspection.table_names(cursor))
            return count_rows(cursor, [table for table in model_tables() if table in existing])
    except BackupError:
        raise
    except Exception as error:
        raise BackupError(
            f"Cannot read the target database ({error}). For PostgreSQL, create it first (createdb)."
        ) from error


def unknown_migrations(migrations: dict[str, str]) -> list[str]:
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [f"{app}.{name}" for app, name in migrations.items() if (app, name) not in known]


def pending_migrations() -> list[str]:
    loader = MigrationLoader(connections[DEFAULT_DB_ALIAS], ignore_no_migrations=True)
    leaves = loader.graph.leaf_nodes()
    plan = [key for leaf in leaves for key in loader.graph.forwards_plan(leaf) if key not in loader.applied_migrations]
    return sorted({f"{app}.{name}" for app, name in plan})


def restore_check(path: Path, force: bool) -> dict:
    """Everything a restore checks before it changes anything; returns the verified manifest."""
    manifest, problems = verify_backup(path)
    if problems:
        raise BackupError(
            "The backup is damaged, nothing was restored. Files that do not match the manifest:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        )
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            f"This backup holds a {manifest['database']['vendor']} database and the platform is configured for "
            f"{vendor} (DATABASE_URL): restore it into the same kind of database."
        )
    unknown = unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            "This backup was made by a newer version of the platform (migrations unknown here: "
            + ", ".join(unknown)
            + "): update the code first."
        )
    if not force:
        rows = database_rows()
        table_models = model_tables()
        filled = {table: n for table, n in rows.items() if n and table_models[table] not in REBUILT_MODELS}
        roots = file_folders() or {}
        files = {prefix: sum(1 for _ in files_under(root)) for prefix, root in roots.items()}
        if filled or any(files.values()):
            held = [f"{table}: {n} rows" for table, n in sorted(filled.items(), key=lambda item: -item[1])[:5]]
            held += [f"{roots[prefix]}: {n} files" for prefix, n in files.items() if n]
            raise BackupError(
                "The target is not empty (" + "; ".join(held) + "). A restore replaces everything in the database "
                "and in the media folders with the backup's content: run it again with --force to do so."
            )
    return manifest


def restore_sqlite(source: Path) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.is_in_memory_db():
        raise BackupError("The configured database lives in memory: there is nothing to restore into.")
    connections.close_all()
    reading = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        target = Path(connection.settings_dict["NAME"])
        target.parent.mkdir(parents=True, exist_ok=True)
        writing = sqlite3.connect(target, timeout=60)
        try:
            sqlite_backup(reading, writing)
        finally:
            writing.close()
    finally:
        reading.close()


def restore_postgres(source: Path) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    settings_dict = connection.settings_dict
    connections.close_all()
    run_postgres_tool(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={settings_dict['NAME']}",
            str(source),
        ],
        settings_dict,
    )


def restore_folders(path: Path, manifest: dict) -> list[str]:
    """Make the media and private folders what they were at the backup: its files copied back, the others (of the
    database replaced) deleted."""
    roots = file_folders()
    if roots is None:
        return [
            "The media and private files are in S3-compatible storage: restore the bucket with the provider's tools."
        ]
    warnings = []
    for prefix, root in roots.items():
        if prefix not in manifest["folders"]:
            warnings.append(f"The backup holds no {prefix} folder: {root} left as it is.")
            continue
        wanted = set()
        for entry in manifest["files"]:
            relative = safe_relative(entry["path"])
            if relative.parts[0] != prefix:
                continue
            inside = PurePosixPath(*relative.parts[1:])
            wanted.add(inside.as_posix())
            copy_and_hash(path / relative, root / inside)
        root.mkdir(parents=True, exist_ok=True)
        for file in list(files_under(root)):
            if file.relative_to(root).as_posix() not in wanted:
                file.unlink()
    return warnings


def restore_backup(path: Path, force: bool = False) -> Restored:
    """Restore the backup folder `path` into the configured database and folders, after checking it whole."""
    path = Path(path)
    manifest = restore_check(path, force)
    source = path / manifest["database"]["file"]
    if manifest["database"]["vendor"] == "sqlite":
        restore_sqlite(source)
    else:
        restore_postgres(source)
    try:
        warnings = restore_folders(path, manifest)
    except OSError as error:
        raise BackupError(f"The database is restored but the files could not be copied back: {error}") from error
    counts = database_rows()
    expected = manifest["counts"]
    mismatches = {table: (n, counts.get(table)) for table, n in expected.items() if counts.get(table) != n}
    return Restored(manifest, counts, mismatches, pending_migrations(), warnings)
