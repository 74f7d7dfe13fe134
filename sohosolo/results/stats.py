"""The programme's figures, computed from the records each time (no counter kept by hand).

Every figure is a query over the prospects' files, their dated timeline entries, the events and the roles, so that
correcting a record corrects the figures. The definitions shown next to each figure in the dashboard and the report
are the `DEFINITIONS` below: keep them in step with the code.
"""

from __future__ import annotations

import calendar
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.committees.stats import activity_by_village
from sohosolo.events.models import Event, Kind, Registration
from sohosolo.lib.text import fold
from sohosolo.network.stats import club_size as network_club_size
from sohosolo.prospects.models import Activity, Household, Interaction, Source, Stage, end_of_day
from sohosolo.territory.communes import regions_of_towns
from sohosolo.territory.models import Commune, Goal, Territory, Village

# The funnel's steps, in order; a file that reached a step also went through the ones before.
FUNNEL = [Stage.NEW, Stage.FIRST_INTERVIEW, Stage.FOLLOW_UP, Stage.VISIT, Stage.SETTLED]

DEFINITIONS = {
    "new_contacts": _("Files whose first contact is dated within the period, whatever became of them."),
    "followed_now": _("Files at the stages new, first interview, active follow-up or visit today."),
    "followed_end": _(
        "Files first contacted by the last day of the period and not settled, put on hold or dropped by then "
        "(read from the dated stage changes of their timelines)."
    ),
    "settled": _(
        "Households whose settling date falls within the period; people: the number of people settled that was "
        "recorded for each."
    ),
    "goal": _(
        "The year's goal set by the programme's managers. Projection: the families settled so far, divided by "
        "the days gone and multiplied by the days of the year."
    ),
    "funnel": _(
        "Of the files first contacted within the period, how many reached each stage to date (current stage or "
        "an earlier stage change); the rate is the share of the step before."
    ),
    "median_days": _(
        "Median number of days between the first contact and the settling date of the households "
        "settled within the period."
    ),
    "breakdowns": _(
        "New contacts of the period by how they heard of the programme, by activity and by where they live; the "
        "French region is that of the commune of the town they gave."
    ),
    "villages": _(
        "Per partner village: new contacts of the period interested in it, households settled in its commune "
        "within the period, its committee's meetings held, the referrals it received, the visits it held (not "
        "cancelled, already past) and the welcome actions done (checklist items ticked, settling follow-ups recorded)."
    ),
    "events": _("Events held within the period (not cancelled); attendance: people marked present, walk-ins included."),
    "club": _(
        "Members of the territory's club at the period's end (today for a period not over): they had joined by then "
        "and not left; applications waiting or refused do not count."
    ),
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def is_year(self) -> bool:
        return (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) and (
            self.start.year == self.end.year
        )

    @property
    def previous(self) -> Period:
        """The year before for a year; otherwise the same span just before."""
        if self.is_year:
            return Period.year(self.start.year - 1)
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        return Period(end - length, end)

    def months(self) -> list[tuple[int, int]]:
        out, (y, m) = [], (self.start.year, self.start.month)
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def followed_at(territory: Territory, day: date):
    return Household.objects.filter(territory=territory).followed_at(day)


@dataclass
class Row:
    label: str
    value: int
    extra: int | None = None  # a second number (people, attendance …)

    @property
    def pair(self) -> tuple[str, int]:
        return self.label, self.value


@dataclass
class Step:
    label: str
    count: int
    rate: float | None  # share of the step before, in %


@dataclass
class VillageActivity:
    village: Village
    interested: int = 0
    settled: int = 0
    people: int = 0
    meetings: int = 0
    referrals: int = 0
    visits: int = 0
    actions_done: int = 0


@dataclass
class KeyFigures:
    new_contacts: int
    settled_families: int
    settled_people: int
    followed_end: int


@dataclass
class Results:
    territory: Territory
    period: Period
    today: date
    key: KeyFigures
    previous: KeyFigures
    followed_now: int
    contacts_by_month: list[Row]
    contacts_by_year: list[Row]
    settled_by_year: list[Row]
    goal: Goal | None
    projection: int | None
    funnel: list[Step]
    median_days: int | None
    sources: list[Row]
    activities: list[Row]
    countries: list[Row]
    regions: list[Row]
    settled_communes: list[tuple[Commune, int, int]]
    villages: list[VillageActivity]
    events: list[Row]
    club_size: int
    definitions: dict = field(default_factory=lambda: DEFINITIONS)

    @property
    def goal_progress(self) -> int | None:
        if not self.goal or not self.goal.families_settled:
            return None
        return round(100 * self.key.settled_families / self.goal.families_settled)

    @property
    def contacts_progress(self) -> int | None:
        if not self.goal or not self.goal.contacts:
            return None
        return round(100 * self.key.new_contacts / self.goal.contacts)


# --- One figure each ------------------------------------------------------------------------------------------------


def households(territory: Territory):
    return Household.objects.filter(territory=territory)


def key_figures(territory: Territory, period: Period) -> KeyFigures:
    qs = households(territory)
    settled = qs.filter(settled_on__range=(period.start, period.end)).aggregate(
        n=Count("pk"), people=Sum("settled_people")
    )
    return KeyFigures(
        new_contacts=qs.filter(first_contact_on__range=(period.start, period.end)).count(),
        settled_families=settled["n"],
        settled_people=settled["people"] or 0,
        followed_end=followed_at(territory, period.end).count(),
    )


def contacts_by_month(territory: Territory, period: Period) -> list[Row]:
    rows = (
        households(territory)
        .filter(first_contact_on__range=(period.start, period.end))
        .annotate(y=ExtractYear("first_contact_on"), m=ExtractMonth("first_contact_on"))
        .values_list("y", "m")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(y, m): n for y, m, n in rows}
    many_years = period.start.year != period.end.year
    return [
        Row(f"{month_name(m)} {y}" if many_years else month_name(m), counts.get((y, m), 0)) for y, m in period.months()
    ]


def month_name(month: int) -> str:
    from django.utils.dates import MONTHS_AP

    # "Janv.", "Juin", "Juil." in French; "Jan.", "June", "July" in English: never two months alike.
    return str(MONTHS_AP[month]).capitalize()


def by_year(territory: Territory, date_field: str, last_year: int, people: bool = False) -> list[Row]:
    """A count per calendar year from the territory's first year to `last_year` (people summed if asked)."""
    rows = (
        households(territory)
        .filter(**{f"{date_field}__isnull": False, f"{date_field}__year__lte": last_year})
        .annotate(y=ExtractYear(date_field))
        .values_list("y")
        .annotate(n=Count("pk"), p=Sum("settled_people"))
        .order_by()
    )
    counts = {y: (n, p or 0) for y, n, p in rows}
    if not counts:
        return []
    return [
        Row(str(y), counts.get(y, (0, 0))[0], counts.get(y, (0, 0))[1] if people else None)
        for y in range(min(counts), last_year + 1)
    ]


def projection(settled: int, period: Period, today: date) -> int | None:
    """Families settled by the end of the year at the pace so far; the actual figure once the year is over."""
    if not period.is_year or today < period.start:
        return None
    if today > period.end:
        return settled
    days = 366 if calendar.isleap(period.start.year) else 365
    gone = (today - period.start).days + 1
    return round(settled * days / gone)


def funnel(territory: Territory, period: Period) -> list[Step]:
    cohort = households(territory).filter(first_contact_on__range=(period.start, period.end))
    aggregates = {}
    for i, stage in enumerate(FUNNEL):
        later = [str(s) for s in FUNNEL[i:]]
        passed = Interaction.objects.filter(household=OuterRef("pk"), kind=Interaction.Kind.STAGE).filter(
            Q(data__from__in=later) | Q(data__to__in=later)
        )
        condition = Q(stage__in=later) | Q(Exists(passed)) if i else Q(pk__isnull=False)
        aggregates[stage.value] = Count("pk", filter=condition)
    counts = cohort.aggregate(**aggregates)
    steps, before = [], None
    for stage in FUNNEL:
        n = counts[stage.value]
        rate = round(100 * n / before, 1) if before else None
        steps.append(Step(str(stage.label), n, rate))
        before = n
    return steps


def breakdown(qs, field_name: str, choices=None, blank_label: str | None = None) -> list[Row]:
    labels = dict(choices) if choices else {}
    rows = qs.values_list(field_name).annotate(n=Count("pk")).order_by("-n", field_name)
    out = []
    for value, n in rows:
        label = labels.get(value, value) if value else (blank_label or _("Not given"))
        out.append(Row(str(label), n))
    return out


def regions(contacts) -> list[Row]:
    """French contacts by region: the region of the commune named like their town (several communes may share a
    name: a metropolitan one before an overseas one, then the most populous), or for an anonymised file the region
    kept when its town was erased; "Not known" when none matches."""
    french = contacts.filter(current_country__iexact="France")
    counts: Counter[str] = Counter()
    kept = french.exclude(residence_region="").values_list("residence_region").annotate(n=Count("pk")).order_by()
    for region, n in kept:
        counts[region] += n
    towns = Counter(
        dict(french.filter(residence_region="").values_list("current_town").annotate(n=Count("pk")).order_by())
    )
    region_of = regions_of_towns(towns)
    for town, n in towns.items():
        counts[region_of.get(fold(town or ""), str(_("Not known")))] += n
    return [Row(label, n) for label, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def settled_rows(territory: Territory, period: Period) -> list[tuple[date, date, int, str]]:
    return list(
        households(territory)
        .filter(settled_on__range=(period.start, period.end))
        .values_list("first_contact_on", "settled_on", "settled_people", "settled_commune_id")
    )


def median_days(rows: list[tuple[date, date, int, str]]) -> int | None:
    days = [(settled - first).days for first, settled, _p, _c in rows if first and settled]
    return round(statistics.median(days)) if days else None


def events_held(territory: Territory, period: Period, now: datetime) -> list[Row]:
    """Per kind: events held in the period (started, not cancelled) and the people marked present."""
    held = Event.objects.filter(
        territory=territory,
        cancelled=False,
        starts_at__gte=end_of_day(period.start) - timedelta(days=1),
        starts_at__lt=min(end_of_day(period.end), now),
    )
    counts = dict(held.values_list("kind").annotate(n=Count("pk")).order_by())
    present = dict(
        Registration.objects.filter(event__in=held, attendance=Registration.Attendance.PRESENT)
        .values_list("event__kind")
        .annotate(n=Sum("people"))
        .order_by()
    )
    return [
        Row(str(kind.label), counts.get(kind.value, 0), present.get(kind.value, 0) or 0)
        for kind in Kind
        if counts.get(kind.value) or kind == Kind.INFO_MEETING
    ]


def committees_activity(
    territory: Territory, period: Period, settled: list, now: datetime | None = None
) -> list[VillageActivity]:
    """The partner villages' activity in the period. Other apps may add their own columns (referrals, visits,
    welcome actions) to the VillageActivity rows from their own stats module."""
    villages = list(Village.objects.filter(territory=territory).select_related("commune").order_by("name"))
    rows = {v.pk: VillageActivity(v) for v in villages}
    interested = (
        Village.objects.filter(pk__in=rows)
        .annotate(
            n=Count(
                "interested_households",
                filter=Q(interested_households__first_contact_on__range=(period.start, period.end)),
            )
        )
        .values_list("pk", "n")
    )
    for pk, n in interested:
        rows[pk].interested = n
    meetings = (
        Event.objects.filter(
            village__in=villages,
            kind=Kind.COMMITTEE,
            cancelled=False,
            starts_at__gte=end_of_day(period.start) - timedelta(days=1),
            starts_at__lt=min(end_of_day(period.end), now or timezone.now()),
        )
        .values_list("village")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for pk, n in meetings:
        rows[pk].meetings = n
    by_commune = {v.commune_id: rows[v.pk] for v in villages}
    for _first, _settled, people, commune_id in settled:
        if commune_id in by_commune:
            by_commune[commune_id].settled += 1
            by_commune[commune_id].people += people or 0
    # What the committees recorded: referrals received, visits held, welcome actions done (sohosolo/committees).
    for pk, work in activity_by_village(territory, period.start, period.end).items():
        if pk in rows:
            rows[pk].referrals = work["referrals"]
            rows[pk].visits = work["visits"]
            rows[pk].actions_done = work["actions_done"]
    return list(rows.values())


def club_size(territory: Territory, period: Period) -> int:
    """Club members at the period's end, or today if the period is not over (sohosolo/network)."""
    return network_club_size(territory, min(period.end, timezone.localdate()))


def settled_communes(rows: list) -> list[tuple[Commune, int, int]]:
    per: dict[str, list[int]] = {}
    for _first, _settled, people, commune_id in rows:
        if commune_id:
            n, p = per.get(commune_id, [0, 0])
            per[commune_id] = [n + 1, p + (people or 0)]
    communes = Commune.objects.filter(pk__in=per).only("insee_code", "name")
    return sorted(((c, *per[c.pk]) for c in communes), key=lambda item: (-item[1], item[0].name))


# --- All of them ----------------------------------------------------------------------------------------------------


def compute(territory: Territory, period: Period, today: date | None = None) -> Results:
    today = today or timezone.localdate()
    now = timezone.now()
    qs = households(territory)
    contacts = qs.filter(first_contact_on__range=(period.start, period.end))
    key = key_figures(territory, period)
    settled = settled_rows(territory, period)
    goal = Goal.objects.filter(territory=territory, year=period.end.year).first() if period.is_year else None
    last_year = period.end.year
    return Results(
        territory=territory,
        period=period,
        today=today,
        key=key,
        previous=key_figures(territory, period.previous),
        followed_now=qs.followed_now().count(),
        contacts_by_month=contacts_by_month(territory, period),
        contacts_by_year=by_year(territory, "first_contact_on", last_year),
        settled_by_year=by_year(territory, "settled_on", last_year, people=True),
        goal=goal,
        projection=projection(key.settled_families, period, today),
        funnel=funnel(territory, period),
        median_days=median_days(settled),
        sources=breakdown(contacts, "source", Source.choices),
        activities=breakdown(contacts, "activity", Activity.choices),
        countries=breakdown(contacts, "current_country"),
        regions=regions(contacts),
        settled_communes=settled_communes(settled),
        villages=committees_activity(territory, period, settled, now),
        events=events_held(territory, period, now),
        club_size=club_size(territory, period),
    )
