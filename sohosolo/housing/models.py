"""Housing: offers in the partner villages, their photos, the matching weights of a territory, and proposals.

An offer belongs to a partner village; its village's volunteers and its territory's team manage it. The owner's
contact is for them only, never shown on public pages. A proposal is a selection of villages and offers sent to a
prospect, who answers each item at a personal signed address.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sohosolo.housing.matching import REASON_TEXTS
from sohosolo.lib.photos import photo_model
from sohosolo.territory.models import Territory, Village


class Tenure(models.TextChoices):
    RENT = "rent", _("To rent")
    SALE = "sale", _("For sale")


class OfferKind(models.TextChoices):
    HOUSE = "house", _("House")
    FLAT = "flat", _("Flat")
    FARMHOUSE = "farmhouse", _("Farmhouse")
    ROOM = "room", _("Room")
    COMMERCIAL = "commercial", _("Commercial premises with home")


class EnergyClass(models.TextChoices):
    """The DPE (diagnostic de performance énergétique) class every French listing must show."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"
    F = "F", "F"
    G = "G", "G"
    PENDING = "", _("Not yet assessed")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AVAILABLE = "available", _("Available")
    RESERVED = "reserved", _("Reserved")
    LET = "let", _("Let")
    SOLD = "sold", _("Sold")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Offers still on the market: shown publicly (when public) and reminded to their volunteers when not updated.
OPEN_STATUSES = {Status.AVAILABLE, Status.RESERVED}
# Where an offer may go from each status (let only for rentals, sold only for sales: see HousingOffer.next_statuses).
TRANSITIONS = {
    Status.DRAFT: [Status.AVAILABLE, Status.WITHDRAWN],
    Status.AVAILABLE: [Status.RESERVED, Status.LET, Status.SOLD, Status.WITHDRAWN],
    Status.RESERVED: [Status.AVAILABLE, Status.LET, Status.SOLD, Status.WITHDRAWN],
    Status.LET: [Status.AVAILABLE],
    Status.SOLD: [],
    Status.WITHDRAWN: [Status.DRAFT, Status.AVAILABLE],
}
STALE_AFTER_DAYS = 60


class OfferQuerySet(models.QuerySet):
    def public(self) -> OfferQuerySet:
        """Offers anyone may see: public, on the market, in a village shown on the public site."""
        return self.filter(
            is_public=True,
            status__in=OPEN_STATUSES,
            village__status__in=[Village.Status.ACTIVE, Village.Status.PAUSED],
        )

    def open(self) -> OfferQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def stale(self, now=None) -> OfferQuerySet:
        """Open offers nobody updated or confirmed for STALE_AFTER_DAYS days."""
        now = now or timezone.now()
        return self.open().filter(updated_at__lt=now - timedelta(days=STALE_AFTER_DAYS))


class HousingOffer(models.Model):
    territory = models.ForeignKey(
        Territory, models.CASCADE, related_name="housing_offers", verbose_name=_("territory"), editable=False
    )
    village = models.ForeignKey(Village, models.CASCADE, related_name="housing_offers", verbose_name=_("village"))
    title = models.CharField(
        _("title"), max_length=120, help_text=_("A few words, for instance: Stone house with garden near the school.")
    )
    tenure = models.CharField(_("rent or sale"), max_length=10, choices=Tenure.choices)
    kind = models.CharField(_("type"), max_length=12, choices=OfferKind.choices)
    rooms = models.PositiveSmallIntegerField(
        _("rooms"),
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("Main rooms, as in a listing (T3: 3)."),
    )
    bedrooms = models.PositiveSmallIntegerField(_("bedrooms"), validators=[MaxValueValidator(20)])
    living_area_m2 = models.PositiveIntegerField(
        _("living area (m²)"), validators=[MinValueValidator(5), MaxValueValidator(2000)]
    )
    land_m2 = models.PositiveIntegerField(_("land (m²)"), null=True, blank=True)
    price = models.PositiveIntegerField(
        _("price (€)"), validators=[MinValueValidator(1)], help_text=_("Monthly rent without charges, or sale price.")
    )
    charges = models.PositiveIntegerField(_("monthly charges (€)"), default=0)
    energy_class = models.CharField(
        _("energy class (DPE)"), max_length=1, choices=EnergyClass.choices, blank=True, default=""
    )
    available_from = models.DateField(_("available from"), null=True, blank=True)
    furnished = models.BooleanField(_("furnished"), default=False)
    description_fr = models.TextField(_("description in French"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    owner_name = models.CharField(_("owner's name"), max_length=120)
    owner_phone = models.CharField(_("owner's phone"), max_length=40, blank=True)
    owner_email = models.EmailField(_("owner's email"), blank=True)
    owner_notes = models.TextField(
        _("notes about the owner"), blank=True, help_text=_("Seen only by the team and the committee.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    is_public = models.BooleanField(
        _("show on the public site"), default=True, help_text=_("Untick to keep it for the team and committees.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    reminder_sent_at = models.DateTimeField(_("confirmation asked on"), null=True, blank=True, editable=False)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("housing offer")
        verbose_name_plural = _("housing offers")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["territory", "status", "tenure", "price"], name="offer_territory_status_idx"),
            models.Index(fields=["village", "status"], name="offer_village_status_idx"),
            models.Index(fields=["is_public", "status", "-updated_at"], name="offer_public_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(bedrooms__lte=models.F("rooms")), name="offer_bedrooms_in_rooms")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.village.name})"

    def save(self, *args, **kwargs) -> None:
        self.territory_id = self.village.territory_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("housing:offer_detail", args=[self.village.territory.code, self.pk])

    def get_public_url(self) -> str:
        return reverse("housing:public_detail", args=[self.village.territory.code, self.pk])

    @property
    def description(self) -> str:
        if get_language() == "en":
            return self.description_en or self.description_fr
        return self.description_fr or self.description_en

    @property
    def monthly_cost(self) -> int:
        """What a tenant pays each month (rent and charges); the price for a sale."""
        return self.price + self.charges if self.tenure == Tenure.RENT else self.price

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_shown_publicly(self) -> bool:
        return self.is_public and self.is_open

    @property
    def next_statuses(self) -> list[str]:
        closing = Status.LET if self.tenure == Tenure.RENT else Status.SOLD
        return [s for s in TRANSITIONS[self.status] if s not in (Status.LET, Status.SOLD) or s == closing]

    def change_status(self, status: str, by=None) -> OfferStatusChange:
        """Move the offer to `status` (checked against TRANSITIONS), remembering when and by whom."""
        if status not in self.next_statuses:
            raise ValueError(f"{self.status} → {status} is not allowed")
        self.status = status
        self.status_changed_at = timezone.now()
        self.save(update_fields=["status", "status_changed_at", "updated_at"])
        return self.status_changes.create(status=status, changed_by=by)


class OfferStatusChange(models.Model):
    offer = models.ForeignKey(HousingOffer, models.CASCADE, related_name="status_changes", verbose_name=_("offer"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    changed_at = models.DateTimeField(_("on"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.changed_at:%Y-%m-%d}"


def offer_photo_path(instance: OfferPhoto, filename: str) -> str:
    return f"offers/{instance.offer.territory.code}/{instance.offer_id}/{filename}"


class OfferPhoto(
    photo_model(
        "offer",
        offer_photo_path,
        _("What the photo shows, for people who cannot see it (for instance: the living room)."),
    )
):
    offer = models.ForeignKey(HousingOffer, models.CASCADE, related_name="photos", verbose_name=_("offer"))


class MatchingWeights(models.Model):
    """How much each criterion counts in a territory's matching (0 = ignored, 10 = decisive)."""

    territory = models.OneToOneField(
        Territory, models.CASCADE, related_name="matching_weights", verbose_name=_("territory")
    )
    budget = models.PositiveSmallIntegerField(_("budget"), default=8, validators=[MaxValueValidator(10)])
    rooms = models.PositiveSmallIntegerField(_("rooms"), default=6, validators=[MaxValueValidator(10)])
    housing_type = models.PositiveSmallIntegerField(_("type of home"), default=4, validators=[MaxValueValidator(10)])
    village_size = models.PositiveSmallIntegerField(_("village size"), default=3, validators=[MaxValueValidator(10)])
    distance = models.PositiveSmallIntegerField(
        _("distance to the main town and hubs"), default=6, validators=[MaxValueValidator(10)]
    )
    services = models.PositiveSmallIntegerField(_("services needed"), default=6, validators=[MaxValueValidator(10)])
    broadband = models.PositiveSmallIntegerField(_("broadband"), default=7, validators=[MaxValueValidator(10)])
    interest = models.PositiveSmallIntegerField(
        _("village chosen by the household"), default=5, validators=[MaxValueValidator(10)]
    )
    budget_tolerance_percent = models.PositiveSmallIntegerField(
        _("budget tolerance (%)"),
        default=15,
        validators=[MaxValueValidator(100)],
        help_text=_("An offer up to this much over budget is still shown, with a lower score."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    WEIGHT_FIELDS = ["budget", "rooms", "housing_type", "village_size", "distance", "services", "broadband", "interest"]

    class Meta:
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")

    def __str__(self) -> str:
        return str(self.territory)

    @classmethod
    def for_territory(cls, territory: Territory) -> MatchingWeights:
        """The territory's weights; the defaults (unsaved) until a manager changes them."""
        return cls.objects.filter(territory=territory).first() or cls(territory=territory)


class Proposal(models.Model):
    """A selection of villages and offers sent to a prospect, who answers each item."""

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="proposals", verbose_name=_("territory"))
    household = models.ForeignKey(
        "prospects.Household", models.CASCADE, related_name="proposals", verbose_name=_("prospect")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("sent by")
    )
    sent_at = models.DateTimeField(_("sent on"), default=timezone.now)
    sent_to = models.EmailField(_("sent to"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")
    message = models.TextField(_("message to the prospect"), blank=True)
    revoked = models.BooleanField(_("link withdrawn"), default=False)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.household} {self.sent_at:%Y-%m-%d}"

    SIGNING_SALT = "sohosolo.housing.proposal"

    @property
    def token(self) -> str:
        return signing.dumps(self.pk, salt=self.SIGNING_SALT, compress=True)

    @classmethod
    def from_token(cls, token: str, max_age_days: int) -> Proposal | None:
        try:
            pk = signing.loads(token, salt=cls.SIGNING_SALT, max_age=max_age_days * 86400)
        except signing.BadSignature:
            return None
        return cls.objects.filter(pk=pk, revoked=False).select_related("household", "territory").first()

    def answer_url(self) -> str:
        """The personal address where the prospect answers (also linked from their personal space)."""
        return reverse("housing:proposal_answer", args=[self.token])


class Answer(models.TextChoices):
    PENDING = "", _("No answer yet")
    INTERESTED = "interested", _("Interested")
    NOT_INTERESTED = "not_interested", _("Not interested")


class ProposalItem(models.Model):
    """One village or one offer of a proposal, with the score and reasons shown to the prospect, and their answer."""

    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="items", verbose_name=_("proposal"))
    village = models.ForeignKey(
        Village, models.CASCADE, null=True, blank=True, related_name="proposal_items", verbose_name=_("village")
    )
    offer = models.ForeignKey(
        HousingOffer, models.CASCADE, null=True, blank=True, related_name="proposal_items", verbose_name=_("offer")
    )
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices, blank=True, default="")
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("proposed item")
        verbose_name_plural = _("proposed items")
        ordering = ["proposal", "-score", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(village__isnull=False) | models.Q(offer__isnull=False), name="item_village_or_offer"
            )
        ]

    def __str__(self) -> str:
        return str(self.offer or self.village)

    @property
    def place(self) -> Village:
        return self.offer.village if self.offer_id else self.village

    @property
    def reason_texts(self) -> list[str]:
        """The reasons in the active language; those stored as text (proposals sent before codes were kept) as is."""
        texts = []
        for reason in self.reasons:
            if isinstance(reason, dict) and reason.get("code") in REASON_TEXTS:
                try:
                    texts.append(REASON_TEXTS[reason["code"]](*reason.get("values", ())))
                except (TypeError, ValueError, KeyError):
                    continue
            elif isinstance(reason, str):
                texts.append(reason)
        return texts
