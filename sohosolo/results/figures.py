"""The results' figures kept per territory and day, so that a dashboard adds up hundreds of rows, not the files.

Each household adds a few rows to DayFigure — its first contact (with its source, activity, country, region or town,
villages of interest and the furthest stage it reached) on the day of that contact, its settling (commune, people,
days since the first contact) on the settling day, and +1/-1 on the days it starts or stops being followed. What it
adds is kept (HouseholdFigures), so that a change takes back the old rows and adds the new ones.

Database triggers queue a household (PendingFigure) in the same transaction as any change of what it adds; the
periodic job `refresh_figures` and the dashboard itself (when few are waiting) count the queued households again.
The definitions are those of sohosolo/results/recount.py, which counts the same figures from the records: the tests
and `manage.py rebuild_figures --check` compare the two.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from sohosolo.prospects.models import CLOSED_STAGES, Household, Interaction, Stage
from sohosolo.results.models import DayFigure, HouseholdFigures, Measure, PendingFigure

# The funnel's steps, in order; a file that reached a step also went through the ones before.
FUNNEL = [Stage.NEW, Stage.FIRST_INTERVIEW, Stage.FOLLOW_UP, Stage.VISIT, Stage.SETTLED]
FUNNEL_VALUES = [str(stage) for stage in FUNNEL]
BATCH = 2_000  # households counted again per transaction
INLINE_LIMIT = 2_000  # a dashboard counts the waiting households itself up to this many, else leaves it to the worker
LOCK_KEY = 21_0301  # PostgreSQL advisory lock: one refresh at a time (SQLite: its write lock)
CLOSED = {str(stage) for stage in CLOSED_STAGES}
HOUSEHOLD_FIELDS = [
    "pk", "territory_id", "stage", "first_contact_on", "settled_on", "settled_commune_id", "settled_people",
    "source", "activity", "current_country", "current_town", "residence_region",
]  # fmt: skip


def followed_changes(first: date, settled_on: date | None, stages: list[tuple[date, str | None]]) -> list:
    """The days the file starts (+1) and stops (-1) being followed, `stages` being its stage changes (local day,
    stage entered) in the order they happened. Followed at the end of a day: first contacted by then, its latest
    stage change by then (if any) not closing it, and not settled on or before that day (stats.followed_at)."""
    days = sorted({first, *(day for day, _to in stages), *([settled_on] if settled_on else [])})
    changes, current, latest, i = [], False, None, 0
    for day in days:
        while i < len(stages) and stages[i][0] <= day:
            latest = stages[i][1]
            i += 1
        followed = day >= first and latest not in CLOSED and not (settled_on and settled_on <= day)
        if followed != current:
            changes.append((day, 1 if followed else -1))
            current = followed
    return changes


def contribution(household: dict, villages: list[int], stages: list[tuple[date, dict]]) -> list[list]:
    """The rows one household adds: [territory, measure, day, key, households, people]."""
    territory, first = household["territory_id"], household["first_contact_on"]
    rows = []

    def add(measure: str, day: date, key: str = "", n: int = 1, people: int = 0) -> None:
        rows.append([territory, str(measure), day.isoformat(), key, n, people])

    if first is not None:
        add(Measure.CONTACT, first)
        add(Measure.SOURCE, first, household["source"] or "")
        add(Measure.ACTIVITY, first, household["activity"] or "")
        add(Measure.COUNTRY, first, household["current_country"] or "")
        if (household["current_country"] or "").upper() == "FRANCE":
            region = household["residence_region"]
            add(Measure.REGION, first, f"r:{region}" if region else f"t:{household['current_town'] or ''}")
        for village in sorted(set(villages)):
            add(Measure.VILLAGE, first, str(village))
        reached = [household["stage"]] + [
            value for _day, data in stages for value in (data.get("from"), data.get("to"))
        ]
        add(Measure.REACH, first, str(max((FUNNEL_VALUES.index(s) for s in reached if s in FUNNEL_VALUES), default=0)))
        entered = [(day, data.get("to")) for day, data in stages]
        for day, change in followed_changes(first, household["settled_on"], entered):
            add(Measure.FOLLOWED, day, n=change)
    settled = household["settled_on"]
    if settled is not None:
        add(Measure.SETTLED, settled, household["settled_commune_id"] or "", people=household["settled_people"] or 0)
        if first is not None:
            add(Measure.DAYS, settled, str((settled - first).days))
    return rows


def contributions(ids: list[int]) -> dict[int, list[list]]:
    """The rows of each of these households as they are now (a household that is no more adds none)."""
    paris = ZoneInfo(settings.TIME_ZONE)
    households = {h["pk"]: h for h in Household.objects.filter(pk__in=ids).values(*HOUSEHOLD_FIELDS)}
    villages = defaultdict(list)
    through = Household.villages_of_interest.through
    for household_id, village_id in through.objects.filter(household_id__in=households).values_list(
        "household_id", "village_id"
    ):
        villages[household_id].append(village_id)
    stages = defaultdict(list)
    entries = (
        Interaction.objects.filter(household_id__in=households, kind=Interaction.Kind.STAGE)
        .order_by("household_id", "occurred_at", "pk")
        .values_list("household_id", "occurred_at", "data")
    )
    for household_id, occurred_at, data in entries:
        stages[household_id].append((occurred_at.astimezone(paris).date(), data if isinstance(data, dict) else {}))
    return {pk: contribution(h, villages[pk], stages[pk]) for pk, h in households.items()}


def _totals(rows: list[list], sign: int, into: Counter, people: Counter) -> None:
    for territory, measure, day, key, n, persons in rows:
        into[territory, measure, day, key] += sign * n
        people[territory, measure, day, key] += sign * persons


def _apply(ids: set[int]) -> None:
    """Count these households again: take back what they added, add what they add now."""
    ids = sorted(ids)
    before = dict(HouseholdFigures.objects.filter(household_id__in=ids).values_list("household_id", "rows"))
    now = contributions(ids)
    n, people = Counter(), Counter()
    for pk in ids:
        _totals(before.get(pk, []), -1, n, people)
        _totals(now.get(pk, []), 1, n, people)
    deltas = [(t, m, date.fromisoformat(d), k, n[t, m, d, k], people[t, m, d, k]) for t, m, d, k in n]
    deltas = [row for row in deltas if row[4] or row[5]]
    if deltas:
        _add(deltas)
    gone = [pk for pk in ids if pk not in now]
    if gone:
        HouseholdFigures.objects.filter(household_id__in=gone).delete()
    changed = [HouseholdFigures(household_id=pk, rows=rows) for pk, rows in now.items() if before.get(pk) != rows]
    if changed:
        HouseholdFigures.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["household_id"], update_fields=["rows"]
        )


def _add(deltas: list[tuple]) -> None:
    """Add (territory, measure, day, key, households, people) to the DayFigure rows, dropping those left at zero."""
    table = DayFigure._meta.db_table
    upsert = (
        f"ON CONFLICT (territory_id, measure, day, key) DO UPDATE "
        f"SET n = {table}.n + excluded.n, people = {table}.people + excluded.people"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement each, whatever the number of rows
            columns = [list(column) for column in zip(*deltas, strict=True)]
            cursor.execute(
                f"INSERT INTO {table} (territory_id, measure, day, key, n, people) SELECT * FROM "
                f"unnest(%s::bigint[], %s::text[], %s::date[], %s::text[], %s::int[], %s::int[]) {upsert}",
                columns,
            )
            cursor.execute(
                f"DELETE FROM {table} f USING unnest(%s::bigint[], %s::text[], %s::date[], %s::text[]) "
                "AS d(territory_id, measure, day, key) WHERE f.territory_id = d.territory_id "
                "AND f.measure = d.measure AND f.day = d.day AND f.key = d.key AND f.n = 0 AND f.people = 0",
                columns[:4],
            )
            return
        cursor.executemany(
            f"INSERT INTO {table} (territory_id, measure, day, key, n, people) "
            f"VALUES (%s, %s, %s, %s, %s, %s) {upsert}",
            deltas,
        )
        cursor.executemany(
            f"DELETE FROM {table} WHERE territory_id = %s AND measure = %s AND day = %s AND key = %s "
            "AND n = 0 AND people = 0",
            [row[:4] for row in deltas],
        )


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def waiting(limit: int) -> int:
    """How many changes wait to be counted, up to limit + 1 (never a count of the whole table)."""
    return PendingFigure.objects.order_by()[: limit + 1].count()


def refresh_figures(limit: int | None = None) -> int:
    """Count the queued households again, batch by batch (each batch one transaction, one refresh at a time: two
    never count a change twice). With `limit`, only when at most that many changes wait. Returns the changes left
    waiting (0: the figures are up to date)."""
    if limit is not None and ((left := waiting(limit)) > limit or not left):
        return left  # too many for now, or nothing to do (a dashboard's usual case: one query)
    table = PendingFigure._meta.db_table
    while True:
        with transaction.atomic():
            _lock()
            with connection.cursor() as cursor:
                # Claimed and deleted at once (SQLite's write lock is taken here); rows queued meanwhile stay.
                cursor.execute(
                    f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT %s) "
                    "RETURNING household_id",
                    [BATCH],
                )
                ids = {household_id for (household_id,) in cursor.fetchall()}
            if not ids:
                return 0
            _apply(ids)


def rebuild_figures(say=None) -> int:
    """Count every household again from nothing (after a restore, or to check); returns the households counted."""
    with transaction.atomic():
        _lock()
        DayFigure.objects.all().delete()
        HouseholdFigures.objects.all().delete()
        PendingFigure.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PendingFigure._meta.db_table} (household_id) "
                f"SELECT id FROM {Household._meta.db_table} ORDER BY id"
            )
            total = cursor.rowcount
    if say:
        say(f"{total:,} households to count")
    refresh_figures()
    return total
