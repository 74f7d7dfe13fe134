"""The files' figures counted from the records: the reference the per-day rows of sohosolo/results/figures.py must
equal (the tests compare them on random data, `manage.py rebuild_figures --check` on a real database).

Records answers the questions stats.Figures answers, each as a query over the territory's files and their dated
timeline entries: slow on a large territory (a timeline subquery per file), never used by a page.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from sohosolo.prospects.models import Household, Interaction
from sohosolo.results.stats import FUNNEL, KeyFigures, Period, Results, compute
from sohosolo.territory.models import Territory


class Records:
    def __init__(self, territory: Territory) -> None:
        self.territory = territory
        self.households = Household.objects.filter(territory=territory)

    def contacts(self, period: Period):
        return self.households.filter(first_contact_on__range=(period.start, period.end))

    def key(self, period: Period) -> KeyFigures:
        settled = self.households.filter(settled_on__range=(period.start, period.end)).aggregate(
            n=Count("pk"), people=Sum("settled_people")
        )
        return KeyFigures(
            new_contacts=self.contacts(period).count(),
            settled_families=settled["n"],
            settled_people=settled["people"] or 0,
            followed_end=self.households.followed_at(period.end).count(),
        )

    def followed_now(self) -> int:
        return self.households.followed_now().count()

    def contacts_by_month(self, period: Period) -> dict[tuple[int, int], int]:
        rows = (
            self.contacts(period)
            .annotate(y=ExtractYear("first_contact_on"), m=ExtractMonth("first_contact_on"))
            .values_list("y", "m")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {(y, m): n for y, m, n in rows}

    def by_year(self, date_field: str, last_year: int) -> dict[int, tuple[int, int]]:
        rows = (
            self.households.filter(**{f"{date_field}__isnull": False, f"{date_field}__year__lte": last_year})
            .annotate(y=ExtractYear(date_field))
            .values_list("y")
            .annotate(n=Count("pk"), p=Sum("settled_people"))
            .order_by()
        )
        return {y: (n, p or 0) for y, n, p in rows}

    def funnel(self, period: Period) -> list[int]:
        aggregates = {}
        for i, stage in enumerate(FUNNEL):
            later = [str(s) for s in FUNNEL[i:]]
            passed = Interaction.objects.filter(household=OuterRef("pk"), kind=Interaction.Kind.STAGE).filter(
                Q(data__from__in=later) | Q(data__to__in=later)
            )
            condition = Q(stage__in=later) | Q(Exists(passed)) if i else Q(pk__isnull=False)
            aggregates[stage.value] = Count("pk", filter=condition)
        counts = self.contacts(period).aggregate(**aggregates)
        return [counts[stage.value] for stage in FUNNEL]

    def settled_rows(self, period: Period):
        return self.households.filter(settled_on__range=(period.start, period.end))

    def settle_days(self, period: Period) -> list[int]:
        rows = self.settled_rows(period).values_list("first_contact_on", "settled_on")
        return [(settled - first).days for first, settled in rows if first and settled]

    def breakdown(self, period: Period, field_name: str) -> list[tuple[str, int]]:
        return list(self.contacts(period).values_list(field_name).annotate(n=Count("pk")).order_by("-n", field_name))

    def regions(self, period: Period) -> tuple[Counter, Counter]:
        french = self.contacts(period).filter(current_country__iexact="France")
        kept = french.exclude(residence_region="").values_list("residence_region").annotate(n=Count("pk")).order_by()
        towns = french.filter(residence_region="").values_list("current_town").annotate(n=Count("pk")).order_by()
        return Counter(dict(kept)), Counter(dict(towns))

    def settled(self, period: Period) -> list[tuple[str, int, int]]:
        rows = (
            self.settled_rows(period)
            .values_list("settled_commune_id")
            .annotate(n=Count("pk"), p=Sum("settled_people"))
            .order_by()
        )
        return [(commune or "", n, p or 0) for commune, n, p in rows]

    def interested(self, period: Period) -> dict[int, int]:
        rows = (
            Household.villages_of_interest.through.objects.filter(
                household__territory=self.territory,
                household__first_contact_on__range=(period.start, period.end),
            )
            .values_list("village_id")
            .annotate(n=Count("household_id"))
            .order_by()
        )
        return dict(rows)


def recount(territory: Territory, period: Period, today: date | None = None) -> Results:
    """Every figure of the period, the files' figures counted from the records."""
    return compute(territory, period, today, source=Records(territory))
