"""Territories (one programme per département), the official communes, and the partner villages.

Communes come from official open data shipped with the code (see `load_communes`); a partner village is a commune
in partnership with a territory's programme, with its presentation, services, photos and welcome committee.
"""

from __future__ import annotations

import json

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from sohosolo.lib.geo import distance_km
from sohosolo.lib.photos import photo_model

departement_validator = RegexValidator(
    r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$", _("Enter a French département code, for instance 32 or 2A.")
)


class CommuneQuerySet(models.QuerySet):
    def in_departement(self, departement: str) -> CommuneQuerySet:
        return self.filter(departement=departement)


class Commune(models.Model):
    """An official French commune (INSEE's Code officiel géographique), with its town hall's contact details."""

    insee_code = models.CharField(_("INSEE code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    departement = models.CharField(_("département"), max_length=3, db_index=True)
    departement_name = models.CharField(_("département name"), max_length=80, blank=True)
    region = models.CharField(_("region"), max_length=3, blank=True)
    region_name = models.CharField(_("region name"), max_length=80, blank=True)
    postcodes = models.CharField(_("postcodes"), max_length=250, blank=True, help_text=_("Separated by spaces."))
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    epci_code = models.CharField(_("intercommunality code"), max_length=9, blank=True)
    epci_name = models.CharField(_("intercommunality"), max_length=200, blank=True)
    town_hall_address = models.CharField(_("town hall address"), max_length=300, blank=True)
    town_hall_phone = models.CharField(_("town hall phone"), max_length=40, blank=True)
    town_hall_email = models.CharField(_("town hall email"), max_length=200, blank=True)
    town_hall_website = models.CharField(_("town hall website"), max_length=300, blank=True)
    # Outer rings simplified to about 150 m, as JSON [[[lon, lat], …], …]: enough to draw a département offline.
    outline = models.TextField(_("outline"), blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="commune_lower_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.departement})"

    @property
    def rings(self) -> list[list[list[float]]]:
        return json.loads(self.outline) if self.outline else []

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Territory(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Short name used in addresses."))
    name = models.CharField(_("name"), max_length=120)
    departement = models.CharField(_("département"), max_length=3, validators=[departement_validator])
    main_town = models.ForeignKey(
        Commune,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("main town"),
        help_text=_("Distances of the villages are measured from it."),
    )
    brand_name = models.CharField(
        _("programme name shown to the public"), max_length=120, blank=True, help_text=_("Defaults to the name.")
    )
    logo = models.ImageField(_("logo"), upload_to="territories/", blank=True)
    info_meeting_interval_days = models.PositiveSmallIntegerField(
        _("days between two information meetings"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    address = models.CharField(_("postal address"), max_length=300, blank=True)
    applications_per_hour = models.PositiveSmallIntegerField(
        _("applications accepted per hour from one connection"),
        default=5,
        validators=[MaxValueValidator(1000)],
        help_text=_(
            "Stops floods from robots. Raise it for a fair's tablet or a partner's office sharing one connection; "
            "0 means no limit. Signed-in staff are never limited."
        ),
    )
    retention_years = models.PositiveSmallIntegerField(
        _("years a prospect's file is kept without activity"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Then the household is warned by email, and anonymised 30 days later without an answer."),
    )
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("territory:detail", args=[self.code])

    @property
    def public_name(self) -> str:
        return self.brand_name or self.name

    def goal_for(self, year: int | None = None) -> Goal | None:
        return self.goals.filter(year=year or timezone.localdate().year).first()


class Goal(models.Model):
    """What a territory's programme aims for in one year."""

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="goals", verbose_name=_("territory"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    contacts = models.PositiveIntegerField(_("new contacts"))
    families_settled = models.PositiveIntegerField(_("families settled"))

    class Meta:
        verbose_name = _("yearly goal")
        verbose_name_plural = _("yearly goals")
        ordering = ["territory", "-year"]
        constraints = [models.UniqueConstraint(fields=["territory", "year"], name="goal_unique_year")]

    def __str__(self) -> str:
        return f"{self.territory} {self.year}"


class Hub(models.Model):
    """A place newcomers travel to (a station, an airport, a city): village pages give their distance to it."""

    class Kind(models.TextChoices):
        STATION = "station", _("Railway station")
        AIRPORT = "airport", _("Airport")
        CITY = "city", _("City")

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="hubs", verbose_name=_("territory"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("hub")
        verbose_name_plural = _("hubs")
        ordering = ["territory", "position", "name"]

    def __str__(self) -> str:
        return self.name


class VillageQuerySet(models.QuerySet):
    def public(self) -> VillageQuerySet:
        """Villages shown on the public site: active or paused partnerships."""
        return self.filter(status__in=[Village.Status.ACTIVE, Village.Status.PAUSED])


class Weekday(models.TextChoices):
    # A context of their own, so that these labels do not replace Django's weekday names in dates.
    MONDAY = "monday", pgettext_lazy("market day", "Monday")
    TUESDAY = "tuesday", pgettext_lazy("market day", "Tuesday")
    WEDNESDAY = "wednesday", pgettext_lazy("market day", "Wednesday")
    THURSDAY = "thursday", pgettext_lazy("market day", "Thursday")
    FRIDAY = "friday", pgettext_lazy("market day", "Friday")
    SATURDAY = "saturday", pgettext_lazy("market day", "Saturday")
    SUNDAY = "sunday", pgettext_lazy("market day", "Sunday")


class BroadbandQuality(models.TextChoices):
    FIBRE = "fibre", _("Fibre")
    GOOD = "good", _("Good (VDSL, 4G/5G box)")
    AVERAGE = "average", _("Average (ADSL)")
    POOR = "poor", _("Poor")
    UNKNOWN = "", _("Not known")


# Services a village may offer: (field name, label). Filters and pages are built from this list.
SERVICES = [
    ("has_school", _("School")),
    ("has_post_office", _("Post office")),
    ("has_shops", _("Shops")),
    ("has_doctor", _("Doctor")),
    ("has_pharmacy", _("Pharmacy")),
    ("has_coworking", _("Coworking space")),
    ("has_market", _("Market")),
    ("has_childcare", _("Childcare")),
    ("has_station", _("Railway station")),
]


class Village(models.Model):
    """A partner village (village d'accueil): a commune in partnership with a territory's programme."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="villages", verbose_name=_("territory"))
    commune = models.ForeignKey(Commune, models.PROTECT, related_name="villages", verbose_name=_("commune"))
    name = models.CharField(_("name"), max_length=120, editable=False)
    slug = models.SlugField(_("slug"), max_length=140, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    partner_since = models.DateField(_("partner since"), null=True, blank=True)
    council_decision_date = models.DateField(_("date of the council's decision"), null=True, blank=True)
    presentation_fr = models.TextField(_("presentation in French"), blank=True)
    presentation_en = models.TextField(_("presentation in English"), blank=True)
    has_school = models.BooleanField(_("school"), default=False)
    has_post_office = models.BooleanField(_("post office"), default=False)
    has_shops = models.BooleanField(_("shops"), default=False)
    has_doctor = models.BooleanField(_("doctor"), default=False)
    has_pharmacy = models.BooleanField(_("pharmacy"), default=False)
    has_coworking = models.BooleanField(_("coworking space"), default=False)
    has_market = models.BooleanField(_("market"), default=False)
    has_childcare = models.BooleanField(_("childcare"), default=False)
    has_station = models.BooleanField(_("railway station"), default=False)
    market_day = models.CharField(_("market day"), max_length=10, choices=Weekday.choices, blank=True)
    broadband = models.CharField(
        _("broadband quality"), max_length=10, choices=BroadbandQuality.choices, default="", blank=True
    )
    associations = models.TextField(
        _("associations"), blank=True, help_text=_("Sports, culture, parents… one per line.")
    )
    committee_email = models.EmailField(
        _("committee's public email"), blank=True, help_text=_("Shown on the public page of the village.")
    )
    committee_phone = models.CharField(_("committee's public phone"), max_length=40, blank=True)
    # Straight-line distance to the territory's main town, kept to filter the public list in the database.
    distance_main_town_km = models.FloatField(
        _("distance to the main town (km)"), null=True, blank=True, editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VillageQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner village")
        verbose_name_plural = _("partner villages")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "slug"], name="village_unique_slug_per_territory"),
            models.UniqueConstraint(fields=["territory", "commune"], name="village_unique_commune_per_territory"),
        ]
        indexes = [models.Index(fields=["territory", "status", "name"], name="village_territory_status_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = self.commune.name
        self.slug = slugify(self.commune.name)
        self.distance_main_town_km = self.distance_to_main_town()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("territory:village_public", args=[self.territory.code, self.slug])

    @property
    def presentation(self) -> str:
        """The presentation in the current language, else in the other one."""
        if get_language() == "en":
            return self.presentation_en or self.presentation_fr
        return self.presentation_fr or self.presentation_en

    @property
    def services(self) -> list[str]:
        return [str(label) for field, label in SERVICES if getattr(self, field)]

    @property
    def association_list(self) -> list[str]:
        return [line.strip() for line in self.associations.splitlines() if line.strip()]

    def distance_to_main_town(self) -> float | None:
        town = self.territory.main_town
        if town is None or not town.has_location or not self.commune.has_location:
            return None
        return round(distance_km(self.commune.latitude, self.commune.longitude, town.latitude, town.longitude), 1)

    def hub_distances(self) -> list[tuple[Hub, float]]:
        if not self.commune.has_location:
            return []
        return [
            (hub, round(distance_km(self.commune.latitude, self.commune.longitude, hub.latitude, hub.longitude), 1))
            for hub in self.territory.hubs.all()
        ]


def photo_path(instance: VillagePhoto, filename: str) -> str:
    return f"villages/{instance.village.territory.code}/{instance.village.slug}/{filename}"


class VillagePhoto(
    photo_model(
        "village",
        photo_path,
        _("What the photo shows, for people who cannot see it (for instance: the market square)."),
        width_field="width",
        height_field="height",
    )
):
    village = models.ForeignKey(Village, models.CASCADE, related_name="photos", verbose_name=_("village"))
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
