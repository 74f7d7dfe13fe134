"""Recurring events: the dates a series gives, across months, years and daylight-saving changes, with exceptions."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

import pytest
from django.utils import timezone

from sohosolo.audit.models import ActionLog
from sohosolo.events.models import Audience, Event, Kind, Registration, Series
from sohosolo.events.series import (
    generate,
    generate_all,
    local_datetime,
    move,
    occurrence_dates,
    skip,
    update_series,
)

HOUR = timedelta(hours=1)


def make_series(world, **fields) -> Series:
    """Every 2 weeks on Tuesday at 18:00 for 90 minutes, from Tuesday 2 March 2027, unless told otherwise."""
    values = {
        "territory": world.territory_a,
        "kind": Kind.INFO_MEETING,
        "audience": Audience.PUBLIC,
        "title_fr": "Réunion d'information",
        "title_en": "Information meeting",
        "address": "Maison de la Région, Auch",
        "capacity": 30,
        "frequency": Series.Frequency.WEEKLY,
        "interval": 2,
        "weekday": 1,
        "start_time": time(18, 0),
        "duration_minutes": 90,
        "starts_on": date(2027, 3, 2),
    }
    return Series.objects.create(**values | fields)


def occurrences(series: Series) -> dict[date, Event]:
    return {event.occurrence_date: event for event in Event.objects.filter(series=series)}


def taking_place(series: Series) -> list[date]:
    """The local dates on which people actually meet, as the public calendar shows them."""
    return sorted(timezone.localdate(event.starts_at) for event in Event.objects.filter(series=series, cancelled=False))


def test_fortnightly_meeting_stays_at_18h_local_across_daylight_saving_changes(world):
    series = make_series(world)

    created = generate(series, until=date(2027, 11, 30), since=series.starts_on)

    days = sorted(event.occurrence_date for event in created)
    assert days[:3] == [date(2027, 3, 2), date(2027, 3, 16), date(2027, 3, 30)]
    assert all(b - a == timedelta(days=14) for a, b in zip(days, days[1:], strict=False))
    assert days[-1] == date(2027, 11, 23)
    by_day = occurrences(series)
    for event in by_day.values():
        local = timezone.localtime(event.starts_at)
        assert (local.hour, local.minute, local.weekday()) == (18, 0, 1)
        assert event.ends_at - event.starts_at == timedelta(minutes=90)
        assert event.registration_deadline == event.starts_at
    # Summer time starts on Sunday 28 March 2027 and ends on Sunday 31 October 2027.
    offsets = {day: timezone.localtime(by_day[day].starts_at).utcoffset() for day in by_day}
    assert offsets[date(2027, 3, 16)] == 1 * HOUR
    assert offsets[date(2027, 3, 30)] == 2 * HOUR
    assert offsets[date(2027, 10, 26)] == 2 * HOUR
    assert offsets[date(2027, 11, 9)] == 1 * HOUR
    assert by_day[date(2027, 3, 16)].starts_at.astimezone(UTC).hour == 17
    assert by_day[date(2027, 3, 30)].starts_at.astimezone(UTC).hour == 16


def test_occurrences_copy_the_series(world):
    series = make_series(world, description_fr="Venez découvrir", online_url="https://visio.example.fr/x")

    event = generate(series, until=date(2027, 3, 2), since=series.starts_on)[0]

    event.refresh_from_db()
    assert (event.territory, event.kind, event.audience) == (world.territory_a, Kind.INFO_MEETING, Audience.PUBLIC)
    assert (event.title_fr, event.title_en, event.description_fr) == (
        "Réunion d'information",
        "Information meeting",
        "Venez découvrir",
    )
    assert (event.address, event.online_url, event.capacity) == (
        "Maison de la Région, Auch",
        "https://visio.example.fr/x",
        30,
    )
    assert (event.detached, event.cancelled) == (False, False)


def test_weekly_series_starts_on_first_matching_weekday_after_its_first_date(world):
    # Wednesday 3 March: the first Tuesday is 9 March, then every 2 weeks from there.
    series = make_series(world, starts_on=date(2027, 3, 3))

    assert occurrence_dates(series, date(2027, 1, 1), date(2027, 4, 30)) == [
        date(2027, 3, 9),
        date(2027, 3, 23),
        date(2027, 4, 6),
        date(2027, 4, 20),
    ]


def test_monthly_first_thursday_across_month_and_year_boundaries(world):
    series = make_series(
        world, frequency=Series.Frequency.MONTHLY, weekday=3, week_of_month=1, starts_on=date(2027, 11, 1)
    )

    generate(series, until=date(2028, 2, 29), since=series.starts_on)

    assert taking_place(series) == [date(2027, 11, 4), date(2027, 12, 2), date(2028, 1, 6), date(2028, 2, 3)]
    assert {timezone.localtime(e.starts_at).time() for e in occurrences(series).values()} == {time(18, 0)}


def test_monthly_last_friday(world):
    series = make_series(
        world, frequency=Series.Frequency.MONTHLY, weekday=4, week_of_month=-1, starts_on=date(2027, 1, 1)
    )

    assert occurrence_dates(series, date(2027, 1, 1), date(2027, 5, 31)) == [
        date(2027, 1, 29),
        date(2027, 2, 26),
        date(2027, 3, 26),
        date(2027, 4, 30),
        date(2027, 5, 28),
    ]


def test_monthly_series_refuses_a_fifth_weekday(world):
    series = make_series(world, frequency=Series.Frequency.MONTHLY, weekday=1, week_of_month=5)

    with pytest.raises(ValueError):
        occurrence_dates(series, date(2027, 1, 1), date(2027, 12, 31))


def test_skipped_and_moved_dates_give_the_right_occurrences(world):
    series = make_series(world)
    generate(series, until=date(2027, 4, 30), since=series.starts_on)

    skip(series, date(2027, 3, 16))
    moved = move(series, date(2027, 3, 30), local_datetime(date(2027, 4, 1), time(19, 30)))
    # A date beyond what was generated can be skipped too: it is created already cancelled.
    skip(series, date(2027, 5, 11))
    created = generate(series, until=date(2027, 5, 31), since=series.starts_on)

    assert [e.occurrence_date for e in created] == [date(2027, 5, 25)]
    assert taking_place(series) == [
        date(2027, 3, 2),
        date(2027, 4, 1),
        date(2027, 4, 13),
        date(2027, 4, 27),
        date(2027, 5, 25),
    ]
    by_day = occurrences(series)
    assert by_day[date(2027, 3, 16)].cancelled and by_day[date(2027, 3, 16)].detached
    assert by_day[date(2027, 5, 11)].cancelled and by_day[date(2027, 5, 11)].detached
    moved.refresh_from_db()
    assert moved.occurrence_date == date(2027, 3, 30) and moved.detached and not moved.cancelled
    assert timezone.localtime(moved.starts_at).time() == time(19, 30)
    assert moved.ends_at - moved.starts_at == timedelta(minutes=90)
    assert moved.registration_deadline == moved.starts_at
    assert Event.objects.filter(series=series).count() == 7


def test_move_keeps_an_edited_duration(world):
    series = make_series(world)
    event = generate(series, until=date(2027, 3, 2), since=series.starts_on)[0]
    event.ends_at = event.starts_at + timedelta(hours=3)
    event.save()

    moved = move(series, date(2027, 3, 2), local_datetime(date(2027, 3, 4), time(10, 0)))

    assert moved.pk == event.pk
    assert moved.ends_at - moved.starts_at == timedelta(hours=3)


def test_generation_is_idempotent(world):
    series = make_series(world)

    first = generate(series, until=date(2027, 6, 30), since=series.starts_on)
    second = generate(series, until=date(2027, 6, 30), since=series.starts_on)

    assert len(first) == 9
    assert second == []
    assert Event.objects.filter(series=series).count() == 9


def test_generation_respects_the_last_date(world):
    series = make_series(world, ends_on=date(2027, 4, 13))

    generate(series, until=date(2027, 12, 31), since=series.starts_on)

    assert taking_place(series) == [date(2027, 3, 2), date(2027, 3, 16), date(2027, 3, 30), date(2027, 4, 13)]
    with pytest.raises(ValueError):
        skip(series, date(2027, 4, 27))


def test_skip_refuses_a_date_the_rule_does_not_give(world):
    series = make_series(world)

    with pytest.raises(ValueError):
        skip(series, date(2027, 3, 3))  # a Wednesday
    with pytest.raises(ValueError):
        skip(series, date(2027, 3, 9))  # a Tuesday of the off week
    with pytest.raises(ValueError):
        move(series, date(2027, 3, 9), local_datetime(date(2027, 3, 10), time(18, 0)))
    assert not Event.objects.filter(series=series).exists()


def test_update_series_changes_future_attached_occurrences_only(world):
    series = make_series(world)
    generate(series, until=date(2027, 5, 31), since=series.starts_on)
    skip(series, date(2027, 4, 13))
    move(series, date(2027, 4, 27), local_datetime(date(2027, 4, 29), time(18, 0)))
    now = local_datetime(date(2027, 4, 1), time(9, 0))

    update_series(series, now=now, title_fr="Réunion d'accueil", start_time=time(19, 0), capacity=12)

    by_day = occurrences(series)
    for day in [date(2027, 3, 2), date(2027, 3, 16), date(2027, 3, 30)]:  # past
        assert by_day[day].title_fr == "Réunion d'information"
        assert timezone.localtime(by_day[day].starts_at).time() == time(18, 0)
    for day in [date(2027, 5, 11), date(2027, 5, 25)]:  # future, attached
        event = by_day[day]
        assert (event.title_fr, event.capacity) == ("Réunion d'accueil", 12)
        assert timezone.localtime(event.starts_at) == local_datetime(day, time(19, 0))
        assert event.ends_at - event.starts_at == timedelta(minutes=90)
        assert event.registration_deadline == event.starts_at
    skipped, moved = by_day[date(2027, 4, 13)], by_day[date(2027, 4, 27)]
    assert (skipped.title_fr, skipped.cancelled) == ("Réunion d'information", True)
    assert moved.title_fr == "Réunion d'information"
    assert timezone.localtime(moved.starts_at) == local_datetime(date(2027, 4, 29), time(18, 0))
    # Generation went on ahead of `now` with the new values.
    assert date(2027, 7, 20) in by_day
    assert by_day[date(2027, 7, 20)].title_fr == "Réunion d'accueil"
    assert timezone.localtime(by_day[date(2027, 7, 20)].starts_at).time() == time(19, 0)


def test_change_of_rule_replaces_future_occurrences_but_keeps_those_with_registrations(world):
    series = make_series(world)
    generate(series, until=date(2027, 5, 31), since=series.starts_on)
    booked = Event.objects.get(series=series, occurrence_date=date(2027, 5, 11))
    Registration.objects.create(event=booked, name="Anne Martin", email="anne@example.fr")
    now = local_datetime(date(2027, 4, 1), time(9, 0))

    update_series(series, now=now, weekday=3)  # Thursdays from now on

    by_day = occurrences(series)
    assert [d for d in sorted(by_day) if d < date(2027, 4, 1)] == [
        date(2027, 3, 2),
        date(2027, 3, 16),
        date(2027, 3, 30),
    ]
    assert date(2027, 4, 13) not in by_day  # a future Tuesday nobody had registered for
    booked.refresh_from_db()
    assert booked.detached and not booked.cancelled
    assert by_day[date(2027, 4, 1)].starts_at == local_datetime(date(2027, 4, 1), time(18, 0))
    future = [d for d in by_day if d >= date(2027, 4, 1) and not by_day[d].detached]
    assert future and all(d.weekday() == 3 for d in future)


def test_skip_move_and_update_are_logged_for_the_territory(world):
    actor = world.users["advisor_a"]
    series = make_series(world)

    skip(series, date(2027, 3, 2), actor=actor)
    move(series, date(2027, 3, 16), local_datetime(date(2027, 3, 17), time(18, 0)), actor=actor)
    update_series(series, actor=actor, now=local_datetime(date(2027, 3, 1), time(9, 0)), capacity=20)

    logs = ActionLog.objects.filter(actor=actor, territory=world.territory_a)
    assert set(logs.values_list("action", flat=True)) == {
        "event.series_skipped",
        "event.series_moved",
        "event.series_updated",
    }


def test_generate_all_generates_every_running_series_once(world):
    # generate_all looks ahead from today, so this test's dates follow today.
    today = timezone.localdate()
    until = today + timedelta(days=60)
    weekly = make_series(world, interval=1, starts_on=today)
    monthly = make_series(world, frequency=Series.Frequency.MONTHLY, weekday=3, week_of_month=1, starts_on=today)
    ended = make_series(world, starts_on=today - timedelta(days=100), ends_on=today - timedelta(days=1))

    created = generate_all(until=until)

    expected = len(occurrence_dates(weekly, today, until)) + len(occurrence_dates(monthly, today, until))
    assert created == expected == Event.objects.count()
    assert not Event.objects.filter(series=ended).exists()
    assert generate_all(until=until) == 0
