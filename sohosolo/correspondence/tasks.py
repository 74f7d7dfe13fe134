"""The worker sends the emails written from a household's file."""

from __future__ import annotations

from django.tasks import task

from sohosolo.correspondence.models import SentEmail
from sohosolo.correspondence.services import deliver


@task()
def send_household_email(sent_email_id: int) -> bool:
    """Only the id travels: the text and the documents' bytes are read when sending."""
    return deliver(sent_email_id)


def queue(sent: SentEmail):
    return send_household_email.enqueue(sent_email_id=sent.pk)
