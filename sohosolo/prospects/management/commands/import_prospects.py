"""Import a spreadsheet of prospects (CSV or XLSX) into a territory; the same import as the web page's."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sohosolo.prospects.importing import (
    ImportFileError,
    ImportReport,
    Mode,
    field_label,
    import_prospects,
    load_mapping,
)
from sohosolo.territory.models import Territory


class Command(BaseCommand):
    help = (
        "Import prospects from a CSV (UTF-8 or Windows-1252, ';' or ',') or XLSX file into a territory. Prints the "
        "report and exits with status 1 when rows were rejected."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="CSV or XLSX file.")
        parser.add_argument("--territory", required=True, help="Territory code (gers) or département (32).")
        parser.add_argument(
            "--mapping", type=Path, help='JSON file {"header in the file": "field"}; null ignores a column.'
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="Import the valid rows even when others are rejected (default: all or nothing).",
        )

    def handle(
        self,
        *args,
        file: Path,
        territory: str,
        mapping: Path | None,
        dry_run: bool,
        valid_only: bool,
        verbosity: int,
        **options,
    ) -> None:
        target = self.find_territory(territory)
        if not file.is_file():
            raise CommandError(_("No file %(file)s.") % {"file": file})
        began = time.monotonic()

        def progress(done: int, total: int) -> None:
            if verbosity > 1:
                self.stderr.write(f"{done}/{total}")

        try:
            report = import_prospects(
                file,
                target,
                mapping=load_mapping(mapping) if mapping else None,
                mode=Mode.VALID_ONLY if valid_only else Mode.ALL_OR_NOTHING,
                dry_run=dry_run,
                progress=progress,
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        self.print_report(report, target, time.monotonic() - began, verbosity)
        if report.rejected:
            count = len(report.rejected)
            raise CommandError(
                ngettext("%(count)s row rejected.", "%(count)s rows rejected.", count) % {"count": count}
            )

    def find_territory(self, code: str) -> Territory:
        territories = list(Territory.objects.filter(Q(code=code.lower()) | Q(departement=code.upper())))
        if len(territories) != 1:
            known = ", ".join(f"{t.code} ({t.departement})" for t in Territory.objects.order_by("code")) or "—"
            raise CommandError(
                _("No single territory “%(code)s”; the territories are: %(known)s.") % {"code": code, "known": known}
            )
        return territories[0]

    def print_report(self, report: ImportReport, territory: Territory, seconds: float, verbosity: int) -> None:
        out = self.stdout
        out.write(_("%(file)s → %(territory)s") % {"file": report.file_name, "territory": territory.name})
        if verbosity > 1:
            for header, name in report.columns.items():
                out.write(f"  {header} → {field_label(name)}")
        if report.ignored_columns:
            out.write(_("Columns ignored: %(columns)s") % {"columns": ", ".join(report.ignored_columns)})
        out.write(
            _(
                "%(rows)s rows read: %(created)s new files, %(attached)s attached to a file they duplicate, "
                "%(already)s already imported, %(rejected)s rejected (%(seconds).1f s)."
            )
            % {
                "rows": report.rows,
                "created": report.created,
                "attached": report.attached,
                "already": report.already_imported,
                "rejected": len(report.rejected),
                "seconds": seconds,
            }
        )
        if report.dry_run:
            out.write(self.style.WARNING(_("Dry run: nothing was written.")))
        elif report.written:
            out.write(self.style.SUCCESS(_("Imported.")))
        elif report.rejected and report.mode == Mode.ALL_OR_NOTHING:
            out.write(
                self.style.ERROR(
                    _(
                        "Nothing was written: rows were rejected and the import is all or nothing "
                        "(fix them, or use --valid-only)."
                    )
                )
            )
        else:
            out.write(_("Nothing to import."))
        for line, reason in report.rejected:
            out.write(_("line %(line)s: %(reason)s") % {"line": line, "reason": reason})
