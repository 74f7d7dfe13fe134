"""python manage.py backup DIR: a consistent copy of the database, the media and the private files (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sohosolo.backups import BackupError, make_backup


class Command(BaseCommand):
    # A backup must never be blocked by a configuration check that has nothing to do with it.
    requires_system_checks: list[str] = []
    help = (
        "Back up the database (SQLite online backup or pg_dump), the media and the private files into a new folder "
        "DIR/sohosolo-backup-<UTC time>/ with a checksum manifest. Safe while the platform runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "directory", type=Path, help="Folder that receives the new backup folder (created if need be)."
        )

    def handle(self, *args, directory: Path, **options) -> None:
        try:
            backup = make_backup(directory)
        except BackupError as error:
            raise CommandError(f"Backup failed: {error}") from error
        for warning in backup.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        database = backup.manifest["database"]
        if options["verbosity"] >= 1:
            self.stdout.write(f"Database ({database['vendor']}): {database['tables']} tables, {database['rows']} rows.")
            for name, folder in backup.manifest["folders"].items():
                self.stdout.write(f"{name.capitalize()}: {folder['files']} files, {folder['bytes']} bytes.")
        self.stdout.write(str(backup.path))
