"""The programme's figures for a period: the dashboard's and the annual report's.

The figures about the files are added up from the per-day rows kept by sohosolo/results/figures.py (a few hundred
rows for a year, whatever the number of files), brought up to date first; those about events, committees and the
club are counted from their records. sohosolo/results/recount.py computes the same figures from the records: the
reference the tests compare with. The definitions shown next to each figure in the dashboard and the report are the
`DEFINITIONS` below: keep them in step with both.
"""

from __future__ import annotations

import calendar
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.committees.stats import activity_by_village
from sohosolo.events.models import Event, Kind, Registration
from sohosolo.lib.text import fold
from sohosolo.network.stats import club_size as network_club_size
from sohosolo.prospects.models import FOLLOWED_STAGES, Activity, Household, Source, end_of_day, stage_counts
from sohosolo.results.figures import FUNNEL, INLINE_LIMIT, refresh_figures
from sohosolo.results.models import DayFigure, Measure
from sohosolo.territory.communes import regions_of_towns
from sohosolo.territory.models import Commune, Goal, Territory, Village

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
    waiting: int = 0  # changes of files not counted yet (the worker is on them): the figures are a little behind

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


# --- The files' figures, read from the per-day rows ----------------------------------------------------------------


class Figures:
    """The figures about a territory's files, added up from its DayFigure rows (sohosolo/results/figures.py).
    recount.Records answers the same questions from the records."""

    def __init__(self, territory: Territory) -> None:
        self.territory = territory

    def rows(self, measure: Measure, period: Period | None = None, until: date | None = None):
        rows = DayFigure.objects.filter(territory=self.territory, measure=measure)
        if period is not None:
            rows = rows.filter(day__range=(period.start, period.end))
        if until is not None:
            rows = rows.filter(day__lte=until)
        return rows

    def total(self, measure: Measure, period: Period) -> tuple[int, int]:
        sums = self.rows(measure, period).aggregate(total=Sum("n"), persons=Sum("people"))
        return sums["total"] or 0, sums["persons"] or 0

    def by_key(self, measure: Measure, period: Period) -> list[tuple[str, int, int]]:
        """(key, households, people) of the period, most households first, then by key; none with 0."""
        rows = (
            self.rows(measure, period)
            .values_list("key")
            .annotate(total=Sum("n"), persons=Sum("people"))
            .filter(~Q(total=0) | ~Q(persons=0))
            .order_by("-total", "key")
        )
        return list(rows)

    def key(self, period: Period) -> KeyFigures:
        settled, people = self.total(Measure.SETTLED, period)
        followed = self.rows(Measure.FOLLOWED, until=period.end).aggregate(total=Sum("n"))["total"] or 0
        return KeyFigures(
            new_contacts=self.total(Measure.CONTACT, period)[0],
            settled_families=settled,
            settled_people=people,
            followed_end=followed,
        )

    def followed_now(self) -> int:
        counts = stage_counts([self.territory.pk])
        return sum(counts.get(str(stage), 0) for stage in FOLLOWED_STAGES)

    def contacts_by_month(self, period: Period) -> dict[tuple[int, int], int]:
        rows = (
            self.rows(Measure.CONTACT, period)
            .annotate(y=ExtractYear("day"), m=ExtractMonth("day"))
            .values_list("y", "m")
            .annotate(total=Sum("n"))
            .order_by()
        )
        return {(y, m): n for y, m, n in rows}

    def by_year(self, date_field: str, last_year: int) -> dict[int, tuple[int, int]]:
        measure = {"first_contact_on": Measure.CONTACT, "settled_on": Measure.SETTLED}[date_field]
        rows = (
            self.rows(measure, until=date(last_year, 12, 31))
            .annotate(y=ExtractYear("day"))
            .values_list("y")
            .annotate(total=Sum("n"), persons=Sum("people"))
            .filter(total__gt=0)
            .order_by()
        )
        return {y: (n, p or 0) for y, n, p in rows}

    def funnel(self, period: Period) -> list[int]:
        reached = Counter({int(key): n for key, n, _p in self.by_key(Measure.REACH, period)})
        return [sum(n for step, n in reached.items() if step >= i) for i in range(len(FUNNEL))]

    def settle_days(self, period: Period) -> list[int]:
        return [int(key) for key, n, _p in self.by_key(Measure.DAYS, period) for _i in range(n)]

    def breakdown(self, period: Period, field_name: str) -> list[tuple[str, int]]:
        measure = {"source": Measure.SOURCE, "activity": Measure.ACTIVITY, "current_country": Measure.COUNTRY}
        return [(key, n) for key, n, _p in self.by_key(measure[field_name], period)]

    def regions(self, period: Period) -> tuple[Counter, Counter]:
        """The French contacts' regions kept on anonymised files, and the towns given by the others."""
        kept, towns = Counter(), Counter()
        for key, n, _p in self.by_key(Measure.REGION, period):
            (kept if key.startswith("r:") else towns)[key[2:]] += n
        return kept, towns

    def settled(self, period: Period) -> list[tuple[str, int, int]]:
        """(commune, households, people) of the settlements in the period ("" for no commune)."""
        return self.by_key(Measure.SETTLED, period)

    def interested(self, period: Period) -> dict[int, int]:
        return {int(key): n for key, n, _p in self.by_key(Measure.VILLAGE, period)}


def key_figures(territory: Territory, period: Period) -> KeyFigures:
    refresh_figures(limit=INLINE_LIMIT)
    return Figures(territory).key(period)


def by_year(territory: Territory, date_field: str, last_year: int, people: bool = False, source=None) -> list[Row]:
    """A count per calendar year from the territory's first year to `last_year` (people summed if asked)."""
    if source is None:
        refresh_figures(limit=INLINE_LIMIT)
        source = Figures(territory)
    counts = source.by_year(date_field, last_year)
    if not counts:
        return []
    return [
        Row(str(y), counts.get(y, (0, 0))[0], counts.get(y, (0, 0))[1] if people else None)
        for y in range(min(counts), last_year + 1)
    ]


def month_name(month: int) -> str:
    from django.utils.dates import MONTHS_AP

    # "Janv.", "Juin", "Juil." in French; "Jan.", "June", "July" in English: never two months alike.
    return str(MONTHS_AP[month]).capitalize()


def contacts_by_month(source, period: Period) -> list[Row]:
    counts = source.contacts_by_month(period)
    many_years = period.start.year != period.end.year
    return [
        Row(f"{month_name(m)} {y}" if many_years else month_name(m), counts.get((y, m), 0)) for y, m in period.months()
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


def funnel(source, period: Period) -> list[Step]:
    steps, before = [], None
    for stage, n in zip(FUNNEL, source.funnel(period), strict=True):
        rate = round(100 * n / before, 1) if before else None
        steps.append(Step(str(stage.label), n, rate))
        before = n
    return steps


def breakdown(rows: list[tuple[str, int]], choices=None, blank_label: str | None = None) -> list[Row]:
    labels = dict(choices) if choices else {}
    return [Row(str(labels.get(value, value) if value else (blank_label or _("Not given"))), n) for value, n in rows]


def regions(kept: Counter, towns: Counter) -> list[Row]:
    """French contacts by region: the region of the commune named like their town (several communes may share a
    name: a metropolitan one before an overseas one, then the most populous), or for an anonymised file the region
    kept when its town was erased; "Not known" when none matches."""
    counts: Counter[str] = Counter(kept)
    region_of = regions_of_towns(towns)
    for town, n in towns.items():
        counts[region_of.get(fold(town or ""), str(_("Not known")))] += n
    return [Row(label, n) for label, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n]


def median_days(days: list[int]) -> int | None:
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
    territory: Territory,
    period: Period,
    interested: dict[int, int],
    settled: list[tuple[str, int, int]],
    now: datetime | None = None,
) -> list[VillageActivity]:
    """The partner villages' activity in the period, given the new contacts interested in each village and the
    settlements per commune. Other apps may add their own columns (referrals, visits, welcome actions) to the
    VillageActivity rows from their own stats module."""
    villages = list(Village.objects.filter(territory=territory).select_related("commune").order_by("name"))
    rows = {v.pk: VillageActivity(v) for v in villages}
    for pk, n in interested.items():
        if pk in rows:
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
    for commune_id, n, people in settled:
        if commune_id in by_commune:
            by_commune[commune_id].settled += n
            by_commune[commune_id].people += people
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


def settled_communes(rows: list[tuple[str, int, int]]) -> list[tuple[Commune, int, int]]:
    per = {commune_id: (n, people) for commune_id, n, people in rows if commune_id and n}
    communes = Commune.objects.filter(pk__in=per).only("insee_code", "name")
    return sorted(((c, *per[c.pk]) for c in communes), key=lambda item: (-item[1], item[0].name))


# --- All of them ----------------------------------------------------------------------------------------------------


def compute(territory: Territory, period: Period, today: date | None = None, source=None) -> Results:
    """Every figure of the period. The changes of files waiting to be counted are counted first when they are few
    (INLINE_LIMIT); more (an import, a restore), and the worker is on them: the figures say they are a little behind.
    `source` answers the files' questions (default: the per-day rows; recount.Records: the records)."""
    today = today or timezone.localdate()
    now = timezone.now()
    waiting = 0
    if source is None:
        waiting = refresh_figures(limit=INLINE_LIMIT)
        source = Figures(territory)
    key = source.key(period)
    settled = source.settled(period)
    goal = Goal.objects.filter(territory=territory, year=period.end.year).first() if period.is_year else None
    last_year = period.end.year
    return Results(
        territory=territory,
        period=period,
        today=today,
        key=key,
        previous=source.key(period.previous),
        followed_now=source.followed_now(),
        contacts_by_month=contacts_by_month(source, period),
        contacts_by_year=by_year(territory, "first_contact_on", last_year, source=source),
        settled_by_year=by_year(territory, "settled_on", last_year, people=True, source=source),
        goal=goal,
        projection=projection(key.settled_families, period, today),
        funnel=funnel(source, period),
        median_days=median_days(source.settle_days(period)),
        sources=breakdown(source.breakdown(period, "source"), Source.choices),
        activities=breakdown(source.breakdown(period, "activity"), Activity.choices),
        countries=breakdown(source.breakdown(period, "current_country")),
        regions=regions(*source.regions(period)),
        settled_communes=settled_communes(settled),
        villages=committees_activity(territory, period, source.interested(period), settled, now),
        events=events_held(territory, period, now),
        club_size=club_size(territory, period),
        waiting=waiting,
    )
