"""Background work of the intranet, run by the periodic scheduler (see sohosolo/tasks.py)."""

from __future__ import annotations

from django.tasks import task

from sohosolo.intranet.digest import send_digests


@task()
def send_intranet_digests() -> int:
    """Last week's news of the intranets, to each reader with only what they may see (once a week each)."""

    return send_digests()
