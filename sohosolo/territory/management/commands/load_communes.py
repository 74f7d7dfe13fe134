"""Load the official French communes shipped with Soho Solo (idempotent; updates the communes that changed)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand

from sohosolo.territory.communes import COMMUNES_FILE, load_communes


class Command(BaseCommand):
    help = "Load or update the official French communes (INSEE code, names, postcodes, town hall, outline)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--file", type=Path, default=COMMUNES_FILE, help="Communes file (default: the shipped one)."
        )
        parser.add_argument("--departement", action="append", help="Load only this département (repeatable).")
        parser.add_argument("--force", action="store_true", help="Read the file even if it was already loaded.")

    def handle(self, *args, file: Path, departement: list[str] | None, force: bool, **options) -> None:
        began = time.monotonic()
        report = load_communes(file, departements=departement, force=force)
        if report.skipped:
            self.stdout.write("Communes already up to date.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Communes: {report.created} created, {report.updated} updated, {report.unchanged} unchanged "
                f"in {time.monotonic() - began:.1f} s."
            )
        )
