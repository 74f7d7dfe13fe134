"""What the campaigns do when the privacy app asks for a household's data or erases it."""

from __future__ import annotations

from sohosolo.campaigns.models import CampaignRecipient


def collect_campaigns(sender, household, **kwargs) -> tuple[str, list]:
    """The news the household was sent, for its data export."""
    rows = CampaignRecipient.objects.filter(household=household).select_related("campaign").order_by("pk")
    return (
        "news_campaigns",
        [
            {
                "subject": r.campaign.version(r.language)[1],
                "email": r.email,
                "language": r.language,
                "status": r.status,
                "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                "unsubscribed_at": r.unsubscribed_at.isoformat() if r.unsubscribed_at else None,
            }
            for r in rows
        ],
    )


def erase_campaigns(sender, household, **kwargs) -> None:
    """The address goes; what was not sent yet is skipped; the counts stay."""
    rows = CampaignRecipient.objects.filter(household=household)
    rows.filter(status=CampaignRecipient.Status.QUEUED).update(status=CampaignRecipient.Status.SKIPPED)
    rows.update(email="")
