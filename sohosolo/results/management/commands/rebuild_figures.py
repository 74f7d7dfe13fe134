"""python manage.py rebuild_figures [--check [--year 2025] [--territory gers]]

Without --check: count the dashboard's per-day figures again from nothing (after restoring an old backup into a
newer version, or if they were ever doubted). With --check: bring them up to date, then compare every territory's
figures of the year (by default the last two years) with the same figures counted from the records; exits 1 when
one differs.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict

from django.core.management.base import BaseCommand
from django.utils import timezone

from sohosolo.results.figures import rebuild_figures, refresh_figures
from sohosolo.results.recount import recount
from sohosolo.results.stats import Period, compute
from sohosolo.territory.models import Territory


class Command(BaseCommand):
    help = "Count the dashboard's figures again from the records, or check them against the records."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="compare with the records instead of rebuilding")
        parser.add_argument("--year", type=int, action="append", help="year to check (repeat for several)")
        parser.add_argument("--territory", help="the territory's code (all by default)")

    def handle(self, *args, **options) -> None:
        if not options["check"]:
            began = time.monotonic()
            total = rebuild_figures(say=self.stdout.write if options["verbosity"] else None)
            if options["verbosity"]:
                self.stdout.write(f"{total:,} households counted in {time.monotonic() - began:.1f} s.")
            return
        refresh_figures()
        this_year = timezone.localdate().year
        years = options["year"] or [this_year - 1, this_year]
        territories = Territory.objects.order_by("code")
        if options["territory"]:
            territories = territories.filter(code=options["territory"])
        differences = 0
        for territory in territories:
            for year in years:
                period = Period.year(year)
                kept, counted = asdict(compute(territory, period)), asdict(recount(territory, period))
                wrong = sorted(name for name in kept if kept[name] != counted[name])
                if wrong:
                    differences += 1
                    self.stdout.write(f"{territory.code} {year}: differ on {', '.join(wrong)}")
        if differences:
            self.stdout.write(f"{differences} territory-years differ: run `manage.py rebuild_figures`.")
            sys.exit(1)
        self.stdout.write("The figures equal a count of the records.")
