"""News campaigns (lettres d'information): a message in French and English to an audience of a territory, whose
recipients are frozen when sending starts and mailed by the worker in batches, each with a one-click unsubscribe."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sohosolo.events.models import new_token


class Audience(models.TextChoices):
    SAVED_VIEW = "saved_view", _("Prospects of a saved view of the list (news consent given)")
    MEMBERS = "members", _("Club members")
    VOLUNTEERS = "volunteers", _("Partner villages' volunteers")
    PARTNERS = "partners", _("Partners")


def unsubscribe_url(token: str, language: str) -> str:
    """The absolute unsubscribe link, its page in the reader's language."""
    with translation.override(language):
        return settings.SITE_URL + reverse("campaigns:unsubscribe", args=[token])


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", pgettext_lazy("a newsletter", "Sent")

    territory = models.ForeignKey(
        "territory.Territory", models.CASCADE, related_name="campaigns", verbose_name=_("territory")
    )
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.SAVED_VIEW)
    saved_view = models.ForeignKey(
        "prospects.SavedView",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved view"),
        help_text=_("Only for the prospects: the households of this view of the list who agreed to receive news."),
    )
    # The saved view's filters when sending started: what the archive says the audience was.
    audience_query = models.CharField(_("filters used"), max_length=1000, blank=True, editable=False)
    subject_fr = models.CharField(_("subject (French)"), max_length=150)
    body_fr = models.TextField(
        _("text (French)"), help_text=_("Markdown: **bold**, *italics*, lists, [links](https://…).")
    )
    subject_en = models.CharField(_("subject (English)"), max_length=150, blank=True)
    body_en = models.TextField(
        _("text (English)"), blank=True, help_text=_("Left empty, English readers get the French version.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    started_at = models.DateTimeField(_("sending started at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_test_at = models.DateTimeField(_("last test sent at"), null=True, blank=True)
    # Counts kept on the campaign, so that the archive reads them without counting recipients.
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    sent_count = models.PositiveIntegerField(_("sent"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    unsubscribed_count = models.PositiveIntegerField(_("unsubscribed"), default=0)

    class Meta:
        verbose_name = _("news campaign")
        verbose_name_plural = _("news campaigns")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["territory", "-created_at"], name="campaign_territory_idx")]

    def __str__(self) -> str:
        return self.subject_fr

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def has_english(self) -> bool:
        return bool(self.subject_en.strip() and self.body_en.strip())

    def version(self, language: str) -> tuple[str, str, str]:
        """(language, subject, text) of the version a reader of `language` gets: English, or else French."""
        if language == "en" and self.has_english():
            return "en", self.subject_en, self.body_en
        return "fr", self.subject_fr, self.body_fr

    def refresh_counts(self) -> None:
        """Count the recipients by status (one query) and keep the figures on the campaign."""
        counts = self.recipients.aggregate(
            total=Count("pk"),
            sent=Count("pk", filter=Q(status=CampaignRecipient.Status.SENT)),
            failed=Count("pk", filter=Q(status=CampaignRecipient.Status.FAILED)),
            skipped=Count("pk", filter=Q(status=CampaignRecipient.Status.SKIPPED)),
            unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
        )
        self.recipient_count = counts["total"]
        self.sent_count = counts["sent"]
        self.failed_count = counts["failed"]
        self.skipped_count = counts["skipped"]
        self.unsubscribed_count = counts["unsubscribed"]
        type(self).objects.filter(pk=self.pk).update(
            recipient_count=self.recipient_count,
            sent_count=self.sent_count,
            failed_count=self.failed_count,
            skipped_count=self.skipped_count,
            unsubscribed_count=self.unsubscribed_count,
        )


class CampaignRecipient(models.Model):
    """One reader of a sent campaign, frozen when sending started: the address, the language, the unsubscribe key."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("To send")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (consent withdrawn meanwhile)")

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="recipients", verbose_name=_("campaign"))
    household = models.ForeignKey(
        "prospects.Household",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_receipts",
        verbose_name=_("household"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_receipts",
        verbose_name=_("user"),
    )
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="fr")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(_("error"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign recipient")
        verbose_name_plural = _("campaign recipients")
        ordering = ["campaign", "pk"]
        constraints = [
            # An erased household's address is blanked: blanks do not collide.
            models.UniqueConstraint(
                fields=["campaign", "email"], condition=~Q(email=""), name="campaign_recipient_unique_email"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="campaign_recipient_status_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.email}"

    @property
    def unsubscribe_link(self) -> str:
        return unsubscribe_url(self.token, self.language)


class Unsubscribe(models.Model):
    """An opt-out from the news of a territory's role audience (members, volunteers, partners), who have no consent
    ledger. Prospects' households withdraw their news consent in the ledger instead."""

    territory = models.ForeignKey("territory.Territory", models.CASCADE, related_name="+", verbose_name=_("territory"))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    email = models.EmailField(_("email"))
    at = models.DateTimeField(_("unsubscribed at"), default=timezone.now)

    class Meta:
        verbose_name = _("unsubscription")
        verbose_name_plural = _("unsubscriptions")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "audience", "email"], name="campaign_unsubscribe_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_audience_display()}: {self.email}"
