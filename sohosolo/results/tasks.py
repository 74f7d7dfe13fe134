"""Background work of the results: keeping the dashboard's figures up to date, writing the annual reports, and
removing old ones."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.tasks import task
from django.utils import timezone

from sohosolo.results.figures import refresh_figures, waiting
from sohosolo.results.models import AnnualReport
from sohosolo.results.report import report_pdf, report_xlsx

logger = logging.getLogger(__name__)
KEEP_REPORTS = timedelta(days=7)


@task()
def build_annual_report(report_id: int) -> str:
    """Write one asked-for report; runs once, however often it is queued."""

    claimed = AnnualReport.objects.filter(pk=report_id, status=AnnualReport.Status.QUEUED).update(
        status=AnnualReport.Status.RUNNING
    )
    if not claimed:
        return "skipped"
    report = AnnualReport.objects.select_related("territory").get(pk=report_id)
    try:
        build = report_pdf if report.format == AnnualReport.Format.PDF else report_xlsx
        content = build(report.territory, report.year, report.language)
    except Exception:
        logger.exception("Annual report %s failed", report_id)
        AnnualReport.objects.filter(pk=report_id).update(status=AnnualReport.Status.FAILED, finished_at=timezone.now())
        return "failed"
    report.file.save(report.filename, ContentFile(content), save=False)
    report.status, report.finished_at = AnnualReport.Status.DONE, timezone.now()
    report.save(update_fields=["file", "status", "finished_at"])
    return "done"


@task()
def clean_up_reports() -> int:
    """Reports are kept a week: anyone can ask for a fresh one, whose figures are those of the day."""

    old = AnnualReport.objects.filter(created_at__lt=timezone.now() - KEEP_REPORTS)
    count = 0
    for report in old:
        if report.file:
            report.file.delete(save=False)
        report.delete()
        count += 1
    return count


@task()
def refresh_results_figures() -> int:
    """Count again the households whose changes wait (sohosolo/results/figures.py); returns how many changes were
    waiting. Safe to run from several workers at once: one counts at a time, and a change is counted once."""
    before = waiting(100_000)
    refresh_figures()
    return before
