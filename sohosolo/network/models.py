"""The network: the Soho Solo club's members, the partner organisations, and introductions (mises en relation).

A member profile belongs to one territory's club. Its owner chooses who sees it (the public directory, the club's
members only, nobody). A partner organisation offers services to Solos; its contacts may hold the PARTNER role to
see the introductions addressed to it. An introduction puts a prospect in touch with a member or a partner: both
sides answer, and the introduced party only ever sees what the prospect agreed to give.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.lib.text import fold
from sohosolo.prospects.models import Activity
from sohosolo.territory.models import Commune, Territory

SPOKEN_LANGUAGES = [
    ("fr", _("French")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("de", _("German")),
    ("it", _("Italian")),
    ("pt", _("Portuguese")),
    ("nl", _("Dutch")),
    ("oc", _("Occitan")),
]


class Skill(models.Model):
    """A tag a member gives to what they know how to do ("web design", "accounting"); shared by all clubs."""

    name = models.CharField(_("name"), max_length=60)
    key = models.CharField(max_length=60, unique=True, editable=False)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.key = fold(self.name)[:60]
        super().save(*args, **kwargs)

    @classmethod
    def from_names(cls, names: list[str]) -> list[Skill]:
        """The skills named, created when new; spelling variants (case, accents) are the same skill."""
        wanted = {}
        for name in names:
            name = " ".join(name.split())[:60]
            if name:
                wanted.setdefault(fold(name)[:60], name)
        existing = {s.key: s for s in cls.objects.filter(key__in=wanted)}
        return [existing.get(key) or cls.objects.create(name=name) for key, name in wanted.items()]


def photo_path(instance: MemberProfile, filename: str) -> str:
    return f"members/{instance.territory_id}/{filename}"


class MemberProfileQuerySet(models.QuerySet):
    def active(self) -> MemberProfileQuerySet:
        """Members whose membership runs and who activated their account."""
        return self.filter(status=MemberProfile.Status.ACTIVE, user__is_active=True)

    def visible_to(self, user) -> MemberProfileQuerySet:
        """What the directory shows `user`: public profiles, plus members-only profiles of the clubs the user is a
        member of or works for. Hidden profiles are shown to nobody (the team sees them in its own list)."""
        visible = Q(visibility=MemberProfile.Visibility.PUBLIC)
        if user.is_authenticated:
            scope = user.scope
            if scope.is_admin:
                visible |= Q(visibility=MemberProfile.Visibility.MEMBERS)
            else:
                territories = scope.member_territory_ids | scope.staff_territory_ids
                visible |= Q(visibility=MemberProfile.Visibility.MEMBERS, territory__in=territories)
        return self.active().filter(visible)

    def search(self, text: str) -> MemberProfileQuerySet:
        qs = self
        for word in fold(text).split():
            qs = qs.filter(search_text__contains=word)
        return qs

    def active_on(self, on_date: date) -> MemberProfileQuerySet:
        """Members of the club on `on_date`: joined by then and not yet gone."""
        return self.filter(member_since__lte=on_date).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on_date))


class MemberProfile(models.Model):
    """A Solo in a territory's club: their directory entry and their membership."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Application to review")
        ACTIVE = "active", _("Member")
        LAPSED = "lapsed", _("Membership to renew")
        ENDED = "ended", _("Left the club")
        REFUSED = "refused", _("Application refused")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public directory: everyone can see my profile")
        MEMBERS = "members", _("Club members and the programme team only")
        HIDDEN = "hidden", _("Hidden: only the programme team")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="member_profile", verbose_name=_("user")
    )
    territory = models.ForeignKey(Territory, models.PROTECT, related_name="members", verbose_name=_("club"))
    household = models.ForeignKey(
        "prospects.Household",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="member_profiles",
        verbose_name=_("prospect file"),
        help_text=_("The settled household this member came from, if any."),
    )
    status = models.CharField(_("membership"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    visibility = models.CharField(
        _("who sees my profile"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    activity = models.CharField(_("activity"), max_length=20, choices=Activity.choices, blank=True)
    headline = models.CharField(
        _("what I do"), max_length=120, blank=True, help_text=_("In a few words, for instance: web designer.")
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="members", verbose_name=_("skills"))
    commune = models.ForeignKey(
        Commune, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    website = models.URLField(_("website"), blank=True)
    bio = models.TextField(_("about me"), max_length=1500, blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_path, blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_path, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    is_mentor = models.BooleanField(
        _("I volunteer as a mentor"),
        default=False,
        help_text=_("A mentor (parrain, marraine) follows a newcomer for a few months."),
    )
    mentor_topics = models.CharField(
        _("what I can help newcomers with"), max_length=200, blank=True, help_text=_("For instance: freelancing.")
    )
    member_since = models.DateField(_("member since"), null=True, blank=True)
    renewal_on = models.DateField(_("membership renewal due on"), null=True, blank=True, db_index=True)
    renewal_reminded_for = models.DateField(null=True, blank=True, editable=False)
    ended_on = models.DateField(_("left on"), null=True, blank=True)
    application_message = models.TextField(_("message with the application"), blank=True)
    search_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MemberProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("club member")
        verbose_name_plural = _("club members")
        ordering = ["user__full_name"]
        indexes = [
            models.Index(fields=["territory", "status", "visibility"], name="member_directory_idx"),
            models.Index(fields=["territory", "member_since"], name="member_since_idx"),
            models.Index(fields=["commune", "status"], name="member_commune_idx"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("network:member", args=[self.pk])

    @property
    def visibility_short(self) -> str:
        """The visibility in one or two words, for lists."""
        return str(VISIBILITY_SHORT[self.visibility])

    @property
    def is_listed(self) -> bool:
        return self.status == self.Status.ACTIVE and self.user.is_active

    def language_names(self) -> list[str]:
        names = dict(SPOKEN_LANGUAGES)
        return [str(names[code]) for code in self.languages if code in names]

    def refresh_search_text(self, save: bool = True) -> None:
        parts = [self.user.full_name, self.headline, self.get_activity_display(), self.bio, self.mentor_topics]
        parts += [s.name for s in self.skills.all()]
        if self.commune_id:
            parts.append(self.commune.name)
        self.search_text = fold(" ".join(p for p in parts if p))
        if save and self.pk:
            type(self).objects.filter(pk=self.pk).update(search_text=self.search_text)


VISIBILITY_SHORT = {
    MemberProfile.Visibility.PUBLIC: _("Public"),
    MemberProfile.Visibility.MEMBERS: _("Club only"),
    MemberProfile.Visibility.HIDDEN: _("Hidden"),
}


class MemberMessage(models.Model):
    """A member wrote to another through the platform; kept (without the text) to limit how many a day one sends."""

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("from"))
    recipient = models.ForeignKey(MemberProfile, models.CASCADE, related_name="+", verbose_name=_("to"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("message between members")
        verbose_name_plural = _("messages between members")
        indexes = [models.Index(fields=["sender", "-sent_at"], name="member_message_sender_idx")]

    def __str__(self) -> str:
        return f"{self.sender} → {self.recipient} ({self.sent_at:%Y-%m-%d})"


class Partner(models.Model):
    """An organisation that helps Solos or relays the programme."""

    class Kind(models.TextChoices):
        CHAMBER = "chamber", _("Consular chamber")
        LAW_FIRM = "law_firm", _("Law firm")
        ACCOUNTANT = "accountant", _("Accountant")
        BANK = "bank", _("Bank")
        COWORKING = "coworking", _("Coworking space")
        PUBLIC_BODY = "public_body", _("Public body")
        FUNDER = "funder", _("Funder")
        RELAY = "relay", _("Relay structure of another territory")
        OTHER = "other", _("Other")

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="partners", verbose_name=_("territory"))
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    services = models.TextField(_("services offered to Solos"), help_text=_("One service a line."))
    description = models.TextField(_("presentation"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("public email"), blank=True)
    phone = models.CharField(_("public phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    commune = models.ForeignKey(
        Commune, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    is_public = models.BooleanField(_("shown on the public partners page"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        indexes = [models.Index(fields=["territory", "kind", "name"], name="partner_kind_idx")]

    def __str__(self) -> str:
        return self.name

    def service_list(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.services.splitlines() if line.strip(" -•\t")]


class PartnerContact(models.Model):
    """A person to contact at a partner; with a user account (PARTNER role) they see its introductions."""

    partner = models.ForeignKey(Partner, models.CASCADE, related_name="contacts", verbose_name=_("partner"))
    full_name = models.CharField(_("full name"), max_length=150)
    function = models.CharField(_("function"), max_length=120, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_contacts",
        verbose_name=_("user account"),
    )

    class Meta:
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")
        ordering = ["partner", "full_name"]

    def __str__(self) -> str:
        return self.full_name


class IntroductionQuerySet(models.QuerySet):
    def addressed_to(self, user) -> IntroductionQuerySet:
        """Introductions a member or a partner's contact may see: only those addressed to them."""
        return self.filter(Q(member__user=user) | Q(partner__contacts__user=user)).distinct()


class Answer(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Introduction(models.Model):
    """A prospect put in touch with a club member or a partner, for a purpose (mise en relation).

    Both sides answer. The introduced party sees the prospect's name, the purpose and only the contact details the
    prospect chose to give when accepting — never the prospect's file. A mentoring introduction lasts months, with
    check-ins."""

    class Kind(models.TextChoices):
        INTRODUCTION = "introduction", _("Introduction")
        MENTORING = "mentoring", _("Mentoring")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted by both sides")
        DECLINED = "declined", _("Declined")
        MET = "met", _("They met")
        CLOSED = "closed", _("Closed, with its outcome")

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="introductions", verbose_name=_("territory"))
    household = models.ForeignKey(
        "prospects.Household", models.CASCADE, related_name="introductions", verbose_name=_("prospect")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INTRODUCTION)
    member = models.ForeignKey(
        MemberProfile,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="introductions",
        verbose_name=_("club member"),
    )
    partner = models.ForeignKey(
        Partner, models.CASCADE, null=True, blank=True, related_name="introductions", verbose_name=_("partner")
    )
    purpose = models.TextField(_("purpose"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    prospect_answer = models.CharField(
        _("prospect's answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING
    )
    prospect_answered_at = models.DateTimeField(null=True, blank=True)
    party_answer = models.CharField(
        _("answer of the person introduced"), max_length=10, choices=Answer.choices, default=Answer.PENDING
    )
    party_answered_at = models.DateTimeField(null=True, blank=True)
    party_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the introduced party may see of the prospect, copied when the prospect accepts.
    prospect_name = models.CharField(_("prospect's name"), max_length=170, blank=True)
    shared_email = models.EmailField(_("email given"), blank=True)
    shared_phone = models.CharField(_("phone given"), max_length=40, blank=True)
    prospect_language = models.CharField(max_length=8, default="fr")
    met_on = models.DateField(_("met on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    months = models.PositiveSmallIntegerField(
        _("duration (months)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    ends_on = models.DateField(_("mentoring ends on"), null=True, blank=True)
    check_in_every_days = models.PositiveSmallIntegerField(
        _("check-in every (days)"), default=30, validators=[MinValueValidator(7), MaxValueValidator(120)]
    )
    next_check_in_on = models.DateField(_("next check-in"), null=True, blank=True, db_index=True)
    check_in_reminded_for = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("introduced by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = IntroductionQuerySet.as_manager()

    class Meta:
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, partner__isnull=True) | Q(member__isnull=True, partner__isnull=False),
                name="introduction_one_party",
            ),
        ]
        indexes = [
            models.Index(fields=["territory", "status", "-created_at"], name="introduction_status_idx"),
            models.Index(fields=["household", "-created_at"], name="introduction_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.party_name}"

    @property
    def party_name(self) -> str:
        return str(self.member or self.partner)

    @property
    def is_mentoring(self) -> bool:
        return self.kind == self.Kind.MENTORING

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.ACCEPTED, self.Status.MET)

    def settle_status(self) -> bool:
        """Status from the two answers; True when both sides have just accepted."""
        if Answer.DECLINED in (self.prospect_answer, self.party_answer):
            self.status = self.Status.DECLINED
        elif self.prospect_answer == self.party_answer == Answer.ACCEPTED and self.status == self.Status.PROPOSED:
            self.status = self.Status.ACCEPTED
            if self.is_mentoring:
                today = timezone.localdate()
                self.ends_on = today + timedelta(days=round(30.4 * (self.months or 6)))
                self.next_check_in_on = today + timedelta(days=self.check_in_every_days)
            return True
        return False


class CheckIn(models.Model):
    """A mentoring check-in: how the newcomer is doing, recorded by the mentor or the advisor."""

    introduction = models.ForeignKey(
        Introduction, models.CASCADE, related_name="check_ins", verbose_name=_("introduction")
    )
    held_on = models.DateField(_("date"), default=timezone.localdate)
    note = models.TextField(_("how it goes"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on}"
