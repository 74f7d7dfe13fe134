"""Appointments: a dated, timed meeting of an advisor and a household, at a place or by video.

An appointment IS a follow-up of the file (its title, its advisor as assignee, its day in Paris as due date): it shows
in "My day" like any follow-up, and cancelling it marks that follow-up done. The household reaches it without an
account through the token of its invitation's link.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sohosolo.events.models import new_token
from sohosolo.prospects.models import FollowUp, in_work

# The household's link works until this long after the appointment began (then 404).
LINK_DAYS_AFTER = 30

DURATIONS = [
    (15, _("15 minutes")),
    (30, _("30 minutes")),
    (45, _("45 minutes")),
    (60, _("1 hour")),
    (90, _("1 hour 30")),
    (120, _("2 hours")),
    (180, _("3 hours")),
]


class AppointmentQuerySet(models.QuerySet):
    def current(self) -> AppointmentQuerySet:
        """Of the files still in the work (an anonymised file's appointments leave every page and calendar)."""
        return self.filter(in_work("follow_up__household__"))

    def scheduled(self) -> AppointmentQuerySet:
        return self.filter(status=Appointment.Status.SCHEDULED)

    def of_advisor(self, user) -> AppointmentQuerySet:
        return self.filter(follow_up__assignee=user)

    def between(self, start, end) -> AppointmentQuerySet:
        """Those beginning at or after `start` and before `end` (aware datetimes)."""
        return self.filter(starts_at__gte=start, starts_at__lt=end)


class Appointment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("an appointment", "Scheduled")
        CANCELLED = "cancelled", pgettext_lazy("an appointment", "Cancelled")

    follow_up = models.OneToOneField(FollowUp, models.CASCADE, related_name="appointment", verbose_name=_("follow-up"))
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    duration = models.PositiveSmallIntegerField(_("duration"), choices=DURATIONS, default=60)
    place = models.CharField(_("place"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancelled_at = models.DateTimeField(_("cancelled on"), null=True, blank=True)
    cancelled_by_household = models.BooleanField(_("cancelled by the household"), default=False)
    token = models.CharField(max_length=40, default=new_token, unique=True, editable=False)
    # RFC 5545 SEQUENCE: each change sent to the household's calendar counts one more.
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "starts_at"], name="appointment_status_start_idx")]

    def __str__(self) -> str:
        return f"{self.follow_up.title} {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"

    @property
    def household(self):
        return self.follow_up.household

    @property
    def advisor(self):
        return self.follow_up.assignee

    @property
    def title(self) -> str:
        return self.follow_up.title

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration)

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.SCHEDULED

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def can_be_cancelled(self) -> bool:
        """Still to come and not cancelled: afterwards, cancelling would rewrite what happened."""
        return self.is_scheduled and self.starts_at > timezone.now()

    @property
    def link_expired(self) -> bool:
        return timezone.now() > self.starts_at + timedelta(days=LINK_DAYS_AFTER)

    def when_text(self) -> str:
        """The date and time as numbers (the same in every language): "10/12/2026 14:30"."""
        return f"{timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"

    def household_url(self) -> str:
        """The household's own page of this appointment (the invitation's link, and its personal space's)."""
        return reverse("appointments:household", args=[self.token])

    def staff_url(self) -> str:
        household = self.household
        return reverse("appointments:create", args=[household.territory.code, household.pk])
