"""Emails written to a household from its file: the territory's templates, and each email sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sohosolo.prospects.models import Household
from sohosolo.territory.models import Territory

PLACEHOLDER_HELP = _(
    "Placeholders filled for each email: {first_name} (the recipient's first name), {advisor} (your name), "
    "{next_meeting} (the territory's next public meeting, its title and date), {personal_space} (the link to ask for "
    "a personal space), {territory} (the programme's name). Anything else in braces is left as written."
)


class EmailTemplate(models.Model):
    """A territory's ready-made email, in one language: the same name in French and in English makes one template."""

    territory = models.ForeignKey(
        Territory, models.CASCADE, related_name="email_templates", verbose_name=_("territory")
    )
    name = models.CharField(_("name"), max_length=120, help_text=_("The same name in each language."))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")
    subject = models.CharField(_("subject"), max_length=200, help_text=_("The placeholders below work here too."))
    body = models.TextField(_("text"), help_text=PLACEHOLDER_HELP)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name", "language"], name="emailtemplate_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class SentEmail(models.Model):
    """One email written from a household's file, as it was sent (placeholders filled); the worker sends it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")

    household = models.ForeignKey(Household, models.CASCADE, related_name="sent_emails", verbose_name=_("household"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    to = models.EmailField(_("to"))
    reply_to = models.EmailField(_("replies to"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    template = models.ForeignKey(
        EmailTemplate,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_emails",
        verbose_name=_("template"),
    )
    # [{"id": document id, "name": file name}]: the bytes are read from the private storage when sending.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(_("error"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    # Set when the worker claims the email (before sending it), so that it is never sent twice.
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("email sent to a household")
        verbose_name_plural = _("emails sent to households")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["household", "-created_at"], name="sentemail_household_idx")]

    def __str__(self) -> str:
        return self.subject

    @property
    def territory_id(self) -> int:
        return self.household.territory_id

    @property
    def attachment_names(self) -> list[str]:
        return [item.get("name", "") for item in self.attachments]
