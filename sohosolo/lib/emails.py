"""Emails in their recipient's language, always sent by the background worker, once.

Each email has three templates: `emails/<name>-subject.txt`, `emails/<name>-body.txt` and `emails/<name>-body.html`.
They are rendered now, in the recipient's language, and a task delivers the result, so a slow or failing mail
server never slows or breaks a page.

Sent once: each message carries a key (a random one chosen when it is queued, or the caller's, e.g.
"application-received:<household>"), and the delivery task records it in `DeliveredEmail`:

1. claim: insert the key (a short transaction of its own). A key already marked sent means an earlier run of this
   task (a retry after a killed worker, an administrator's retry) delivered it: nothing is sent again.
2. send through the mail server;
3. mark: record `sent_at`. A database outage at this point does not forget the send: the mark is retried until the
   database answers again (`MARK_RETRY_SECONDS`).

The trade-off: SMTP and the database cannot share a transaction, so one moment stays open, between the mail server
accepting the message and the mark being written. A worker killed exactly then (`kill -9`, a power cut) leaves a key
claimed but not marked, and the retry sends the message again: at-least-once, never zero. We chose that over
at-most-once (mark before sending), which would turn that same moment into a lost email, the very fault this code
fixes; and over holding one transaction around the send, which on SQLite would hold the database's only write lock
for as long as the mail server takes. The window is a few milliseconds, and the resent copy has the same
`Message-ID`, so mail clients show it once.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from sohosolo.models import DeliveredEmail

logger = logging.getLogger(__name__)

# How long a delivered message waits for the database to record it, when the database went away meanwhile.
MARK_RETRY_SECONDS = 300


@task(takes_context=True)
def deliver_email(
    context,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    language: str = "fr",
    attachments: list | None = None,
    key: str = "",
) -> int:
    """`attachments`: [filename, text content, MIME type] triples (text, so that the task's arguments stay JSON).

    `key` says which message this is (given by `send_email`); without one, the task's own id. Returns the number of
    messages sent: 0 when the key was already delivered."""
    key = key or f"task-{context.task_result.id}"
    if len(key) > 100:
        key = hashlib.sha256(key.encode()).hexdigest()
    if not claim_delivery(key):
        logger.info("Email %s was already delivered: not sent again", key)
        return 0
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=to, headers={"Content-Language": language, "Message-ID": message_id(key)}
    )
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    sent = message.send()
    mark_delivered(key)
    return sent


def message_id(key: str) -> str:
    """The same Message-ID for every attempt at one message, so a copy resent after a crash reads as the same."""
    domain = urlsplit(settings.SITE_URL).hostname or "sohosolo.localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def claim_delivery(key: str) -> bool:
    """True when this attempt should send message `key`: never claimed, or claimed by an attempt that stopped before
    the mail server's answer was recorded. False once it was sent, or while a concurrent attempt just claimed it."""
    now = timezone.now()
    table = connection.ops.quote_name(DeliveredEmail._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in ("key", "claimed_at", "attempts"))
    with connection.cursor() as cursor:
        # One statement in the usual case (a new key), which the unique index arbitrates between concurrent attempts.
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, 1) ON CONFLICT ({connection.ops.quote_name('key')}) "
            "DO NOTHING",
            [key, DeliveredEmail._meta.get_field("claimed_at").get_db_prep_value(now, connection)],
        )
        if cursor.rowcount == 1:
            return True
    row = DeliveredEmail.objects.get(key=key)
    if row.sent_at is not None:
        return False
    # The earlier attempt died between its claim and its mark (or the mail server refused it): send again. The
    # condition on claimed_at lets only one of two simultaneous attempts through.
    return bool(
        DeliveredEmail.objects.filter(pk=row.pk, sent_at=None, claimed_at=row.claimed_at).update(
            claimed_at=now, attempts=F("attempts") + 1
        )
    )


def mark_delivered(key: str, retry_seconds: float | None = None) -> None:
    """Record that message `key` was sent, waiting for the database if it is away (the message is already out)."""
    deadline = time.monotonic() + (MARK_RETRY_SECONDS if retry_seconds is None else retry_seconds)
    pause = 0.5
    while True:
        try:
            DeliveredEmail.objects.filter(key=key).update(sent_at=timezone.now())
            return
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or time.monotonic() >= deadline:
                raise
            logger.warning("Email %s was sent but the database is away: recording it again in %.1f s", key, pause)
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 10)


def forget_delivered_emails(older_than: timedelta) -> int:
    """Delete the keys of messages sent before `older_than` ago (keep them as long as a failed task can be retried)."""
    deleted, _ = DeliveredEmail.objects.filter(claimed_at__lt=timezone.now() - older_than).delete()
    return deleted


def render_email(name: str, context: dict, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of email `name`, rendered in `language`."""
    context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, "language": language, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        body = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    return subject, body, html


def send_email(
    to: str,
    name: str,
    context: dict,
    language: str | None = None,
    attachments: list | None = None,
    key: str | None = None,
):
    """Render email `name` for `to` in `language` (default: French) and queue its delivery.

    `key`: a name of this very message, for a caller that may queue it twice (a double click, a job run again);
    the second is then not sent. Default: a new key each call."""
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    subject, body, html = render_email(name, context, language)
    return deliver_email.enqueue(
        to=[to],
        subject=subject,
        body=body,
        html=html,
        language=language,
        attachments=attachments or [],
        key=key or uuid.uuid4().hex,
    )


def send_email_to_user(user, name: str, context: dict):
    return send_email(user.email, name, {"user": user, **context}, language=user.language)
