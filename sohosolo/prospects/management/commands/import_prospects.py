"""Import a spreadsheet of prospects (CSV or XLSX) into a territory; the same import as the web page's.

Without --mapping or --values, the import starts from the mappings last confirmed in the territory for a file with the
same headers (on the web page or here), then recognises the other columns and values it is sure of; what it cannot map
is kept in the files' notes and listed in the report."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sohosolo.accounts.models import STAFF_ROLES, Role, User
from sohosolo.prospects.import_values import CHOICE_FIELDS
from sohosolo.prospects.importing import (
    PROBLEM_TITLES,
    ImportFileError,
    ImportReport,
    Mode,
    field_label,
    import_prospects,
    load_mapping,
    load_values,
    read_table,
    remember,
    remembered,
    shown_lines,
    write_rejected_rows,
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
        parser.add_argument(
            "--values",
            type=Path,
            help='JSON file {"column": {"value in the file": "choice"}}; null leaves the field empty (value kept in '
            "the notes).",
        )
        parser.add_argument(
            "--advisor", help="Email of the advisor of the files whose advisor is nobody of the team (default: none)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="Write nothing when a row is rejected (default: import the valid rows and report the others).",
        )
        parser.add_argument("--valid-only", action="store_true", help="Import the valid rows (the default).")
        parser.add_argument(
            "--rejected", type=Path, help="Write the rejected rows with their reason to this .csv or .xlsx."
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the report (default: %(default)s).",
        )

    def handle(
        self,
        *args,
        file: Path,
        territory: str,
        mapping: Path | None,
        values: Path | None,
        advisor: str | None,
        dry_run: bool,
        all_or_nothing: bool,
        rejected: Path | None,
        language: str,
        verbosity: int,
        **options,
    ) -> None:
        with translation.override(language):
            self.run(file, territory, mapping, values, advisor, dry_run, all_or_nothing, rejected, verbosity)

    def run(self, file, territory, mapping, values, advisor, dry_run, all_or_nothing, rejected, verbosity) -> None:
        target = self.find_territory(territory)
        if not file.is_file():
            raise CommandError(_("No file %(file)s.") % {"file": file})
        default_advisor = None
        if advisor:
            team = Role.objects.filter(territory=target, kind__in=STAFF_ROLES, user__is_active=True)
            default_advisor = User.objects.filter(email__iexact=advisor, pk__in=team.values("user")).first()
            if default_advisor is None:
                raise CommandError(_("%(email)s is nobody of this territory's team.") % {"email": advisor})
        began = time.monotonic()

        def progress(done: int, total: int) -> None:
            if verbosity > 1:
                self.stderr.write(f"{done}/{total}")

        try:
            headers = read_table(file).headers
            columns, chosen = remembered(target, headers)
            columns = (load_mapping(mapping) if mapping else None) or columns or None
            chosen = (load_values(values) if values else None) or chosen or None
            report = import_prospects(
                file,
                target,
                mapping=columns,
                values=chosen,
                default_advisor=default_advisor,
                mode=Mode.ALL_OR_NOTHING if all_or_nothing else Mode.VALID_ONLY,
                dry_run=dry_run,
                progress=progress,
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        if report.written and (mapping or values):
            remember(target, headers, columns or {}, chosen or {})
        self.print_report(report, target, time.monotonic() - began, verbosity)
        if rejected and report.rejected:
            write_rejected_rows(rejected, report)
            self.stdout.write(_("Rejected rows written to %(file)s.") % {"file": rejected})
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
        if report.kept_columns:
            out.write(_("Columns kept in the notes: %(columns)s") % {"columns": ", ".join(report.kept_columns)})
        out.write(
            _(
                "%(rows)s rows read: %(created)s new files, %(members)s members added to them, %(attached)s attached "
                "to a file they duplicate, %(updated)s files updated, %(already)s already imported, %(rejected)s "
                "rejected (%(seconds).1f s)."
            )
            % {
                "rows": report.rows,
                "created": report.created,
                "members": report.members,
                "attached": report.attached,
                "updated": report.updated,
                "already": report.already_imported,
                "rejected": len(report.rejected),
                "seconds": seconds,
            }
        )
        if report.skipped:
            out.write(
                ngettext(
                    "%(count)s organisation skipped (line %(lines)s): only people and households are imported.",
                    "%(count)s organisations skipped (lines %(lines)s): only people and households are imported.",
                    len(report.skipped),
                )
                % {"count": len(report.skipped), "lines": ", ".join(str(line) for line in report.skipped)}
            )
        for name in CHOICE_FIELDS + ("children", "household_size"):
            for value, count in sorted(report.unmapped.get(name, {}).items(), key=lambda item: -item[1]):
                out.write(
                    _("%(field)s “%(value)s” (%(count)s rows): not recognised, kept in the notes.")
                    % {"field": field_label(name), "value": value, "count": count}
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
        for code, count, lines in report.groups():
            shown = shown_lines(lines)
            out.write(
                ngettext(
                    "%(title)s: %(count)s row (line %(lines)s)", "%(title)s: %(count)s rows (lines %(lines)s)", count
                )
                % {"title": PROBLEM_TITLES[code], "count": count, "lines": shown}
            )
        for line, reason in report.rejected:
            out.write(_("line %(line)s: %(reason)s") % {"line": line, "reason": reason})
