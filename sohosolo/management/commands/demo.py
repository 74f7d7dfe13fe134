"""Fill an empty database with the demo programme (deterministic; every demo password is `demo`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sohosolo.demo import DEMO_LOGINS, DEMO_PASSWORD, database_is_empty, load_demo


class Command(BaseCommand):
    help = "Fill an empty database with realistic demo data (territories, villages, every persona's account)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing, successfully, when the database already has data."
        )
        parser.add_argument(
            "--prospects-scale", type=float, default=1.0, help="Shrink (<1) or grow the prospects' history."
        )

    def handle(self, *args, if_empty: bool = False, prospects_scale: float = 1.0, **options) -> None:
        if not database_is_empty():
            if if_empty:
                self.stdout.write("The database already has data: demo data not loaded, your data is kept.")
                return
            raise CommandError("The database already has data; the demo fills only an empty database.")
        counts = load_demo(prospects_scale=prospects_scale)
        self.stdout.write(self.style.SUCCESS("Demo data loaded: " + ", ".join(f"{n} {k}" for k, n in counts.items())))
        self.stdout.write(f"Demo logins (password « {DEMO_PASSWORD} »):")
        for email, label in DEMO_LOGINS:
            self.stdout.write(f"  {email:<42} {label}")
