"""python manage.py restore DIR [--force] [--check]: put a backup made by `manage.py backup` back (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sohosolo.backups import BackupError, restore_backup, restore_check


class Command(BaseCommand):
    # The checks open the database, which on a fresh machine has no folder yet.
    requires_system_checks: list[str] = []
    help = (
        "Restore a backup folder made by `manage.py backup`: checks every file's SHA-256 first, then replaces the "
        "database, the media and the private files, and compares the row counts with the backup's."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help="The backup folder (sohosolo-backup-…).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore even though the database or the media folders already hold data: ALL of it is replaced.",
        )
        parser.add_argument(
            "--check", action="store_true", help="Only verify the backup and the target; change nothing."
        )

    def handle(self, *args, directory: Path, force: bool = False, check: bool = False, **options) -> None:
        try:
            if check:
                manifest = restore_check(directory, force)
                self.stdout.write(
                    f"The backup of {manifest['created_at']} is whole ({len(manifest['files'])} files checked) "
                    "and can be restored here."
                )
                return
            if force:
                self.stderr.write(
                    self.style.WARNING("--force: the database, the media and the private files are replaced.")
                )
            restored = restore_backup(directory, force=force)
        except BackupError as error:
            raise CommandError(f"Restore refused: {error}") from error
        for warning in restored.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        manifest = restored.manifest
        if options["verbosity"] >= 1:
            for table, n in manifest["counts"].items():
                if n or options["verbosity"] >= 2:
                    self.stdout.write(f"  {table}: {restored.counts.get(table)}")
        if restored.mismatches:
            lines = [f"  {table}: {got} rows, {n} in the backup" for table, (n, got) in restored.mismatches.items()]
            raise CommandError("The restored database does not hold the backup's rows:\n" + "\n".join(lines))
        folders = ", ".join(f"{name} {folder['files']} files" for name, folder in manifest["folders"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']}: {manifest['database']['rows']} rows in "
                f"{manifest['database']['tables']} tables, as counted at the backup; {folders or 'no files'}."
            )
        )
        if restored.pending_migrations:
            self.stdout.write(
                f"The code has {len(restored.pending_migrations)} migrations the backup had not: "
                "run `python manage.py migrate` now."
            )
