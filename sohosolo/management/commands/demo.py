"""Fill an empty database with the demo programme (deterministic; every demo password is `demo`)."""

from __future__ import annotations

import os
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from sohosolo.accounts.demo import DEMO_LOGINS, DEMO_PASSWORD
from sohosolo.demo import database_is_empty, load_demo


def reference_day(text: str) -> date:
    """A day written as YYYY-MM-DD (the ISO form: the same in French and English, and sorted as it reads)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"« {text} » is not a day written YYYY-MM-DD, such as 2026-06-15.") from None


class Command(BaseCommand):
    help = "Fill an empty database with realistic demo data (territories, villages, every persona's account)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing, successfully, when the database already has data."
        )
        parser.add_argument(
            "--prospects-scale", type=float, default=1.0, help="Shrink (<1) or grow the prospects' history."
        )
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            default=os.environ.get("DEMO_TODAY", ""),
            help="Draw the demo as it stands at noon (Paris time) on this day, whatever today is: the same day always "
            "gives the same data. Default: $DEMO_TODAY, else the real day.",
        )

    def handle(self, *args, if_empty: bool = False, prospects_scale: float = 1.0, today: str = "", **options) -> None:
        day = reference_day(today) if today.strip() else None
        if not database_is_empty():
            if if_empty:
                self.stdout.write("The database already has data: demo data not loaded, your data is kept.")
                return
            raise CommandError("The database already has data; the demo fills only an empty database.")
        counts = load_demo(prospects_scale=prospects_scale, today=day)
        as_of = f" as of {day.isoformat()}" if day else ""
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded{as_of}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
        )
        self.stdout.write(f"Demo logins (password « {DEMO_PASSWORD} »):")
        for email, label in DEMO_LOGINS:
            self.stdout.write(f"  {email:<42} {label}")
