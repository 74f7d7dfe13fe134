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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.scopes import get_territory_or_404, staff_required
from sohosolo.privacy.audit import log_action
from sohosolo.prospects.importing import (
    FIELDS,
    ImportFileError,
    ImportReport,
    Rejection,
    Table,
    field_label,
    guess_mapping,
    import_prospects,
    read_table,
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
    """One choice of field per column of the file (keyed by its position), and the mode."""

    def __init__(self, table: Table, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.fields["mode"] = mode_field()
        choices = [("", _("— ignore this column —")), *((name, field_label(name)) for name in FIELDS)]
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
            guess_mapping(self.table.headers, mapping)
        except ImportFileError as error:
            raise ValidationError(str(error)) from error
        cleaned["mapping"] = mapping
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


def preview(job: ImportJob, content: bytes, table: Table, mapping: dict, mode: str) -> Preview:
    """The first rows as the import reads them, and a dry run of the import on the file (or its first rows)."""
    columns = guess_mapping(table.headers, mapping)
    if len(table.rows) <= CHECKED_ROWS:
        report = import_prospects(
            content, job.territory, file_name=job.original_name, mapping=mapping, mode=mode, dry_run=True
        )
    else:
        report = import_prospects(
            sample_file(table, CHECKED_ROWS),
            job.territory,
            file_name=job.original_name,
            mapping=mapping,
            mode=mode,
            dry_run=True,
        )
        # The sample's rows are on lines 2, 3…: back to the file's own line numbers.
        lines = [line for line, _cells in table.rows]
        report.rejected = [Rejection(lines[line - 2], reason) for line, reason in report.rejected]
    reasons = dict(report.rejected)
    rows = [
        (line, [cells[i] if i < len(cells) else "" for i in sorted(columns)], reasons.get(line, ""))
        for line, cells in table.rows[:PREVIEW_ROWS]
    ]
    return Preview(
        columns=[(table.headers[i], field_label(columns[i])) for i in sorted(columns)],
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
        try:
            guessed = {table.headers[i]: name for i, name in guess_mapping(table.headers).items()}
        except ImportFileError:
            guessed = {}  # nothing recognised, or a field twice: the mapping page asks for each column
        job = ImportJob(
            territory=territory,
            created_by=request.user,
            original_name=Path(upload.name).name[:200],
            mapping=guessed,
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
    form = ImportMappingForm(table, request.POST if request.method == "POST" else None)
    if request.method == "GET":
        form.initial = mapping_initial(job, form.names, table.headers)
    running = request.method == "POST" and request.POST.get("action") == "run"
    if form.is_bound and form.is_valid():
        mapping, mode = form.cleaned_data["mapping"], form.cleaned_data["mode"]
        jobs = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.UPLOADED)
        if running:
            # Claimed atomically: a second click on "Run the import" queues nothing more.
            if jobs.update(status=ImportJob.Status.QUEUED, mapping=mapping, mode=mode, queued_at=timezone.now()):
                log_action(
                    request.user,
                    "prospects.import_queued",
                    job,
                    {"file": job.original_name, "rows": job.rows_total, "mode": mode, "mapping": mapping},
                )
                run_import.enqueue(job.pk)
            return redirect("prospects:import_job", code=job.territory.code, job_id=job.pk)
        jobs.update(mapping=mapping, mode=mode)
        job.mapping, job.mode = mapping, mode
        if not request.htmx:
            return redirect("prospects:import_mapping", code=job.territory.code, job_id=job.pk)
    context = {"territory": job.territory, "job": job, "form": form, "checked_rows": CHECKED_ROWS}
    if not form.errors:
        try:
            context["preview"] = preview(job, content, table, job.mapping or None, job.mode)
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
    return {
        "territory": job.territory,
        "job": job,
        "rows_done": rows_done,
        "percent": min(percent, 100),
        "finished": finished,
        "state": f"{job.status}-{rows_done}",
        "report": job.report,
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
