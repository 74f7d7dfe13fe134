"""The audit trail: who changed which personal data, when (the access log of the privacy issue grows from here)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActionLog(models.Model):
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    action = models.CharField(_("action"), max_length=80)
    content_type = models.ForeignKey("contenttypes.ContentType", models.SET_NULL, null=True, verbose_name=_("type"))
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    object_repr = models.CharField(_("record name"), max_length=200, blank=True)
    territory = models.ForeignKey(
        "territory.Territory", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("territory")
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("logged action")
        verbose_name_plural = _("logged actions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"], name="actionlog_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class ConsentQuerySet(models.QuerySet):
    def in_force(self) -> ConsentQuerySet:
        return self.filter(given=True, withdrawn_at__isnull=True)


class Consent(models.Model):
    """What a household agreed to, for which purpose, when, and on which wording (its version and its text)."""

    class Purpose(models.TextChoices):
        FOLLOW_UP = "follow_up", _("Follow-up by the programme team")
        SHARING = "sharing", _("Sharing with the partner villages' committees")
        NEWS = "news", _("News of the programme")

    household = models.ForeignKey(
        "prospects.Household", models.CASCADE, related_name="consents", verbose_name=_("household")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given = models.BooleanField(_("given"))
    wording_version = models.CharField(_("version of the wording"), max_length=20)
    wording = models.TextField(_("wording shown"))
    language = models.CharField(_("language"), max_length=8)
    recorded_at = models.DateTimeField(_("recorded on"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    source = models.CharField(_("how it was recorded"), max_length=40, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["household", "purpose", "-recorded_at"]
        indexes = [models.Index(fields=["household", "purpose", "given"], name="consent_purpose_idx")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.given}"
