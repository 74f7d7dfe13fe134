"""Background tasks of the housing app."""

from __future__ import annotations

from django.tasks import task

from sohosolo.housing.services import remind_stale_offers as remind


@task()
def remind_stale_offers() -> int:
    """Periodic: ask the village volunteers to confirm the offers nobody updated for 60 days."""

    return remind()
