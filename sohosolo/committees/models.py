"""Welcome committees at work: referrals of prospects to a village, visits, the welcome of newcomers, availability.

What a committee sees of a household always goes through `shared_with_village(village)`: the household's latest
answer about sharing decides, so that a withdrawal hides it from every committee view at once.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.prospects.models import FOLLOWED_STAGES, FollowUp, Household, HouseholdQuerySet, Stage
from sohosolo.territory.models import Village


class Referral(models.Model):
    """An advisor refers a household (who agreed to sharing) to a partner village's committee, with a note."""

    household = models.ForeignKey(Household, models.CASCADE, related_name="referrals", verbose_name=_("household"))
    village = models.ForeignKey(Village, models.CASCADE, related_name="referrals", verbose_name=_("partner village"))
    note = models.TextField(_("note for the committee"), blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("referred on"), default=timezone.now)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["household", "village"], name="referral_unique_village")]
        indexes = [models.Index(fields=["village", "-created_at"], name="referral_village_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} → {self.village}"


class VisitOutcome(models.TextChoices):
    WELL = "well", _("It went well")
    MIXED = "mixed", _("Mixed")
    BADLY = "badly", _("It went badly")
    CANCELLED = "cancelled", _("Did not take place")


class Interest(models.TextChoices):
    HIGH = "high", _("Very interested")
    SOME = "some", _("Somewhat interested")
    LOW = "low", _("Not really")
    NONE = "none", _("Not interested")


class Visit(models.Model):
    """A visit of the village with a prospect household, guided by volunteers; its outcome once it took place."""

    household = models.ForeignKey(Household, models.CASCADE, related_name="visits", verbose_name=_("household"))
    village = models.ForeignKey(Village, models.CASCADE, related_name="visits", verbose_name=_("partner village"))
    starts_at = models.DateTimeField(_("date and time"))
    guides = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="guided_visits", verbose_name=_("guiding volunteers")
    )
    offers = models.ManyToManyField(
        "housing.HousingOffer", blank=True, related_name="visits", verbose_name=_("offers to see")
    )
    homes = models.TextField(
        _("other homes to see"), blank=True, help_text=_("Homes not listed in the offers: addresses, one per line.")
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("planned by")
    )
    created_at = models.DateTimeField(_("planned on"), auto_now_add=True)
    outcome = models.CharField(_("how it went"), max_length=10, choices=VisitOutcome.choices, blank=True)
    interest = models.CharField(_("the household's interest"), max_length=10, choices=Interest.choices, blank=True)
    report = models.TextField(_("a few words"), blank=True)
    recorded_at = models.DateTimeField(_("recorded on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["village", "-starts_at"], name="visit_village_idx"),
            models.Index(fields=["household", "-starts_at"], name="visit_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.starts_at:%Y-%m-%d}"

    @property
    def is_recorded(self) -> bool:
        return self.recorded_at is not None

    @property
    def is_past(self) -> bool:
        return self.starts_at <= timezone.now()


class WelcomeChecklist(models.Model):
    """The welcome of a household settled in a partner village: its committee's actions, who does what by when."""

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="welcome_checklists", verbose_name=_("household")
    )
    village = models.ForeignKey(
        Village, models.CASCADE, related_name="welcome_checklists", verbose_name=_("partner village")
    )
    settled_on = models.DateField(_("settled on"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("welcome checklist")
        verbose_name_plural = _("welcome checklists")
        ordering = ["-settled_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["household", "village"], name="checklist_unique_village")]
        indexes = [models.Index(fields=["village", "-settled_on"], name="checklist_village_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.village}"


class WelcomeActionKind(models.TextChoices):
    WELCOME_VISIT = "welcome_visit", _("Welcome visit")
    TOWN_HALL = "town_hall", _("Introduction at the town hall")
    SCHOOL = "school", _("School or childcare")
    ASSOCIATIONS = "associations", _("Associations")
    BUSINESSES = "businesses", _("Local businesses")
    CLUB = "club", _("Invitation to the Soho Solo club")


# Each action of a checklist, in order, with its usual delay after settling (days).
WELCOME_ACTIONS = [
    (WelcomeActionKind.WELCOME_VISIT, 14),
    (WelcomeActionKind.TOWN_HALL, 30),
    (WelcomeActionKind.SCHOOL, 30),
    (WelcomeActionKind.ASSOCIATIONS, 60),
    (WelcomeActionKind.BUSINESSES, 60),
    (WelcomeActionKind.CLUB, 45),
]


class WelcomeActionQuerySet(models.QuerySet):
    def open(self) -> WelcomeActionQuerySet:
        return self.filter(done_at__isnull=True)


class WelcomeAction(models.Model):
    checklist = models.ForeignKey(
        WelcomeChecklist, models.CASCADE, related_name="actions", verbose_name=_("welcome checklist")
    )
    kind = models.CharField(_("action"), max_length=20, choices=WelcomeActionKind.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="welcome_actions",
        verbose_name=_("who"),
    )
    due_on = models.DateField(_("by when"))
    note = models.TextField(_("note"), blank=True)
    done_at = models.DateTimeField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("done by")
    )
    reminded_on = models.DateField(_("reminder sent on"), null=True, blank=True)

    objects = WelcomeActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("welcome action")
        verbose_name_plural = _("welcome actions")
        ordering = ["checklist", "position", "pk"]
        indexes = [models.Index(fields=["done_at", "due_on"], name="welcome_action_due_idx")]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()


class CommitteeFollowUp(models.Model):
    """One of the +1, +6 and +12-month follow-ups of settling, offered to the committee: a volunteer takes it, sees
    the family, and records how they are doing (the advisor reads it in the timeline)."""

    checklist = models.ForeignKey(
        WelcomeChecklist, models.CASCADE, related_name="follow_ups", verbose_name=_("welcome checklist")
    )
    follow_up = models.OneToOneField(
        FollowUp, models.CASCADE, related_name="committee_take", verbose_name=_("follow-up")
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("taken by")
    )
    taken_at = models.DateTimeField(_("taken on"), null=True, blank=True)
    report = models.TextField(_("how the family is doing"), blank=True)
    recorded_at = models.DateTimeField(_("recorded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee follow-up")
        verbose_name_plural = _("committee follow-ups")
        ordering = ["follow_up__due_on", "pk"]

    def __str__(self) -> str:
        return str(self.follow_up)


class Availability(models.Model):
    """Whether a volunteer can guide visits, and when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="committee_availability", verbose_name=_("volunteer")
    )
    village = models.ForeignKey(
        Village, models.CASCADE, related_name="availabilities", verbose_name=_("partner village")
    )
    can_guide = models.BooleanField(_("I can guide visits"), default=True)
    when = models.CharField(
        _("when I am usually free"), max_length=200, blank=True, help_text=_("For instance: weekends, Wednesdays.")
    )
    away_until = models.DateField(_("away until"), null=True, blank=True, help_text=_("Leave empty if you are here."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availabilities")
        constraints = [models.UniqueConstraint(fields=["user", "village"], name="availability_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.village}"

    @property
    def is_away(self) -> bool:
        return self.away_until is not None and self.away_until >= timezone.localdate()


QUIET_AFTER = timedelta(days=90)


# What a committee may read of a shared file, besides the first name of its main contact and the family's size.
SHARED_FIELDS = ["activity", "timeline", "tenure", "housing_type", "rooms", "village_size"]


def shared_with_village(village: Village) -> HouseholdQuerySet:
    """Files a village committee may see: the household consented to sharing and is interested in the village,
    was referred to it by the team, or settled there (the welcome checklist)."""
    concerned = (
        Exists(Household.villages_of_interest.through.objects.filter(household=OuterRef("pk"), village=village))
        | Exists(Referral.objects.filter(household=OuterRef("pk"), village=village))
        | Exists(WelcomeChecklist.objects.filter(household=OuterRef("pk"), village=village))
    )
    return Household.objects.filter(concerned, stage__in=[*FOLLOWED_STAGES, Stage.SETTLED]).sharing_consented()
