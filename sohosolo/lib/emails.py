"""Emails in their recipient's language, always sent by the background worker.

Each email has three templates: `emails/<name>-subject.txt`, `emails/<name>-body.txt` and `emails/<name>-body.html`.
They are rendered now, in the recipient's language, and a task delivers the result, so a slow or failing mail
server never slows or breaks a page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation


@task()
def deliver_email(
    to: list[str], subject: str, body: str, html: str = "", language: str = "fr", attachments: list | None = None
) -> int:
    """`attachments`: [filename, text content, MIME type] triples (text, so that the task's arguments stay JSON)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, headers={"Content-Language": language})
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    return message.send()


def render_email(name: str, context: dict, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of email `name`, rendered in `language`."""
    context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, "language": language, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        body = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    return subject, body, html


def send_email(to: str, name: str, context: dict, language: str | None = None, attachments: list | None = None):
    """Render email `name` for `to` in `language` (default: French) and queue its delivery."""
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    subject, body, html = render_email(name, context, language)
    return deliver_email.enqueue(
        to=[to], subject=subject, body=body, html=html, language=language, attachments=attachments or []
    )


def send_email_to_user(user, name: str, context: dict):
    return send_email(user.email, name, {"user": user, **context}, language=user.language)
