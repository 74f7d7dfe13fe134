"""Background tasks of the platform itself, and the table of periodic jobs run by `manage.py runperiodic`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import Task, task
from django.utils import timezone

from sohosolo.backups import backup_database
from sohosolo.committees.tasks import remind_welcome_actions
from sohosolo.events.tasks import generate_event_occurrences, send_event_reminders
from sohosolo.housing.tasks import remind_stale_offers
from sohosolo.intranet.tasks import send_intranet_digests
from sohosolo.lib.emails import forget_delivered_emails
from sohosolo.models import PeriodicJobRun
from sohosolo.network.tasks import send_check_in_reminders, send_membership_reminders
from sohosolo.privacy.tasks import (
    apply_account_retention,
    apply_prospect_retention,
    purge_access_log,
    remind_rights_requests,
)
from sohosolo.prospects.tasks import clean_up_imports, compact_stage_tallies, send_file_news_digests
from sohosolo.results.tasks import clean_up_reports, refresh_results_figures


@task()
def prune_task_results() -> int:
    """Delete finished background-task results older than TASK_RESULTS_KEEP_DAYS; failed ones are kept longer."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    keep = timedelta(days=settings.TASK_RESULTS_KEEP_DAYS)
    deleted, _ = DBTaskResult.objects.filter(
        Q(status="SUCCESSFUL", finished_at__lt=now - keep) | Q(status="FAILED", finished_at__lt=now - 4 * keep)
    ).delete()
    # The emails' delivery keys outlive the failed tasks that could still be retried (and would send again).
    return deleted + forget_delivered_emails(4 * keep + timedelta(days=1))


@task()
def clear_expired_sessions() -> None:
    from importlib import import_module

    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@task()
def forget_spent_counters() -> int:
    """The throttles' counters of windows long past, and the start tokens of forms too old to be sent again."""
    from sohosolo.accounts.throttle import forget_old_counters
    from sohosolo.prospects.forms import MAX_FORM_AGE
    from sohosolo.prospects.models import SentForm

    deadline = timezone.now() - timedelta(seconds=2 * MAX_FORM_AGE)
    return forget_old_counters() + SentForm.objects.filter(sent_at__lt=deadline).delete()[0]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: Task


# Later issues add their jobs here (reminders, follow-ups, retention).
PERIODIC_JOBS = [
    PeriodicJob("prune_task_results", timedelta(hours=24), prune_task_results),
    PeriodicJob("clear_expired_sessions", timedelta(hours=24), clear_expired_sessions),
    PeriodicJob("forget_spent_counters", timedelta(hours=24), forget_spent_counters),
    PeriodicJob("backup_database", timedelta(hours=24), backup_database),
    PeriodicJob("clean_up_imports", timedelta(hours=1), clean_up_imports),
    PeriodicJob("compact_stage_tallies", timedelta(minutes=10), compact_stage_tallies),
    PeriodicJob("refresh_results_figures", timedelta(minutes=1), refresh_results_figures),
    PeriodicJob("send_event_reminders", timedelta(minutes=15), send_event_reminders),
    PeriodicJob("generate_event_occurrences", timedelta(hours=24), generate_event_occurrences),
    # Every hour: last week's digest goes out early on Monday, and to whoever gets a role later in the week.
    PeriodicJob("send_intranet_digests", timedelta(hours=1), send_intranet_digests),
    PeriodicJob("remind_welcome_actions", timedelta(hours=24), remind_welcome_actions),
    PeriodicJob("clean_up_reports", timedelta(hours=24), clean_up_reports),
    PeriodicJob("send_membership_reminders", timedelta(hours=24), send_membership_reminders),
    PeriodicJob("send_check_in_reminders", timedelta(hours=6), send_check_in_reminders),
    PeriodicJob("remind_stale_offers", timedelta(hours=24), remind_stale_offers),
    PeriodicJob("send_file_news_digests", timedelta(hours=24), send_file_news_digests),
    PeriodicJob("apply_prospect_retention", timedelta(hours=24), apply_prospect_retention),
    PeriodicJob("apply_account_retention", timedelta(hours=24), apply_account_retention),
    PeriodicJob("purge_access_log", timedelta(hours=24), purge_access_log),
    PeriodicJob("remind_rights_requests", timedelta(hours=24), remind_rights_requests),
]


def enqueue_due_jobs(now=None, jobs: list[PeriodicJob] | None = None) -> list[str]:
    """Queue every job whose period has passed; return their names. Safe to run from several schedulers at once."""
    now = now or timezone.now()
    started = []
    for job in PERIODIC_JOBS if jobs is None else jobs:
        PeriodicJobRun.objects.get_or_create(name=job.name)
        # The claim and the queued task together: an outage between the two must not skip the job for a period.
        with transaction.atomic():
            claimed = (
                PeriodicJobRun.objects.filter(name=job.name)
                .filter(Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.every))
                .update(last_started_at=now)
            )
            if claimed:
                job.task.enqueue()
        if claimed:
            started.append(job.name)
    return started
