"""The emails written to a household in its data export, and gone at erasure (privacy/personal_data.py)."""

from __future__ import annotations

from sohosolo.correspondence.models import SentEmail


def collect(sender, household, **kwargs) -> tuple[str, list]:
    return (
        "emails_written",
        [
            {
                "written_at": email.created_at.isoformat(),
                "sent_at": email.sent_at.isoformat() if email.sent_at else None,
                "to": email.to,
                "subject": email.subject,
                "text": email.body,
                "attachments": email.attachment_names,
                "status": email.get_status_display(),
            }
            for email in household.sent_emails.order_by("created_at", "pk")
        ],
    )


def erase(sender, household, **kwargs) -> None:
    """The emails are all words and addresses: nothing of them is a figure the results need."""
    SentEmail.objects.filter(household=household).delete()
