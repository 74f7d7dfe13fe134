"""What the privacy rules keep: consents per purpose, rights requests, notices, personal-space links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    # A consent given by phone, at a fair or at the desk: the team member who recorded it (None: the person did).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["household", "purpose", "-recorded_at"]
        indexes = [models.Index(fields=["household", "purpose", "given"], name="consent_purpose_idx")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.given}"


def one_month_after(day):
    """The GDPR's answer deadline: one month after the request (the last day of a shorter month if need be)."""
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=1)


class RightsRequestQuerySet(models.QuerySet):
    def open(self) -> RightsRequestQuerySet:
        return self.filter(status=RightsRequest.Status.OPEN)


class RightsRequest(models.Model):
    """A person's request about their data (GDPR articles 15 to 21), answered within one month by a manager."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access to their data")
        RECTIFICATION = "rectification", _("Rectification")
        ERASURE = "erasure", _("Erasure")
        OBJECTION = "objection", _("Objection")

    class Status(models.TextChoices):
        OPEN = "open", _("To answer")
        DONE = "done", _("Answered")
        REFUSED = "refused", _("Refused, with the reason")

    class Source(models.TextChoices):
        PERSONAL_SPACE = "personal_space", _("Personal space")
        STAFF = "staff", _("Recorded by the team (email, letter, phone)")

    territory = models.ForeignKey(
        "territory.Territory", models.CASCADE, related_name="rights_requests", verbose_name=_("territory")
    )
    household = models.ForeignKey(
        "prospects.Household", models.CASCADE, related_name="rights_requests", verbose_name=_("household")
    )
    kind = models.CharField(_("request"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(_("received through"), max_length=20, choices=Source.choices, default=Source.STAFF)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    due_on = models.DateField(_("answer due by"), db_index=True)
    details = models.TextField(_("what the person asks"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    handled_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    outcome = models.TextField(_("answer"), blank=True)
    reminded_on = models.DateField(_("last reminder"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RightsRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("rights request")
        verbose_name_plural = _("rights requests")
        ordering = ["status", "due_on", "pk"]
        indexes = [models.Index(fields=["territory", "status", "due_on"], name="rightsrequest_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args, **kwargs) -> None:
        if not self.due_on:
            self.due_on = one_month_after(self.received_on)
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()


class PersonalSpaceLink(models.Model):
    """A one-time link to a household's personal space, sent by email. Only the token's hash is stored."""

    household = models.ForeignKey(
        "prospects.Household", models.CASCADE, related_name="space_links", verbose_name=_("household")
    )
    person = models.ForeignKey(
        "prospects.Person", models.CASCADE, related_name="space_links", verbose_name=_("household member")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("sent on"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires on"))
    used_at = models.DateTimeField(_("used on"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal space link")
        verbose_name_plural = _("personal space links")

    def __str__(self) -> str:
        return f"#{self.pk}"


class RetentionNotice(models.Model):
    """A household without activity for its territory's retention period was warned; without an answer it is
    anonymised once `anonymise_on` has come."""

    household = models.ForeignKey(
        "prospects.Household", models.CASCADE, related_name="retention_notices", verbose_name=_("household")
    )
    warned_at = models.DateTimeField(_("warned on"), default=timezone.now)
    emailed = models.BooleanField(_("email sent"), default=False)
    anonymise_on = models.DateField(_("anonymised on, without an answer"), db_index=True)
    kept_at = models.DateTimeField(_("kept in touch on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("retention warning")
        verbose_name_plural = _("retention warnings")
        indexes = [models.Index(fields=["closed_at", "anonymise_on"], name="retentionnotice_due_idx")]

    def __str__(self) -> str:
        return f"#{self.pk}"


class AccountNotice(models.Model):
    """A volunteer's or member's account unused for long was warned; still unused later, it is deactivated."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="inactivity_notices", verbose_name=_("user")
    )
    warned_at = models.DateTimeField(_("warned on"), default=timezone.now)
    deactivate_on = models.DateField(_("deactivated on, if still unused"), db_index=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    deactivated = models.BooleanField(_("deactivated"), default=False)

    class Meta:
        verbose_name = _("inactive account warning")
        verbose_name_plural = _("inactive account warnings")

    def __str__(self) -> str:
        return f"#{self.pk}"
