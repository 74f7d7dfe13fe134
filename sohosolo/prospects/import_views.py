"""The web import of prospects: upload a spreadsheet, map its columns with a checked preview, run it as a task.

The import itself is `importing.import_prospects`, the same as the `import_prospects` command's; these pages only
keep the file between the steps (an `ImportJob`) and show the report. The file is deleted once the import has run.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.scopes import get_territory_or_404, staff_required
from sohosolo.accounts.security import recent_authentication_required
from sohosolo.audit.log import log_action
from sohosolo.lib.exports import csv_response, xlsx_response
from sohosolo.prospects.importing import (
    FIELDS,
    KEEP,
    PROBLEM_TITLES,
    ImportFileError,
    ImportReport,
    Rejection,
    Table,
    ValueColumn,
    check_values,
    field_label,
    guess_mapping,
    import_prospects,
    read_table,
    rejected_rows_table,
    remember,
    remembered,
    shown_lines,
    value_table,
    word_problems,
)
from sohosolo.prospects.models import ImportJob
from sohosolo.prospects.tasks import import_progress_key, run_import

IMPORT_MAX_MB = 20
PREVIEW_ROWS = 10
# The mapping page checks this many rows with a dry run of the import (about half a second); the rest at the run.
CHECKED_ROWS = 2000
RECENT_JOBS = 10


# --- Forms --------------------------------------------------------------------------------------------------------


def mode_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=gettext_lazy("If some rows are rejected"),
        choices=ImportJob.Mode.choices,
        initial=ImportJob.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or Windows-1252, separated by ; or ,) or Excel .xlsx (first sheet), headers on the first "
            "row; at most %(max)s MB."
        )
        % {"max": IMPORT_MAX_MB},
        widget=forms.FileInput(
            {"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"] = mode_field()
        self.content = b""
        self.table: Table | None = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise ValidationError(_("Choose a CSV or an XLSX file (save an old .xls file as .xlsx first)."))
        if upload.size > IMPORT_MAX_MB * 1024 * 1024:
            raise ValidationError(
                _("This file is larger than %(max)s MB: split it in several files.") % {"max": IMPORT_MAX_MB}
            )
        content = upload.read()
        if suffix == ".xlsx" and not content.startswith(b"PK\x03\x04"):
            raise ValidationError(_("This file cannot be read as an XLSX spreadsheet."))
        try:
            table = read_table(content)
        except ImportFileError as error:
            raise ValidationError(str(error)) from error
        if not table.rows:
            raise ValidationError(_("This file has a header row but no rows under it."))
        self.content, self.table = content, table
        return upload


@dataclass
class Column:
    index: int
    header: str
    sample: str  # the first value of the column, to recognise it
    field: forms.BoundField | None  # None when the column cannot be imported
    why_not: str = ""


class ImportMappingForm(forms.Form):
    """One choice of field per column of the file (keyed by its position), the mode, and for each distinct value of
    the choice columns (stage, activity, source, advisor, communes, country, villages) what it means."""

    def __init__(self, table: Table, job: ImportJob, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.table, self.job = table, job
        self.fields["mode"] = mode_field()
        choices = [
            ("", _("— ignore this column —")),
            (KEEP, _("— keep in the notes —")),
            *((name, field_label(name)) for name in FIELDS),
        ]
        self.names: dict[int, str] = {}
        seen: dict[str, int] = {}
        for index, header in enumerate(table.headers):
            key = header.strip().casefold()
            if not key or key in seen:
                continue
            seen[key] = index
            self.names[index] = f"column_{index}"
            self.fields[self.names[index]] = forms.ChoiceField(label=header, choices=choices, required=False)
        self.seen = seen
        self.value_columns = self._value_columns()

    def posted_mapping(self) -> dict[str, str | None]:
        """The columns' fields as posted (or as saved with the job), before any check."""
        if not self.is_bound:
            return self.job.mapping or {}
        return {self.table.headers[i]: self.data.get(name) or None for i, name in self.names.items()}

    def _value_columns(self) -> list[ValueColumn]:
        try:
            columns = guess_mapping(self.table.headers, self.posted_mapping() or None)
        except ImportFileError:
            return []
        chosen = self.job.values or {}
        value_columns = value_table(self.table, columns, self.job.territory)
        for column in value_columns:
            for number, row in enumerate(column.rows):
                name = f"value_{column.index}_{number}"
                label = _("“%(value)s” imported as") % {"value": row.value}
                if column.choices is not None:
                    field = forms.ChoiceField(
                        label=label, choices=[("", _("— none: kept in the notes —")), *column.choices], required=False
                    )
                else:
                    field = forms.CharField(label=label, required=False, max_length=200)
                saved = chosen.get(column.header, {})
                if row.value in saved:
                    initial = saved[row.value] or ""
                elif column.choices is not None:
                    initial = row.suggestion.target
                else:
                    initial = row.label if row.suggestion.target else ""
                if column.choices is None and initial and column.field in ("settled_commune", "villages_of_interest"):
                    initial = row.label if initial == row.suggestion.target else initial
                field.initial = initial
                self.fields[name] = field
                column.fields.append((row, self[name]))
        return value_columns

    def columns(self) -> list[Column]:
        columns = []
        for index, header in enumerate(self.table.headers):
            sample = next((cells[index] for _line, cells in self.table.rows if index < len(cells) and cells[index]), "")
            if index in self.names:
                columns.append(Column(index, header, sample, self[self.names[index]]))
            elif not header.strip():
                columns.append(Column(index, header, sample, None, _("No header: this column is ignored.")))
            else:
                first = self.seen[header.strip().casefold()] + 1
                why = _(
                    "Same header as column %(number)s: this column is ignored (rename it in the file to import it)."
                )
                columns.append(Column(index, header, sample, None, why % {"number": first}))
        return columns

    def clean(self):
        cleaned = super().clean()
        mapping = {self.table.headers[i]: cleaned.get(name) or None for i, name in self.names.items()}
        try:
            columns = guess_mapping(self.table.headers, mapping)
            # A value whose field was not posted keeps the import's own reading (its suggestion when sure).
            values = {
                column.header: {
                    row.value: cleaned.get(bound.name) or None
                    for row, bound in column.fields
                    if bound.html_name in self.data
                }
                for column in self.value_columns
            }
            values = {header: chosen for header, chosen in values.items() if chosen}
            check_values(self.job.territory, values, columns, self.table.headers)
        except ImportFileError as error:
            raise ValidationError(str(error)) from error
        cleaned["mapping"], cleaned["values"] = mapping, values
        return cleaned


def mapping_initial(job: ImportJob, form_names: dict[int, str], headers: list[str]) -> dict:
    return {"mode": job.mode} | {name: job.mapping.get(headers[i]) or "" for i, name in form_names.items()}


# --- Preview --------------------------------------------------------------------------------------------------------


@dataclass
class Preview:
    columns: list[tuple[str, str]]  # (header in the file, field) of the imported columns, in the file's order
    rows: list[tuple[int, list[str], str]]  # (line, cells of the imported columns, reason of rejection or "")
    report: ImportReport  # of a dry run on the whole file, or on its first CHECKED_ROWS rows when it is longer
    checked: int
    total: int


def sample_file(table: Table, count: int) -> bytes:
    """The headers and first `count` rows as a CSV file that the import reads back as they are: every cell quoted,
    and a separator that the import's detection (the most frequent of `;`, `,` and tab in the header row) finds."""

    def write(delimiter: str, rows) -> str:
        out = io.StringIO(newline="")
        csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
        return out.getvalue()

    delimiter = next(d for d in "\t;," if max(";,\t", key=write(d, [table.headers]).count) == d or d == ",")
    return write(delimiter, [table.headers, *(cells for _line, cells in table.rows[:count])]).encode()


def preview(job: ImportJob, content: bytes, table: Table, mapping: dict, values: dict, mode: str) -> Preview:
    """The first rows as the import reads them, and a dry run of the import on the file (or its first rows)."""
    columns = guess_mapping(table.headers, mapping)
    options = {"file_name": job.original_name, "mapping": mapping, "values": values, "mode": mode, "dry_run": True}
    if len(table.rows) <= CHECKED_ROWS:
        report = import_prospects(content, job.territory, **options)
    else:
        report = import_prospects(sample_file(table, CHECKED_ROWS), job.territory, **options)
        # The sample's rows are on lines 2, 3…: back to the file's own line numbers.
        lines = [line for line, _cells in table.rows]
        report.rejected = [Rejection(lines[line - 2], reason) for line, reason in report.rejected]
    reasons = dict(report.rejected)
    shown = [i for i in sorted(columns) if columns[i] != KEEP]
    rows = [
        (line, [cells[i] if i < len(cells) else "" for i in shown], reasons.get(line, ""))
        for line, cells in table.rows[:PREVIEW_ROWS]
    ]
    return Preview(
        columns=[(table.headers[i], field_label(columns[i])) for i in shown],
        rows=rows,
        report=report,
        checked=min(len(table.rows), CHECKED_ROWS),
        total=len(table.rows),
    )


# --- Views ----------------------------------------------------------------------------------------------------------


def get_import_job_or_404(request: HttpRequest, code: str, job_id: int) -> ImportJob:
    """An import of a territory, for its team only; outsiders get 404."""
    territory = get_territory_or_404(request, code)
    return get_object_or_404(
        ImportJob.objects.select_related("territory", "created_by"), pk=job_id, territory=territory
    )


@staff_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, code: str) -> HttpResponse:
    """Step 1: the file and the mode; the territory's last imports below."""
    territory = get_territory_or_404(request, code)
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if request.method == "POST" and form.is_valid():
        upload, table = form.cleaned_data["file"], form.table
        # A file laid out like one imported before starts from the mappings confirmed then.
        columns, values = remembered(territory, table.headers)
        try:
            guessed = {table.headers[i]: name for i, name in guess_mapping(table.headers, columns or None).items()}
        except ImportFileError:
            guessed = {}  # nothing recognised, or a field twice: the mapping page asks for each column
        job = ImportJob(
            territory=territory,
            created_by=request.user,
            original_name=Path(upload.name).name[:200],
            mapping=guessed,
            values=values,
            mode=form.cleaned_data["mode"],
            rows_total=len(table.rows),
        )
        # A random name: the stored file says nothing of whom it lists, and two uploads never collide.
        job.file.save(f"{uuid4().hex}{Path(upload.name).suffix.lower()}", ContentFile(form.content), save=False)
        job.save()
        log_action(
            request.user,
            "prospects.import_uploaded",
            job,
            {"file": job.original_name, "rows": job.rows_total, "mode": job.mode},
        )
        return redirect("prospects:import_mapping", code=territory.code, job_id=job.pk)
    context = {
        "territory": territory,
        "form": form,
        "jobs": territory.import_jobs.select_related("created_by")[:RECENT_JOBS],
        "max_mb": IMPORT_MAX_MB,
    }
    return render(request, "prospects/import_upload.html", context, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, code: str, job_id: int) -> HttpResponse:
    """Step 2: a field for each column, with a preview checked by a dry run; "Run the import" queues the task.

    A change of a choice posts the form with htmx, which gets the preview back; without JavaScript, the "Check
    again" button does the same with a whole page."""
    job = get_import_job_or_404(request, code, job_id)
    if job.status != ImportJob.Status.UPLOADED:
        return redirect("prospects:import_job", code=job.territory.code, job_id=job.pk)
    with job.file.open("rb") as file:
        content = file.read()
    table = read_table(content)
    form = ImportMappingForm(table, job, request.POST if request.method == "POST" else None)
    if request.method == "GET":
        form.initial = mapping_initial(job, form.names, table.headers)
    running = request.method == "POST" and request.POST.get("action") == "run"
    if form.is_bound and form.is_valid():
        mapping, values, mode = form.cleaned_data["mapping"], form.cleaned_data["values"], form.cleaned_data["mode"]
        jobs = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.UPLOADED)
        if running:
            # Claimed atomically: a second click on "Run the import" queues nothing more.
            queued = jobs.update(
                status=ImportJob.Status.QUEUED, mapping=mapping, values=values, mode=mode, queued_at=timezone.now()
            )
            if queued:
                # Confirmed: the next file with these headers starts from these mappings.
                remember(job.territory, table.headers, mapping, values, request.user)
                log_action(
                    request.user,
                    "prospects.import_queued",
                    job,
                    {"file": job.original_name, "rows": job.rows_total, "mode": mode, "mapping": mapping},
                )
                run_import.enqueue(job.pk)
            return redirect("prospects:import_job", code=job.territory.code, job_id=job.pk)
        jobs.update(mapping=mapping, values=values, mode=mode)
        job.mapping, job.values, job.mode = mapping, values, mode
        if not request.htmx:
            return redirect("prospects:import_mapping", code=job.territory.code, job_id=job.pk)
    context = {"territory": job.territory, "job": job, "form": form, "checked_rows": CHECKED_ROWS}
    if not form.errors:
        try:
            context["preview"] = preview(job, content, table, job.mapping or None, job.values or None, job.mode)
        except ImportFileError as error:  # the guessed mapping found no name, email or phone column
            context["preview_error"] = str(error)
    if request.htmx:
        return render(request, "prospects/import_mapping.html#preview", context)
    return render(request, "prospects/import_mapping.html", context, status=400 if form.errors else 200)


@staff_required
@require_POST
def import_cancel(request: HttpRequest, code: str, job_id: int) -> HttpResponse:
    """Give up an import before it runs: its file is deleted at once."""
    job = get_import_job_or_404(request, code, job_id)
    if ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.UPLOADED).delete()[0]:
        job.file.delete(save=False)
        log_action(request.user, "prospects.import_cancelled", None, {"file": job.original_name}, job.territory)
        messages.success(
            request, _("The import of %(file)s is cancelled and its file deleted.") % {"file": job.original_name}
        )
        return redirect("prospects:import_upload", code=job.territory.code)
    return redirect("prospects:import_job", code=job.territory.code, job_id=job.pk)


def job_context(job: ImportJob) -> dict:
    rows_done = job.rows_done
    if job.status == ImportJob.Status.RUNNING:
        rows_done = max(rows_done, cache.get(import_progress_key(job.pk)) or 0)
    percent = round(100 * rows_done / job.rows_total) if job.rows_total else 0
    finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    report = job.report or {}
    rejected = [
        {"line": row["line"], "reason": word_problems(row["problems"]) if row.get("problems") else row["reason"]}
        for row in report.get("rejected", [])
    ]
    groups: dict[str, list[int]] = {}
    for row in report.get("rejected", []):
        for code in dict.fromkeys(code for code, _params in row.get("problems", [])):
            groups.setdefault(code, []).append(row["line"])
    return {
        "territory": job.territory,
        "job": job,
        "rows_done": rows_done,
        "percent": min(percent, 100),
        "finished": finished,
        "state": f"{job.status}-{rows_done}",
        "report": report,
        "rejected": rejected,
        "groups": sorted(
            ((str(PROBLEM_TITLES.get(code, code)), len(lines), shown_lines(lines)) for code, lines in groups.items()),
            key=lambda group: -group[1],
        ),
    }


@staff_required
@require_GET
def import_job(request: HttpRequest, code: str, job_id: int) -> HttpResponse:
    """Step 3: the progress while the task runs (polled by htmx), then the report."""
    job = get_import_job_or_404(request, code, job_id)
    if job.status == ImportJob.Status.UPLOADED:
        return redirect("prospects:import_mapping", code=job.territory.code, job_id=job.pk)
    return render(request, "prospects/import_job.html", job_context(job))


@staff_required
@require_GET
def import_progress(request: HttpRequest, code: str, job_id: int) -> HttpResponse:
    """The status block of the job page, polled every second while the import waits or runs. Nothing (204, which
    htmx does not swap) when nothing changed since `seen`, so that screen readers are not told the same thing every
    second; the finished block has no polling attributes, which ends the polling."""
    job = get_import_job_or_404(request, code, job_id)
    context = job_context(job)
    if not context["finished"] and request.GET.get("seen") == context["state"]:
        return HttpResponse(status=204)
    return render(request, "prospects/import_job.html#status", context)


@staff_required
@require_GET
@recent_authentication_required
def import_rejected(request: HttpRequest, code: str, job_id: int, fmt: str) -> HttpResponse:
    """The rejected rows of a finished import, as they were in the file with the reason in a last column: a
    spreadsheet to fix and import again. It holds personal data: made on request, never stored, and logged."""
    job = get_import_job_or_404(request, code, job_id)
    report = job.report or {}
    if fmt not in ("csv", "xlsx") or job.status != ImportJob.Status.DONE or not report.get("rejected_rows"):
        raise Http404("No rejected rows.")
    reasons = {
        row["line"]: word_problems(row["problems"]) if row.get("problems") else row["reason"]
        for row in report.get("rejected", [])
    }
    header, rows = rejected_rows_table(
        report.get("headers", []),
        ((row["line"], row["cells"], reasons.get(row["line"], "")) for row in report["rejected_rows"]),
    )
    log_action(request.user, "prospects.import_rejected_exported", job, {"file": job.original_name, "rows": len(rows)})
    filename = f"{Path(job.original_name).stem}-{_('rejected')}"
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows, title=str(_("Rejected rows")))
    return csv_response(filename, header, rows)
