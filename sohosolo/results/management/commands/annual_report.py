"""python manage.py annual_report --territory 32 --year 2008 --format pdf --output report.pdf [--language en]"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from sohosolo.results.report import report_pdf, report_xlsx
from sohosolo.territory.models import Territory


class Command(BaseCommand):
    help = "Write a territory's annual activity report for funders, as PDF or XLSX."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--territory", required=True, help="Département code (32) or the territory's code (gers).")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["pdf", "xlsx"], default="pdf")
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES], default="fr")

    def handle(self, *args, **options) -> None:
        key = options["territory"]
        territories = list(Territory.objects.filter(Q(code=key) | Q(departement=key)).order_by("pk"))
        exact = [t for t in territories if t.code == key]
        if exact:
            territory = exact[0]
        elif len(territories) == 1:
            territory = territories[0]
        elif territories:
            codes = ", ".join(t.code for t in territories)
            raise CommandError(f"Several territories in département {key}: give one of {codes}.")
        else:
            raise CommandError(f"No territory {key!r} (give a département code or a territory's code).")
        if not 2000 <= options["year"] <= 2100:
            raise CommandError("The year must be between 2000 and 2100.")
        build = report_pdf if options["format"] == "pdf" else report_xlsx
        content = build(territory, options["year"], options["language"])
        output = Path(options["output"])
        output.write_bytes(content)
        self.stdout.write(f"{output} ({len(content) // 1024} KB): {territory.name}, {options['year']}.")
