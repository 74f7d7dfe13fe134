"""Background work on events, run by the periodic scheduler (see sohosolo/tasks.py)."""

from __future__ import annotations

from django.tasks import task

from sohosolo.events.series import generate_all
from sohosolo.events.services import send_reminders


@task()
def send_event_reminders() -> int:
    """The day before an event, each registered person gets a reminder (once)."""

    return send_reminders()


@task()
def generate_event_occurrences() -> int:
    """Keep the series' occurrences generated a few months ahead."""

    return generate_all()
