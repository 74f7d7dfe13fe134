"""Background work on prospects."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sohosolo.audit.log import log_action
from sohosolo.lib.emails import send_email_to_user
from sohosolo.prospects.importing import ImportFileError, import_finished, import_prospects, job_run, undo_import
from sohosolo.prospects.models import FileNews, ImportJob, fold_stage_tallies
from sohosolo.prospects.services import welcome_sequence  # noqa: F401  (queued tasks name this path)


def import_progress_key(job_id: int) -> str:
    return f"prospects:import-progress:{job_id}"


@task()
def run_import(job_id: int) -> dict:
    """Run an import uploaded on the web page, then delete its file (personal data) and keep the report.

    The service checks the rows outside its write transactions, so `rows_done` shows the progress while it runs. It
    writes in short transactions named after the job: run again after a crash, it first deletes what the interrupted
    run wrote; and it gives up (its writes undone) when the hourly clean-up has meanwhile marked the job failed."""
    jobs = ImportJob.objects.filter(pk=job_id)
    # Claimed atomically: a task delivered twice runs the import once.
    if not jobs.filter(status=ImportJob.Status.QUEUED).update(status=ImportJob.Status.RUNNING, rows_done=0):
        return {"skipped": True}
    job = jobs.select_related("territory", "created_by").get()

    def progress(done: int, total: int) -> None:
        jobs.update(rows_done=done, rows_total=total)
        cache.set(import_progress_key(job_id), done, 3600)

    language = getattr(job.created_by, "language", "") or settings.LANGUAGE_CODE
    error = ""
    with translation.override(language):  # the report reads in the language of the person who imported
        try:
            with job.file.open("rb") as file:
                data = file.read()
            report = import_prospects(
                data,
                job.territory,
                file_name=job.original_name,
                mapping=job.mapping or None,
                values=job.values or None,
                mode=job.mode,
                actor=job.created_by,
                progress=progress,
                run=job_run(job_id),
                still_wanted=jobs.filter(status=ImportJob.Status.RUNNING).exists,
            )
        except ImportFileError as failure:
            error = str(failure)
        except Exception as failure:  # the job must end, as failed, whatever went wrong
            logging.getLogger(__name__).exception("Import %s failed", job_id)
            error = _("The import failed: %(error)s") % {"error": failure}
        finally:
            if job.file:
                job.file.delete(save=False)
    if error:
        status, result = ImportJob.Status.FAILED, {"error": error}
        log_action(job.created_by, "prospects.import_failed", job, {"error": error})
    else:
        status = ImportJob.Status.DONE
        result = report.as_dict()
    counts = {"rows_done": result["rows"], "rows_total": result["rows"]} if status == ImportJob.Status.DONE else {}
    # Only a run still marked running ends here (the hourly clean-up may have given up on it meanwhile).
    jobs.filter(status=ImportJob.Status.RUNNING).update(
        status=status, report=result, file="", finished_at=timezone.now(), **counts
    )
    cache.delete(import_progress_key(job_id))
    return {"status": str(status)}


REJECTED_ROWS_KEEP_DAYS = 30


@task()
def compact_stage_tallies() -> int:
    """Fold the counts of files by stage into one row per territory and stage (see StageTally)."""
    return fold_stage_tallies()


@task()
def clean_up_imports() -> dict:
    """Files of imports never run are deleted after a day (they hold personal data); an import still "running" an
    hour after it started lost its worker: it is marked failed, what it had written is deleted (unless it had
    finished writing), and its file deleted. The rejected rows of an import are deleted a month after it ran."""
    now = timezone.now()
    abandoned = ImportJob.objects.filter(status=ImportJob.Status.UPLOADED, created_at__lt=now - timedelta(days=1))
    stuck = ImportJob.objects.filter(
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING], queued_at__lt=now - timedelta(hours=1)
    )
    counts = {"abandoned": 0, "stuck": 0}
    for job in abandoned:
        job.file.delete(save=False)
        job.status = ImportJob.Status.FAILED
        job.report = {"error": "The column mapping was never confirmed; the file was deleted after a day."}
        job.finished_at = now
        job.save(update_fields=["file", "status", "report", "finished_at"])
        counts["abandoned"] += 1
    for job in stuck:
        # Marked failed first: a worker still writing it sees this before its next transaction and gives up.
        if not ImportJob.objects.filter(pk=job.pk, status=job.status).update(status=ImportJob.Status.FAILED):
            continue
        job.file.delete(save=False)
        job.status = ImportJob.Status.FAILED
        if import_finished(job_run(job.pk)):
            job.report = {"error": "The import was written, but its worker was interrupted before its report."}
        else:
            undo_import(job_run(job.pk), job.territory)
            job.report = {
                "error": "The import stopped (the worker was interrupted). Nothing was written: run it again."
            }
        job.finished_at = now
        job.save(update_fields=["file", "status", "report", "finished_at"])
        counts["stuck"] += 1
    # The rejected rows (personal data, to fix and import again) are kept a month; the report's counts stay.
    old = ImportJob.objects.filter(
        status=ImportJob.Status.DONE,
        finished_at__lt=now - timedelta(days=REJECTED_ROWS_KEEP_DAYS),
        report__has_key="rejected_rows",
    )
    counts["rejected_rows_deleted"] = 0
    for job in old.iterator():
        job.report = {k: v for k, v in job.report.items() if k != "rejected_rows"}
        job.save(update_fields=["report"])
        counts["rejected_rows_deleted"] += 1
    return counts


@task()
def send_file_news_digests() -> int:
    """Once a day, to each advisor who chose it: the news on their files not yet read nor emailed. Each piece of news
    is claimed (emailed_at) before the email is queued, so two runs at once never send it twice. Returns the emails."""
    now = timezone.now()
    advisors = (
        FileNews.objects.unread()
        .filter(emailed_at__isnull=True, advisor__file_news_by_email=True, advisor__is_active=True)
        .values_list("advisor_id", flat=True)
        .distinct()
    )
    sent = 0
    for advisor_id in list(advisors):
        pending = FileNews.objects.unread().filter(advisor_id=advisor_id, emailed_at__isnull=True)
        ids = list(pending.values_list("pk", flat=True)[:200])
        claimed = FileNews.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=now)
        if not claimed:
            continue
        news = FileNews.objects.filter(pk__in=ids, emailed_at=now).select_related("household__territory", "advisor")
        news = list(news.order_by("household_id", "created_at"))
        if news:
            send_email_to_user(news[0].advisor, "file-news", {"news": news, "site_url": settings.SITE_URL})
            sent += 1
    return sent
