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


class Measure(models.TextChoices):
    """What a DayFigure counts, on the day it is dated (see sohosolo/results/figures.py)."""

    CONTACT = "contact", _("first contacts")
    SOURCE = "source", _("first contacts by source")
    ACTIVITY = "activity", _("first contacts by activity")
    COUNTRY = "country", _("first contacts by country")
    REGION = "region", _("first contacts in France by region or town")
    VILLAGE = "village", _("first contacts by village of interest")
    REACH = "reach", _("first contacts by furthest stage reached")
    SETTLED = "settled", _("settlements by commune")
    DAYS = "days", _("settlements by days since the first contact")
    FOLLOWED = "followed", _("files starting (+1) or ending (-1) being followed")


class DayFigure(models.Model):
    """One figure of a territory on one day: how many households (and people) count for `measure` and `key` that
    day. The dashboard and the report add these rows up over a period (hundreds of rows, whatever the number of
    files); sohosolo/results/figures.py keeps them equal to the records. No foreign key constraint: the rows of a
    territory being deleted are written back as its files go."""

    territory = models.ForeignKey(
        Territory, models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name=_("territory")
    )
    measure = models.CharField(_("measure"), max_length=10, choices=Measure.choices)
    day = models.DateField(_("day"))
    key = models.CharField(_("key"), max_length=200, blank=True)
    n = models.IntegerField(_("households"), default=0)
    people = models.IntegerField(_("people"), default=0)

    class Meta:
        verbose_name = _("figure of a day")
        verbose_name_plural = _("figures of days")
        constraints = [
            models.UniqueConstraint(fields=["territory", "measure", "day", "key"], name="dayfigure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.key}: {self.n}"


class HouseholdFigures(models.Model):
    """What one household adds to the DayFigure rows, as last counted: taken back when it changes or goes. Keyed by
    the household's id, not a foreign key: a deleted household's rows must still be found to be taken back."""

    household_id = models.BigIntegerField(_("household"), primary_key=True)
    rows = models.JSONField(_("rows"), default=list)

    class Meta:
        verbose_name = _("figures of a household")
        verbose_name_plural = _("figures of households")

    def __str__(self) -> str:
        return f"{self.household_id}: {len(self.rows)}"


class PendingFigure(models.Model):
    """A household whose figures must be counted again, written by database triggers (migration 0003) in the same
    transaction as the change of the household, its stage history or its villages of interest."""

    household_id = models.BigIntegerField(_("household"))

    class Meta:
        verbose_name = _("household to count again")
        verbose_name_plural = _("households to count again")

    def __str__(self) -> str:
        return str(self.household_id)
