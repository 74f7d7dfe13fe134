"""The audit log: who did what to which record, when. The lowest layer of the project: every app writes to it
(sohosolo.audit.log.log_action) and it imports no other app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActionLog(models.Model):
    """One action on a record: who, what, on which record of which territory, with what changed (masked)."""

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
        db_table = "privacy_actionlog"  # where it was made, in the privacy app
        verbose_name = _("logged action")
        verbose_name_plural = _("logged actions")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-created_at"], name="actionlog_object_idx"),
            # The access log's filters, always within one territory.
            models.Index(fields=["territory", "-created_at"], name="actionlog_territory_idx"),
            models.Index(fields=["territory", "actor", "-created_at"], name="actionlog_actor_idx"),
            models.Index(fields=["territory", "action", "-created_at"], name="actionlog_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"
