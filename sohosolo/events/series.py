"""Recurring events: turn a Series' rule into Events, with skipped and moved dates, and edits to the whole series.

There is no separate "exception" model: every occurrence is an Event with `series` and the `occurrence_date` the
rule gave it. A skipped date is kept as a cancelled, detached Event, so that generation, which only creates dates
that have no Event yet, never brings it back; a moved occurrence keeps its `occurrence_date` (so the rule still
recognises it) but has its own times and is detached, so edits to the series leave it alone.

Generation looks ahead only (from today unless told otherwise): the periodic job must not fill the history with
meetings that never took place, after a change of rule or a deleted occurrence. To remove one future date, skip it:
a deleted future occurrence comes back at the next generation.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekdays
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sohosolo.audit.log import log_action
from sohosolo.events.models import Event, Registration, Series

logger = logging.getLogger(__name__)

# How far ahead occurrences exist, so that people can register for them and calendars show them.
GENERATE_AHEAD = timedelta(days=120)

# What an occurrence takes from its series; edits to the series copy these to its future, attached occurrences.
COPIED_FIELDS = [
    "territory",
    "kind",
    "audience",
    "title_fr",
    "title_en",
    "description_fr",
    "description_en",
    "commune",
    "address",
    "online_url",
    "capacity",
]
WEEKS_OF_MONTH = {1, 2, 3, 4, -1}


def _rule(series: Series) -> rrule:
    """The dateutil rule of a series, refusing values the model does not forbid but the rule cannot honour."""
    if series.weekday not in range(7):
        raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), not {series.weekday}")
    if series.frequency == Series.Frequency.WEEKLY:
        if not series.interval or series.interval < 1:
            raise ValueError(f"interval must be at least 1 week, not {series.interval}")
        # Anchored on the first matching weekday on or after starts_on: dateutil, given starts_on itself, would count
        # the N weeks from starts_on's week and skip the first matching day when starts_on falls after it.
        first = series.starts_on + timedelta(days=(series.weekday - series.starts_on.weekday()) % 7)
        return rrule(WEEKLY, interval=series.interval, dtstart=datetime.combine(first, time()))
    if series.frequency == Series.Frequency.MONTHLY:
        # A fifth weekday exists only in some months: a series "every fifth Tuesday" would silently skip most months.
        if series.week_of_month not in WEEKS_OF_MONTH:
            raise ValueError(f"week_of_month must be 1 … 4 or -1 (last), not {series.week_of_month}")
        nth_weekday = weekdays[series.weekday](series.week_of_month)
        return rrule(MONTHLY, byweekday=nth_weekday, dtstart=datetime.combine(series.starts_on, time()))
    raise ValueError(f"unknown frequency {series.frequency!r}")


def occurrence_dates(series: Series, start: date, until: date) -> list[date]:
    """The dates the series' rule gives between `start` and `until` (both included), within starts_on … ends_on."""
    rule = _rule(series)
    first = max(start, series.starts_on)
    last = min(until, series.ends_on) if series.ends_on else until
    if first > last:
        return []
    return [moment.date() for moment in rule.between(_midnight(first), _midnight(last), inc=True)]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def local_datetime(day: date, at: time) -> datetime:
    """`day` at `at` on the programme's wall clock (TIME_ZONE, Europe/Paris), as an aware datetime.

    A meeting "on Tuesdays at 18:00" stays at 18:00 for the people who come, so the UTC offset changes with daylight
    saving (+01:00 in winter, +02:00 in summer) instead of the time. A time that does not exist (02:30 on the night
    clocks go forward) lands an hour later; one that exists twice is the first of the two."""
    return datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


def _after(moment: datetime, delta: timedelta) -> datetime:
    """`moment` + `delta` in real time: adding to a local aware datetime would add wall-clock time across DST."""
    return moment.astimezone(UTC) + delta


def _times(series: Series, day: date) -> tuple[datetime, datetime]:
    if not series.duration_minutes:
        raise ValueError("a series' duration must be at least one minute")
    starts_at = local_datetime(day, series.start_time)
    return starts_at, _after(starts_at, timedelta(minutes=series.duration_minutes))


def _new_occurrence(series: Series, day: date) -> Event:
    """An unsaved Event for `day`, copying the series; registration stays open until it starts."""
    starts_at, ends_at = _times(series, day)
    return Event(
        series=series,
        occurrence_date=day,
        starts_at=starts_at,
        ends_at=ends_at,
        registration_deadline=starts_at,
        **{name: getattr(series, name) for name in COPIED_FIELDS},
    )


def _lock(series: Series) -> None:
    """Serialise the writers of one series' occurrences (the periodic job, a skip, an edit) on the series' row.

    Without it, two of them could both see a date as missing and the second would hit the unique constraint.
    (SQLite has no row locks, but its IMMEDIATE transactions already run writers one at a time.)"""
    list(Series.objects.select_for_update().filter(pk=series.pk).values_list("pk"))


def _check_given(series: Series, day: date) -> None:
    if day not in occurrence_dates(series, day, day):
        raise ValueError(f"{day:%Y-%m-%d} is not a date of the series “{series}”")


def generate(series: Series, until: date | None = None, *, since: date | None = None) -> list[Event]:
    """Create the occurrences missing between `since` and `until`; return the created ones.

    `until` defaults to today + 120 days, `since` to today: history is created only on purpose (demo data, a series
    entered after its first meetings), never by the periodic job. Existing occurrences, whether generated, detached,
    moved or skipped, are never touched, so running it again creates nothing."""
    today = timezone.localdate()
    until = until if until is not None else today + GENERATE_AHEAD
    since = since if since is not None else today
    with transaction.atomic():
        _lock(series)
        days = occurrence_dates(series, since, until)
        if not days:
            return []
        existing = set(
            series.events.filter(occurrence_date__range=(days[0], days[-1])).values_list("occurrence_date", flat=True)
        )
        missing = [_new_occurrence(series, day) for day in days if day not in existing]
        return Event.objects.bulk_create(missing)


def _occurrence(series: Series, day: date) -> Event:
    """The Event of `day` in the series, or a new unsaved one when it has not been generated yet."""
    return series.events.filter(occurrence_date=day).first() or _new_occurrence(series, day)


def skip(series: Series, day: date, actor=None) -> Event:
    """Cancel the occurrence of `day`, keeping it (cancelled and detached) so that generation never recreates it.

    Refuses a date the rule does not give (ValueError): skipping it would create an occurrence out of nothing."""
    with transaction.atomic():
        _lock(series)
        _check_given(series, day)
        event = _occurrence(series, day)
        event.cancelled = True
        event.detached = True
        event.save()
        if actor is not None:
            log_action(
                actor,
                "event.series_skipped",
                event,
                {"series": series.pk, "date": day.isoformat()},
                territory=series.territory,
            )
    return event


def move(series: Series, day: date, new_start: datetime, actor=None) -> Event:
    """Move the occurrence of `day` to `new_start`, keeping its duration; it is detached so series edits spare it.

    It keeps `day` as its occurrence_date, so generation does not create `day` again. The registration deadline
    moves by as much as the start. A skipped occurrence stays cancelled: bringing it back is another decision."""
    if timezone.is_naive(new_start):
        raise ValueError("new_start must be an aware datetime")
    with transaction.atomic():
        _lock(series)
        _check_given(series, day)
        event = _occurrence(series, day)
        old_start = event.starts_at
        shift = new_start - old_start
        event.starts_at = new_start
        event.ends_at = _after(new_start, event.ends_at - old_start)
        if event.registration_deadline is not None:
            event.registration_deadline = _after(event.registration_deadline, shift)
        event.detached = True
        event.save()
        if actor is not None:
            log_action(
                actor,
                "event.series_moved",
                event,
                {"series": series.pk, "date": day.isoformat(), "from": old_start, "to": new_start},
                territory=series.territory,
            )
    return event


def update_series(series: Series, *, actor=None, now: datetime | None = None, **fields: Any) -> list[Event]:
    """Change the series, apply it to its future occurrences that were not edited on their own, generate ahead.

    Past occurrences are history, detached ones were edited on purpose, cancelled ones were skipped: all stay as they
    are. Each updated occurrence is recomputed from its occurrence_date, so a new start time lands on the same days.
    When the rule changes, a future attached occurrence the new rule no longer gives is deleted, unless people
    registered for it: it is then kept, detached, for the staff to cancel or keep with the registrants in mind.
    `now` (default: the current time) splits past from future. Returns the occurrences generated."""
    editable = {field.name for field in Series._meta.concrete_fields if not field.primary_key}
    unknown = set(fields) - editable
    if unknown:
        raise TypeError(f"not fields of a series: {', '.join(sorted(unknown))}")
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        _lock(series)
        for name, value in fields.items():
            setattr(series, name, value)
        series.full_clean()
        _rule(series)  # refuse a rule it cannot follow before saving it
        series.save()

        future = list(
            series.events.filter(starts_at__gte=now, detached=False, cancelled=False, occurrence_date__isnull=False)
        )
        stale: list[Event] = []
        if future:
            given = set(
                occurrence_dates(series, min(e.occurrence_date for e in future), max(e.occurrence_date for e in future))
            )
            current = [event for event in future if event.occurrence_date in given]
            stale = [event for event in future if event.occurrence_date not in given]
            for event in current:
                for name in COPIED_FIELDS:
                    setattr(event, name, getattr(series, name))
                event.starts_at, event.ends_at = _times(series, event.occurrence_date)
                event.registration_deadline = event.starts_at
            Event.objects.bulk_update(
                current, [*COPIED_FIELDS, "starts_at", "ends_at", "registration_deadline"], batch_size=500
            )
        with_people = set(Registration.objects.filter(event__in=stale).values_list("event_id", flat=True).distinct())
        kept = [event.pk for event in stale if event.pk in with_people]
        dropped = [event.pk for event in stale if event.pk not in with_people]
        Event.objects.filter(pk__in=kept).update(detached=True)
        Event.objects.filter(pk__in=dropped).delete()

        created = generate(series, today + GENERATE_AHEAD, since=today)
        if actor is not None:
            log_action(
                actor,
                "event.series_updated",
                series,
                {
                    "changed": {name: fields[name] for name in sorted(fields)},
                    "updated": len(future) - len(stale),
                    "kept_detached": kept,
                    "deleted": len(dropped),
                    "created": len(created),
                },
                territory=series.territory,
            )
    return created


def generate_all(until: date | None = None) -> int:
    """Generate ahead for every running series; return how many occurrences were created. For the periodic job.

    A series whose rule cannot be followed is logged and passed over, so that it does not stop the others."""
    today = timezone.localdate()
    created = 0
    running = Series.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)).order_by("pk")
    for series in running.iterator():
        try:
            created += len(generate(series, until))
        except ValueError:
            logger.exception("Cannot generate the occurrences of series %s", series.pk)
    return created
