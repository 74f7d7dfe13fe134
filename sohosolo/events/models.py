"""Events: information meetings, club workshops, committee meetings, discovery stays; their series and registrations."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sohosolo.territory.models import Commune, Territory


class Kind(models.TextChoices):
    INFO_MEETING = "info_meeting", _("Information meeting")
    WORKSHOP = "workshop", _("Club workshop")
    COMMITTEE = "committee", _("Committee meeting")
    DISCOVERY_STAY = "discovery_stay", _("Discovery stay")
    OTHER = "other", _("Other event")


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone (public calendar)")
    MEMBERS = "members", _("Club members and project holders")
    VOLUNTEERS = "volunteers", _("Village volunteers")
    INVITED = "invited", _("Invited people only")


class Series(models.Model):
    """A repeating event: "every 2 weeks on Tuesday at 18:00", "every month on the first Thursday"."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every N weeks, on a weekday")
        MONTHLY = "monthly", _("Every month, on the Nth weekday")

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="event_series", verbose_name=_("territory"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    title_fr = models.CharField(_("title in French"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    description_fr = models.TextField(_("description in French"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    frequency = models.CharField(_("repeats"), max_length=10, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(
        _("every how many weeks"), default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), help_text=_("0 = Monday … 6 = Sunday"), validators=[MaxValueValidator(6)]
    )
    week_of_month = models.SmallIntegerField(
        _("which one in the month"), default=1, help_text=_("1 = first … 4 = fourth, -1 = last (monthly series).")
    )
    start_time = models.TimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    starts_on = models.DateField(_("first date"))
    ends_on = models.DateField(_("last date"), null=True, blank=True)
    commune = models.ForeignKey(
        Commune, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("Empty: no limit."))

    class Meta:
        verbose_name = _("series of events")
        verbose_name_plural = _("series of events")

    def __str__(self) -> str:
        return self.title_fr


class EventQuerySet(models.QuerySet):
    def upcoming(self) -> EventQuerySet:
        return self.filter(starts_at__gte=timezone.now(), cancelled=False)

    def public(self) -> EventQuerySet:
        return self.filter(audience=Audience.PUBLIC)

    def with_seats(self) -> EventQuerySet:
        """Each event with `seats_taken`: the people of its confirmed registrations."""
        return self.annotate(
            confirmed_people=Sum("registrations__people", filter=Q(registrations__status=Registration.Status.CONFIRMED))
        )


class Event(models.Model):
    territory = models.ForeignKey(Territory, models.CASCADE, related_name="events", verbose_name=_("territory"))
    series = models.ForeignKey(
        Series, models.SET_NULL, null=True, blank=True, related_name="events", verbose_name=_("series")
    )
    occurrence_date = models.DateField(
        _("date in the series"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The date the series gave this occurrence, even if it was moved."),
    )
    detached = models.BooleanField(
        _("edited on its own"), default=False, help_text=_("Changes to the series no longer apply to it.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    village = models.ForeignKey(
        "territory.Village",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("village (committee meetings)"),
    )
    title_fr = models.CharField(_("title in French"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    description_fr = models.TextField(_("description in French"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    commune = models.ForeignKey(
        Commune, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("Empty: no limit."))
    registration_deadline = models.DateTimeField(_("registration until"), null=True, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["territory", "audience", "starts_at"], name="event_calendar_idx")]
        constraints = [
            models.UniqueConstraint(fields=["series", "occurrence_date"], name="event_unique_occurrence"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title_fr} ({self.starts_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.territory.code, self.pk])

    @property
    def title(self) -> str:
        return (self.title_en or self.title_fr) if get_language() == "en" else self.title_fr

    @property
    def description(self) -> str:
        return (self.description_en or self.description_fr) if get_language() == "en" else self.description_fr

    @property
    def place(self) -> str:
        parts = [self.address, self.commune.name if self.commune_id else ""]
        return ", ".join(p for p in parts if p) or self.online_url

    def seats_taken(self) -> int:
        if hasattr(self, "confirmed_people"):  # counted by EventQuerySet.with_seats()
            return self.confirmed_people or 0
        total = self.registrations.filter(status=Registration.Status.CONFIRMED).aggregate(n=Sum("people"))["n"]
        return total or 0

    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.seats_taken())

    @property
    def registration_open(self) -> bool:
        now = timezone.now()
        deadline = self.registration_deadline or self.starts_at
        return not self.cancelled and now < deadline


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Registered")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    class Attendance(models.TextChoices):
        UNKNOWN = "", _("Not taken yet")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")

    event = models.ForeignKey(Event, models.CASCADE, related_name="registrations", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"), blank=True)
    people = models.PositiveSmallIntegerField(
        _("number of people"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    attendance = models.CharField(_("attendance"), max_length=10, choices=Attendance.choices, blank=True, default="")
    walk_in = models.BooleanField(_("came without registering"), default=False)
    household = models.ForeignKey(
        "prospects.Household",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("prospect"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("account"),
    )
    token = models.CharField(max_length=40, default=new_token, unique=True, editable=False)
    reminded_at = models.DateTimeField(_("reminded on"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered on"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=~Q(status="cancelled") & ~Q(email=""),
                name="registration_once_per_email",
            )
        ]
        indexes = [models.Index(fields=["event", "status", "created_at"], name="registration_event_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} — {self.event}"


class CalendarFeed(models.Model):
    """A private calendar address of one user: the token in it is the secret; a new token revokes the old address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="calendar_feed", verbose_name=_("user")
    )
    token = models.CharField(max_length=40, default=new_token, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("private calendar feed")
        verbose_name_plural = _("private calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
