"""Results: the annual reports asked for from the dashboard, built in the background and kept a few days."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sohosolo.lib.storage import private_storage
from sohosolo.territory.models import Territory


def report_path(instance: AnnualReport, filename: str) -> str:
    return f"reports/{instance.territory.code}/{filename}"


class AnnualReport(models.Model):
    """One annual activity report (PDF or XLSX, in one language), asked for by someone of the team."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", _("Spreadsheet (XLSX)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="annual_reports", verbose_name=_("territory"))
    year = models.PositiveSmallIntegerField(_("year"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(_("file"), upload_to=report_path, storage=private_storage, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("asked for by")
    )
    created_at = models.DateTimeField(_("asked for on"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.territory} {self.year} ({self.language}, {self.format})"

    @property
    def filename(self) -> str:
        return f"sohosolo-{self.territory.code}-{self.year}-{self.language}.{self.format}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
