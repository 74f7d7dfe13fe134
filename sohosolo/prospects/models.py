"""Prospects: the households considering settling, their members, their timeline and the follow-ups.

A household's file belongs to one territory. Stages follow SPEC.md: new → first interview → active follow-up → visit or
discovery stay → settled; or on hold / dropped, each with a reason.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, connections, models, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.audit.log import log_action
from sohosolo.lib.storage import private_storage
from sohosolo.lib.text import fold, name_key, phone_key
from sohosolo.privacy.models import Consent
from sohosolo.territory.models import Commune, Territory, Village


class Stage(models.TextChoices):
    NEW = "new", _("New")
    FIRST_INTERVIEW = "first_interview", _("First interview")
    FOLLOW_UP = "follow_up", _("Active follow-up")
    VISIT = "visit", _("Visit or discovery stay")
    SETTLED = "settled", _("Settled")
    ON_HOLD = "on_hold", _("On hold")
    DROPPED = "dropped", _("Dropped")


# Stages that need a reason, and the stages where a file is "followed now".
STAGES_WITH_REASON = {Stage.ON_HOLD, Stage.DROPPED}
FOLLOWED_STAGES = {Stage.NEW, Stage.FIRST_INTERVIEW, Stage.FOLLOW_UP, Stage.VISIT}
CLOSED_STAGES = (Stage.SETTLED, Stage.ON_HOLD, Stage.DROPPED)  # a file at one of these is no longer followed


class Activity(models.TextChoices):
    REMOTE_EMPLOYEE = "remote_employee", _("Remote employee")
    FREELANCER = "freelancer", _("Freelancer")
    CREATION = "creation", _("Business creation")
    TAKEOVER = "takeover", _("Business takeover")
    CRAFT = "craft", _("Craft")
    ART = "art", _("Art")
    CONSULTING = "consulting", _("Consulting")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    WEBSITE = "website", _("Our website")
    SEARCH = "search", _("A search engine")
    PRESS = "press", _("Press, radio or television")
    SOCIAL = "social", _("Social networks")
    FAIR = "fair", _("A fair or show")
    WORD_OF_MOUTH = "word_of_mouth", _("Friends or family")
    PARTNER = "partner", _("A partner (chamber, bank, accountant…)")
    VILLAGE = "village", _("A partner village")
    MEETING = "meeting", _("An information meeting")
    OTHER = "other", _("Other")


class Timeline(models.TextChoices):
    SOON = "6_months", _("Within 6 months")
    YEAR = "1_year", _("Within a year")
    TWO_YEARS = "2_years", _("Within two years")
    LATER = "later", _("Later, or not decided")


class Tenure(models.TextChoices):
    RENT = "rent", _("Rent")
    BUY = "buy", _("Buy")
    EITHER = "either", _("Rent or buy")


class HousingType(models.TextChoices):
    HOUSE = "house", _("House")
    APARTMENT = "apartment", _("Apartment")
    ANY = "any", _("Either")


class VillageSize(models.TextChoices):
    SMALL = "small", _("A small village (fewer than 500 inhabitants)")
    MEDIUM = "medium", _("A village with shops (500 to 2,000)")
    LARGE = "large", _("A small town (more than 2,000)")
    ANY = "any", _("No preference")


class Tag(models.Model):
    territory = models.ForeignKey(Territory, models.CASCADE, related_name="tags", verbose_name=_("territory"))
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["territory", "name"], name="tag_unique_per_territory")]

    def __str__(self) -> str:
        return self.name


# What a household tells of its project (the application form asks for them; a merge may take them from either file).
PROJECT_FIELDS = [
    "activity",
    "sector",
    "current_country",
    "current_town",
    "timeline",
    "tenure",
    "housing_type",
    "rooms",
    "budget",
    "max_distance_km",
    "village_size",
    "needs_broadband",
    "needs_coworking",
    "needs_school",
    "needs_childcare",
    "needs_partner_job",
    "needs_health_care",
    "source",
    "project",
]


def end_of_day(day: date) -> datetime:
    """The instant `day` ends in Paris (the programme's day, whatever the server's time zone)."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(settings.TIME_ZONE)) + timedelta(days=1)


def in_work(prefix: str = "") -> Q:
    """The files still in the work: an anonymised file (erasure, retention) is out of every list, search and page.
    `prefix` reaches the household from a related record, e.g. `in_work("household__")`."""
    return Q(**{f"{prefix}anonymised_at__isnull": True})


def main_contact_prefetch(prefix: str = "") -> models.Prefetch:
    """Each household's main contact as `household.main_contacts` (a list of one, or empty), one query for a whole
    page; `main_contact` and `display_name` read it. `prefix` reaches the household, e.g. "household__"."""
    return models.Prefetch(
        f"{prefix}members", queryset=Person.objects.filter(is_main_contact=True), to_attr="main_contacts"
    )


class HouseholdQuerySet(models.QuerySet):
    def current(self) -> HouseholdQuerySet:
        """The files still in the work (not anonymised): see in_work()."""
        return self.filter(in_work())

    def followed_now(self) -> HouseholdQuerySet:
        # An anonymised file (erasure, retention) is no longer followed, whatever its last stage.
        return self.current().filter(stage__in=FOLLOWED_STAGES)

    def followed_at(self, day: date) -> HouseholdQuerySet:
        """Files followed at the end of `day` (the one definition, for the dashboard, the report and the demo's
        checks): first contacted by then, and whose latest stage change by then (if any) does not close the file; a
        settling date on or before `day` also closes it (a settling recorded afterwards, or a file imported as
        settled)."""
        latest = Interaction.objects.filter(
            household=OuterRef("pk"), kind=Interaction.Kind.STAGE, occurred_at__lt=end_of_day(day)
        ).order_by("-occurred_at", "-pk")
        return (
            self.filter(first_contact_on__lte=day)
            .annotate(stage_then=Subquery(latest.annotate(to=KT("data__to")).values("to")[:1]))
            .filter(Q(stage_then__isnull=True) | ~Q(stage_then__in=CLOSED_STAGES))
            .exclude(settled_on__lte=day)
        )

    def sharing_consented(self) -> HouseholdQuerySet:
        """Files whose latest answer about sharing with the village committees is a yes, not withdrawn."""
        # The latest answer about sharing decides, as privacy.consents.has_consent does.
        latest = Consent.objects.filter(household=OuterRef("pk"), purpose=Consent.Purpose.SHARING).order_by(
            "-recorded_at", "-pk"
        )
        return (
            self.current()
            .annotate(latest_sharing=Subquery(latest.values("pk")[:1]))
            .filter(consents__pk=F("latest_sharing"), consents__given=True, consents__withdrawn_at__isnull=True)
        )

    def with_main_contact(self) -> HouseholdQuerySet:
        """Each household with `main_contacts`, its main contact in a list: one query for a whole page."""
        return self.prefetch_related(main_contact_prefetch())

    def search(self, text: str, territory=None) -> HouseholdQuerySet:
        """Every word must appear in the names, emails, phones, towns or notes; accents and case ignored. The first
        SEARCH_WORDS words count, each cut at 60 characters: a person's search, never a query too large to run. A
        phone number, however written, finds the files of the people with that number.

        The words are looked up in an index first (SQLite's full-text table, PostgreSQL's trigram index), in one
        query without order: when they match at most SEARCH_CANDIDATES files of the queryset, the search is over
        those; more, and the words are so common that the list's order finds a page of them at once. Searching in
        one `territory` (the queryset must be of it), SQLite's index is asked for that territory's files only."""
        text = text[:2000]
        key = phone_key(text) if PHONE_LIKE.fullmatch(text.strip()) else ""
        if key:
            return self.filter(pk__in=Person.objects.filter(phone_key=key).values("household_id"))
        words = [word[:60] for word in fold(text).split()[:SEARCH_WORDS]]
        qs = self
        for word in words:
            qs = qs.filter(search_text__contains=word)
        indexed = [word for word in words if len(word) >= 3]  # an index of trigrams needs three letters
        if not indexed:
            return qs
        if connection.vendor == "sqlite":
            if not has_search_table():
                return qs
            phrase = " AND ".join('"{}"'.format(word.replace('"', '""')) for word in indexed)
            if territory is not None:
                phrase += f' AND "⟦{territory.pk}⟧"'  # the territory's marker in the index (migration 0018)
            matching = RawSQL(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s", [phrase])
            candidates = qs.filter(pk__in=matching)
            # The index answers for one territory at once: a few of its files are given by number, more are left to
            # the index inside each query (thousands of numbers would cost more to send than to find again).
            ids = list(candidates.order_by().values_list("pk", flat=True)[: SEARCH_IDS_GIVEN + 1])
            return qs.filter(pk__in=ids) if len(ids) <= SEARCH_IDS_GIVEN else candidates
        ids = list(qs.order_by().values_list("pk", flat=True)[: SEARCH_CANDIDATES + 1])
        if len(ids) > SEARCH_CANDIDATES:
            return qs
        return qs.filter(pk__in=ids)


SEARCH_WORDS = 12
SEARCH_CANDIDATES = 10_000
SEARCH_IDS_GIVEN = 500  # SQLite: up to this many files found are given by number to the list's queries
SEARCH_TABLE = "prospects_household_fts"  # SQLite's full-text index of the search text (migrations 0016, 0018)
PHONE_LIKE = re.compile(r"\+?[0-9][0-9 .()/-]{7,}")


@functools.cache
def _search_table_in(alias: str, name: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [SEARCH_TABLE])
        return cursor.fetchone() is not None


def has_search_table() -> bool:
    """Whether this SQLite database has the full-text table (an SQLite built without FTS5 has none)."""
    return _search_table_in(connection.alias, str(connection.settings_dict["NAME"]))


class Household(models.Model):
    """A household considering settling (a prospect's file)."""

    territory = models.ForeignKey(Territory, models.PROTECT, related_name="households", verbose_name=_("territory"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.NEW, db_index=True)
    stage_reason = models.CharField(_("reason"), max_length=300, blank=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("advisor"),
    )
    source = models.CharField(_("how they heard of us"), max_length=20, choices=Source.choices, blank=True)
    activity = models.CharField(_("activity"), max_length=20, choices=Activity.choices, blank=True)
    sector = models.CharField(_("sector"), max_length=120, blank=True)
    current_country = models.CharField(_("country of residence"), max_length=80, blank=True)
    current_town = models.CharField(_("town of residence"), max_length=120, blank=True)
    # Set when the file is anonymised: the region of the town, so that the results by region stay the same.
    residence_region = models.CharField(_("region of residence"), max_length=80, blank=True, editable=False)
    timeline = models.CharField(_("when they plan to move"), max_length=10, choices=Timeline.choices, blank=True)
    tenure = models.CharField(_("rent or buy"), max_length=10, choices=Tenure.choices, blank=True)
    housing_type = models.CharField(_("type of home"), max_length=10, choices=HousingType.choices, blank=True)
    rooms = models.PositiveSmallIntegerField(
        _("rooms"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    budget = models.PositiveIntegerField(
        _("budget (€)"), null=True, blank=True, help_text=_("Monthly rent, or purchase price.")
    )
    villages_of_interest = models.ManyToManyField(
        Village, blank=True, related_name="interested_households", verbose_name=_("partner villages of interest")
    )
    max_distance_km = models.PositiveSmallIntegerField(
        _("largest distance to a town, station or airport (km)"), null=True, blank=True
    )
    village_size = models.CharField(_("village size"), max_length=10, choices=VillageSize.choices, blank=True)
    needs_broadband = models.BooleanField(_("good broadband"), default=False)
    needs_coworking = models.BooleanField(_("coworking space"), default=False)
    needs_school = models.BooleanField(_("school"), default=False)
    needs_childcare = models.BooleanField(_("childcare"), default=False)
    needs_partner_job = models.BooleanField(_("a job for a partner"), default=False)
    needs_health_care = models.BooleanField(_("health care"), default=False)
    project = models.TextField(_("their project, in their words"), blank=True)
    notes = models.TextField(_("team's notes"), blank=True)
    notes_for_committee = models.TextField(
        _("notes for the village committees"),
        blank=True,
        help_text=_("Shown to the committees the household agreed to."),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")
    tags = models.ManyToManyField(Tag, blank=True, related_name="households", verbose_name=_("tags"))
    first_contact_on = models.DateField(_("first contact"), default=timezone.localdate, db_index=True)
    last_contact_on = models.DateField(_("last contact"), default=timezone.localdate, db_index=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True, db_index=True)
    settled_commune = models.ForeignKey(
        Commune, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("settled in")
    )
    settled_people = models.PositiveSmallIntegerField(_("people settled"), null=True, blank=True)
    external_ref = models.CharField(
        _("reference in an imported file"),
        max_length=100,
        blank=True,
        help_text=_("The file's number or id in the spreadsheet it was imported from: importing it again updates it."),
    )
    possible_duplicate = models.BooleanField(
        _("to check: possible duplicate"), default=False, help_text=_("A new application matched this file.")
    )
    search_text = models.TextField(editable=False, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised on"), null=True, blank=True)
    # Raised by each save of the edit form: a form opened on an older version is refused instead of overwriting.
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")
        ordering = ["-last_contact_on", "-pk"]
        indexes = [
            # The list's and the board's orders, on the files in the work (keyset pagination walks them).
            models.Index(
                fields=["territory", "-last_contact_on", "-id"], condition=in_work(), name="household_list_idx"
            ),
            models.Index(
                fields=["territory", "stage", "-last_contact_on", "-id"],
                condition=in_work(),
                name="household_stage_list_idx",
            ),
            models.Index(
                fields=["territory", "advisor", "-last_contact_on", "-id"],
                condition=in_work(),
                name="household_advisor_list_idx",
            ),
            models.Index(
                fields=["territory", "-first_contact_on", "-id"], condition=in_work(), name="household_first_list_idx"
            ),
            models.Index(fields=["territory", "advisor", "stage"], name="household_advisor_idx"),
            models.Index(fields=["territory", "stage", "-created_at"], name="household_new_idx"),  # "My day"
            models.Index(fields=["territory", "-first_contact_on"], name="household_first_idx"),
            models.Index(
                fields=["territory", "external_ref"], condition=~Q(external_ref=""), name="household_external_ref_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage__in=["on_hold", "dropped"]) | ~Q(stage_reason=""), name="household_reason_needed"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("prospects:detail", args=[self.territory.code, self.pk])

    @property
    def display_name(self) -> str:
        main = self.main_contact
        return main.full_name if main else _("Household %(number)s") % {"number": self.pk}

    @property
    def main_contact(self) -> Person | None:
        """From `main_contacts` (with_main_contact, main_contact_prefetch) or all the members prefetched; otherwise
        read once and kept on this instance."""
        contacts = self.__dict__.get("main_contacts")
        if contacts is None:
            members = getattr(self, "_prefetched_objects_cache", {}).get("members")
            if members is not None:
                return next((m for m in members if m.is_main_contact), None)
            contacts = self.main_contacts = list(self.members.filter(is_main_contact=True)[:1])
        return contacts[0] if contacts else None

    @property
    def is_followed(self) -> bool:
        return self.stage in FOLLOWED_STAGES

    def field_display(self, name: str):
        """A field's value as people read it: the label of a choice, in the current language."""
        field = self._meta.get_field(name)
        return getattr(self, f"get_{name}_display")() if field.choices else getattr(self, name)

    def record(
        self, kind: str, summary: str, *, author=None, occurred_at=None, data: dict | None = None,
        contact_on: date | None = None, search: bool = False,
    ) -> Interaction:  # fmt: skip
        """Write one entry of the file's timeline: the one way to do it. `contact_on` is the day of a contact with
        the household, which moves its last contact forward (never back); with `search` the entry's words are
        searchable at once (the search text is rebuilt). The caller logs the act (log_action) as a whole."""
        entry = Interaction.objects.create(
            household=self,
            kind=kind,
            summary=summary,
            author=author,
            occurred_at=occurred_at or timezone.now(),
            data=data or {},
        )
        if contact_on is not None:
            later = Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=contact_on)
            if Household.objects.filter(later, pk=self.pk).update(last_contact_on=contact_on):
                self.last_contact_on = contact_on
        if search:
            self.refresh_search_text()
        return entry

    SEARCHED_ENTRIES = 50  # the latest timeline entries the search looks into

    def build_search_text(self, members, summaries, folding=fold) -> str:
        """The accent- and case-free text that the list's search looks into, from the members and the latest
        timeline summaries given (newest first): the one recipe, for the file, the importer and the demo, which
        have them in memory. `folding` may be a cached fold()."""
        parts = [self.current_town, self.current_country, self.sector, self.notes, self.project]
        for member in members:
            parts += [member.first_name, member.last_name, member.email, member.phone, member.phone_key]
        parts += list(summaries)[: self.SEARCHED_ENTRIES]
        # fold() part by part: the same result as folding the whole text
        return " ".join(folded for p in parts if p and (folded := folding(p)))

    def refresh_search_text(self, save: bool = True) -> None:
        latest = self.interactions.order_by("-occurred_at").values_list("summary", flat=True)
        self.search_text = self.build_search_text(self.members.all(), latest[: self.SEARCHED_ENTRIES])
        if save:
            type(self).objects.filter(pk=self.pk).update(search_text=self.search_text)

    @property
    def children_ages(self) -> list[int]:
        return sorted(m.age for m in self.members.all() if m.kind == Person.Kind.CHILD and m.age is not None)


class StageTally(models.Model):
    """How many files in the work each territory has at each stage, as rows of +n/-n written by database triggers
    on the households' table in the same transaction as the change (migration 0015): inserts only, so that two
    changes at the same moment never wait on each other. The sum of a territory's rows is its count; the periodic
    job `compact_stage_tallies` (fold_stage_tallies) folds them into one row per stage. Read it with stage_counts()."""

    # No foreign key constraint: the triggers write rows while the households of a territory being deleted go (the
    # territory's own rows may already be gone); fold_stage_tallies drops the rows of a territory that is no more.
    territory = models.ForeignKey(
        Territory, models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name=_("territory")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    n = models.IntegerField(_("files"))

    class Meta:
        verbose_name = _("count of files by stage")
        verbose_name_plural = _("counts of files by stage")
        indexes = [models.Index(fields=["territory", "stage"], name="stagetally_territory_idx")]

    def __str__(self) -> str:
        return f"{self.stage} {self.n:+d}"


def stage_counts(territory_ids) -> dict[str, int]:
    """The files in the work per stage in the territories given (ids), read from the tallies: a few rows, whatever
    the number of files."""
    rows = (
        StageTally.objects.filter(territory_id__in=territory_ids)
        .values_list("stage")
        .annotate(total=models.Sum("n"))
        .order_by()
    )
    return {stage: total for stage, total in rows if total}


def fold_stage_tallies() -> int:
    """Fold each territory's tally rows into one row per stage; returns the rows removed. Each run deletes the rows
    it reads (DELETE … RETURNING) and writes their sums back in the same transaction: rows added meanwhile by other
    transactions stay for the next run, and two runs at the same moment never count a row twice. The rows of a
    territory deleted since are dropped."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {StageTally._meta.db_table} RETURNING territory_id, stage, n")
        deleted = cursor.fetchall()
        sums: dict[tuple[int, str], int] = {}
        existing = set(Territory.objects.filter(pk__in={row[0] for row in deleted}).values_list("pk", flat=True))
        for territory_id, stage, n in deleted:
            if territory_id in existing:
                sums[territory_id, stage] = sums.get((territory_id, stage), 0) + n
        StageTally.objects.bulk_create(
            StageTally(territory_id=territory_id, stage=stage, n=n) for (territory_id, stage), n in sums.items() if n
        )
    return len(deleted) - sum(1 for n in sums.values() if n)


class Person(models.Model):
    class Kind(models.TextChoices):
        ADULT = "adult", _("Adult")
        CHILD = "child", _("Child")

    household = models.ForeignKey(Household, models.CASCADE, related_name="members", verbose_name=_("household"))
    kind = models.CharField(_("adult or child"), max_length=10, choices=Kind.choices, default=Kind.ADULT)
    is_main_contact = models.BooleanField(_("main contact"), default=False)
    first_name = models.CharField(_("first name"), max_length=80, blank=True)
    last_name = models.CharField(_("last name"), max_length=80, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_key = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    name_key = models.CharField(max_length=170, blank=True, editable=False, db_index=True)
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["-is_main_contact", "kind", "birth_year", "pk"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        self.fill_keys()
        super().save(*args, **kwargs)

    def fill_keys(self) -> Person:
        """The forms used to find this person again (bulk_create skips save(): call it first)."""
        self.email = self.email.strip().lower()
        self.phone_key = phone_key(self.phone)
        self.name_key = name_key(f"{self.first_name} {self.last_name}")
        return self

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or str(_("(no name)"))

    @property
    def age(self) -> int | None:
        return timezone.localdate().year - self.birth_year if self.birth_year else None


class Interaction(models.Model):
    """One entry of a household's timeline."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        EMAIL = "email", _("Email")
        MEETING = "meeting", _("Meeting")
        EVENT = "event", _("Event attended")
        VISIT = "visit", _("Visit")
        NOTE = "note", _("Note")
        APPLICATION = "application", _("Application received")
        STAGE = "stage", _("Stage changed")
        REFERRAL = "referral", _("Referred to a village")
        PROPOSAL = "proposal", _("Housing proposal")
        INTRODUCTION = "introduction", _("Introduction")
        WELCOME = "welcome", _("Welcome in the village")
        PRIVACY = "privacy", _("Privacy request")

    household = models.ForeignKey(Household, models.CASCADE, related_name="interactions", verbose_name=_("household"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    summary = models.TextField(_("what happened"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    data = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["household", "-occurred_at"], name="interaction_household_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class FollowUpQuerySet(models.QuerySet):
    def open(self) -> FollowUpQuerySet:
        return self.filter(done_at__isnull=True)

    def of_welcome(self, settled_on) -> FollowUpQuerySet:
        """The open follow-ups the welcome sequence planned for the settling of `settled_on`."""
        return self.open().filter(is_welcome=True, due_on__gt=settled_on)


class FollowUp(models.Model):
    """Something to do for a household, by someone, by a date."""

    household = models.ForeignKey(Household, models.CASCADE, related_name="follow_ups", verbose_name=_("household"))
    title = models.CharField(_("what to do"), max_length=200)
    due_on = models.DateField(_("due on"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("assigned to"),
    )
    done_at = models.DateTimeField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("done by")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    is_welcome = models.BooleanField(_("planned by the welcome sequence"), default=False, editable=False)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["done_at", "due_on", "pk"]
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_on"], name="followup_assignee_due_idx"),
            # "My day": someone's open follow-ups by due date.
            models.Index(
                fields=["assignee", "due_on", "id"], condition=Q(done_at__isnull=True), name="followup_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def mark_done(self, actor, log: bool = True) -> bool:
        """Done now, by `actor`, once: a second click, a second tab or a committee's report at the same moment
        changes nothing. Logged unless the caller logs the whole act itself. Returns whether it was still open."""
        now = timezone.now()
        if not FollowUp.objects.filter(pk=self.pk, done_at__isnull=True).update(done_at=now, done_by=actor):
            return False
        self.done_at, self.done_by = now, actor
        if log:
            log_action(actor, "prospect.follow_up_done", self.household, {"title": self.title})
        return True

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()


class FileNewsQuerySet(models.QuerySet):
    def unread(self) -> FileNewsQuerySet:
        return self.filter(read_at__isnull=True)


class FileNews(models.Model):
    """Something that happened on a household's file without its advisor: told in "My day" (and, if they choose,
    in one daily email) until they open the file. Stored as a code and its parameters, worded when shown."""

    class Kind(models.TextChoices):
        PROPOSAL_ANSWERED = "proposal_answered", _("Answered a housing proposal")
        REGISTERED = "registered", _("Registered for an event")
        REGISTRATION_CANCELLED = "registration_cancelled", _("Cancelled a registration")
        VISIT_RECORDED = "visit_recorded", _("A volunteer recorded a visit")
        DOCUMENT_ADDED = "document_added", _("Added a document")
        APPOINTMENT_CANCELLED = "appointment_cancelled", _("Cancelled an appointment")
        INTRODUCTION_ANSWERED = "introduction_answered", _("Answered an introduction")

    household = models.ForeignKey(Household, models.CASCADE, related_name="news", verbose_name=_("household"))
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="file_news", verbose_name=_("advisor")
    )
    kind = models.CharField(_("what happened"), max_length=30, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    read_at = models.DateTimeField(_("read on"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed on"), null=True, blank=True)

    objects = FileNewsQuerySet.as_manager()

    class Meta:
        verbose_name = _("news on a file")
        verbose_name_plural = _("news on the files")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["advisor", "read_at", "-created_at"], name="filenews_advisor_unread_idx"),
            models.Index(fields=["household", "read_at"], name="filenews_household_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def text(self) -> str:
        """The news worded in the reader's (active) language, with its parameters."""
        detail = self.data.get("detail", "")
        label = str(self.get_kind_display())
        return _("%(what)s: %(detail)s") % {"what": label, "detail": detail} if detail else label


class SentForm(models.Model):
    """A public form already sent: its signed start token may be used once, so that a double click, a reload after
    sending or a replayed request files one application, not two."""

    token_hash = models.CharField(max_length=64, unique=True)
    answers_hash = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form sent")
        verbose_name_plural = _("forms sent")

    def __str__(self) -> str:
        return self.token_hash[:12]


def import_path(instance: ImportJob, filename: str) -> str:
    return f"imports/{instance.territory.code}/{filename}"


class ImportJob(models.Model):
    """An import of a spreadsheet of prospects, run by the task worker; the file is deleted once it has run."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing: import only if every row is valid")
        VALID_ONLY = "valid_only", _("Valid rows only: import them, report the others")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for the column mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="import_jobs", verbose_name=_("territory"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    file = models.FileField(_("file"), upload_to=import_path, storage=private_storage, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    values = models.JSONField(_("value mapping"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class ImportMapping(models.Model):
    """The column and value mappings last confirmed for a file of a given layout (its headers), in a territory: the
    next import of a file with the same headers starts from them."""

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="+", verbose_name=_("territory"))
    headers_key = models.CharField(max_length=40)
    headers = models.JSONField(_("headers"), default=list)
    columns = models.JSONField(_("column mapping"), default=dict, blank=True)
    values = models.JSONField(_("value mapping"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(fields=["territory", "headers_key"], name="import_mapping_unique_layout")
        ]

    def __str__(self) -> str:
        return ", ".join(self.headers)


class SavedView(models.Model):
    """A search and filters of the prospects list that someone wants to find again in one click."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="saved_views", verbose_name=_("user")
    )
    territory = models.ForeignKey(Territory, models.CASCADE, related_name="+", verbose_name=_("territory"))
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=1000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "territory", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name
