"""Background tasks of the housing app."""

from __future__ import annotations

from django.tasks import task


@task()
def remind_stale_offers() -> int:
    """Periodic: ask the village volunteers to confirm the offers nobody updated for 60 days."""
    from sohosolo.housing.services import remind_stale_offers as remind

    return remind()
