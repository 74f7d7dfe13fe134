"""The worker's side of a campaign: its recipients mailed in batches, each batch enqueueing the next."""

from __future__ import annotations

import logging

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from sohosolo.accounts.models import User
from sohosolo.campaigns.models import Campaign, CampaignRecipient
from sohosolo.campaigns.services import TEST_TOKEN, build_message, still_consenting

logger = logging.getLogger(__name__)

BATCH_SIZE = 50


@task()
def send_campaign_batch(campaign_id: int) -> int:
    """Mail up to BATCH_SIZE queued recipients, then enqueue the next batch while any is left; returns how many were
    sent. Each recipient is claimed first (queued → sending, in one UPDATE): two workers, or a batch run twice,
    never mail anyone twice. A household whose news consent ended since sending started is skipped."""
    campaign = Campaign.objects.select_related("territory").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.SENDING:
        return 0
    batch = list(campaign.recipients.filter(status=CampaignRecipient.Status.QUEUED).order_by("pk")[:BATCH_SIZE])
    consenting = still_consenting([r.household_id for r in batch if r.household_id])
    sent = 0
    for recipient in batch:
        claimed = CampaignRecipient.objects.filter(pk=recipient.pk, status=CampaignRecipient.Status.QUEUED).update(
            status=CampaignRecipient.Status.SENDING
        )
        if not claimed:
            continue
        if (recipient.household_id and recipient.household_id not in consenting) or not recipient.email:
            recipient.status = CampaignRecipient.Status.SKIPPED
        else:
            try:
                build_message(campaign, recipient.email, recipient.language, recipient.token).send()
            except Exception as error:  # a refused address or a mail server down: noted, the others go on
                logger.warning("Campaign %s, recipient %s: %s", campaign.pk, recipient.pk, error)
                recipient.status = CampaignRecipient.Status.FAILED
                recipient.error = str(error)[:200]
            else:
                recipient.status = CampaignRecipient.Status.SENT
                recipient.sent_at = timezone.now()
                sent += 1
        recipient.save(update_fields=["status", "error", "sent_at"])
    campaign.refresh_counts()
    if campaign.recipients.filter(status=CampaignRecipient.Status.QUEUED).exists():
        transaction.on_commit(lambda: send_campaign_batch.enqueue(campaign.pk))
    else:
        Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
            status=Campaign.Status.SENT, sent_at=timezone.now()
        )
    return sent


@task()
def send_campaign_test(campaign_id: int, user_id: int) -> int:
    """The campaign to its author only, in each of its versions, marked as a test; nobody's consent is touched."""
    campaign = Campaign.objects.select_related("territory").get(pk=campaign_id)
    user = User.objects.get(pk=user_id)
    languages = ["fr", "en"] if campaign.has_english() else ["fr"]
    for language in languages:
        build_message(campaign, user.email, language, TEST_TOKEN, test=True).send()
    return len(languages)
