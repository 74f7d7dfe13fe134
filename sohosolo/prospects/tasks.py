"""Background work on prospects."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task
from django.utils.translation import gettext as _

from sohosolo.lib.emails import send_email_to_user


@task()
def welcome_sequence(household_id: int, actor_id: int | None = None) -> dict:
    """After settling: follow-ups at +1, +6 and +12 months; the village committee told, if the household agreed to
    sharing. Runs once per household, however often it is queued."""
    from sohosolo.accounts.models import CommitteeFunction, Role, RoleKind
    from sohosolo.privacy.consents import has_consent
    from sohosolo.privacy.models import Consent
    from sohosolo.prospects.models import Household, Interaction
    from sohosolo.prospects.services import welcome_follow_ups
    from sohosolo.prospects.signals import household_settled
    from sohosolo.territory.models import Village

    with transaction.atomic():
        household = (
            Household.objects.select_for_update(of=("self",))
            .select_related("territory", "settled_commune")
            .get(pk=household_id)
        )
        settling = f"{household.settled_on}:{household.settled_commune_id}"
        if household.stage != "settled" or household.interactions.filter(data__welcome_sequence=settling).exists():
            return {"skipped": True}
        follow_ups = welcome_follow_ups(household, household.advisor)
        village = Village.objects.filter(territory=household.territory, commune=household.settled_commune).first()
        told = []
        if village is not None and has_consent(household, Consent.Purpose.SHARING):
            referents = Role.objects.filter(village=village, kind=RoleKind.VOLUNTEER, user__is_active=True)
            chosen = referents.filter(committee_function=CommitteeFunction.REFERENT) or referents
            for role in chosen.select_related("user"):
                send_email_to_user(role.user, "newcomer-settled", {"household": household, "village": village})
                told.append(role.user.email)
        Interaction.objects.create(
            household=household,
            kind=Interaction.Kind.NOTE,
            summary=_("Welcome sequence started: %(count)s follow-ups planned; committee told: %(told)s.")
            % {"count": len(follow_ups), "told": ", ".join(told) or _("no (no consent or not a partner village)")},
            author_id=actor_id,
            data={"welcome_sequence": settling, "committee_told": told},
        )
        household_settled.send(sender=Household, household=household, village=village, actor_id=actor_id)
    return {"follow_ups": len(follow_ups), "committee_told": told}


def import_progress_key(job_id: int) -> str:
    return f"prospects:import-progress:{job_id}"


@task()
def run_import(job_id: int) -> dict:
    """Run an import uploaded on the web page, then delete its file (personal data) and keep the report.

    The service checks the rows outside its write transaction, so `rows_done` shows the progress while it runs."""
    import logging

    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone, translation

    from sohosolo.privacy.audit import log_action
    from sohosolo.prospects.importing import ImportFileError, import_prospects
    from sohosolo.prospects.models import ImportJob

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
                mode=job.mode,
                actor=job.created_by,
                progress=progress,
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
        result = {
            "rows": report.rows,
            "created": report.created,
            "attached": report.attached,
            "already_imported": report.already_imported,
            "rejected": [{"line": line, "reason": reason} for line, reason in report.rejected],
            "written": report.written,
            "mode": str(report.mode),
            "columns": report.columns,
            "ignored_columns": report.ignored_columns,
        }
    counts = {"rows_done": result["rows"], "rows_total": result["rows"]} if status == ImportJob.Status.DONE else {}
    # Only a run still marked running ends here (the hourly clean-up may have given up on it meanwhile).
    jobs.filter(status=ImportJob.Status.RUNNING).update(
        status=status, report=result, file="", finished_at=timezone.now(), **counts
    )
    cache.delete(import_progress_key(job_id))
    return {"status": str(status)}


@task()
def clean_up_imports() -> dict:
    """Files of imports never run are deleted after a day (they hold personal data); an import still "running" an
    hour after it started lost its worker: it is marked failed and its file deleted."""
    from datetime import timedelta

    from django.utils import timezone

    from sohosolo.prospects.models import ImportJob

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
        job.file.delete(save=False)
        job.status = ImportJob.Status.FAILED
        job.report = {"error": "The import stopped (the worker was interrupted). Nothing was written: run it again."}
        job.finished_at = now
        job.save(update_fields=["file", "status", "report", "finished_at"])
        counts["stuck"] += 1
    return counts
