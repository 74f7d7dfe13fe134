"""Committees' activity per village, for the team's page and the results dashboard.

    activity_by_village(territory, start, end) -> {village pk: {"referrals", "visits", "newcomers", "actions_done",
                                                                "last_activity"}}

Counts are over the days from `start` to `end` included (Europe/Paris); `last_activity` is the date of the
committee's latest recorded work up to `end` (a visit recorded, a welcome action or follow-up done, a referral
received), or None. Ten queries whatever the number of villages.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max
from django.utils import timezone

from sohosolo.committees.models import QUIET_AFTER, CommitteeFollowUp, Referral, Visit, WelcomeAction, WelcomeChecklist
from sohosolo.territory.models import Territory, Village


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def _counts(queryset, village_field: str, **filters) -> dict[int, int]:
    return dict(queryset.filter(**filters).values_list(village_field).annotate(n=Count("pk")).order_by())


def _latest(queryset, village_field: str, moment_field: str, until: datetime) -> dict[int, datetime]:
    return dict(
        queryset.filter(**{f"{moment_field}__lt": until})
        .values_list(village_field)
        .annotate(last=Max(moment_field))
        .order_by()
    )


def activity_by_village(territory: Territory, start: date, end: date) -> dict[int, dict]:
    since, until = _bounds(start, end)
    villages = list(Village.objects.filter(territory=territory).values_list("pk", flat=True))
    in_territory = {"village__territory": territory}
    referrals = _counts(Referral.objects, "village", created_at__gte=since, created_at__lt=until, **in_territory)
    # A visit counts once it took place (or, recorded, did not): planned ones in the future do not.
    visits = _counts(
        Visit.objects.exclude(outcome="cancelled"),
        "village",
        starts_at__gte=since,
        starts_at__lt=min(until, timezone.now()),
        **in_territory,
    )
    newcomers = _counts(WelcomeChecklist.objects, "village", settled_on__gte=start, settled_on__lte=end, **in_territory)
    actions = _counts(
        WelcomeAction.objects,
        "checklist__village",
        done_at__gte=since,
        done_at__lt=until,
        checklist__village__territory=territory,
    )
    follow_ups = _counts(
        CommitteeFollowUp.objects,
        "checklist__village",
        recorded_at__gte=since,
        recorded_at__lt=until,
        checklist__village__territory=territory,
    )
    latest: dict[int, datetime] = {}
    for found in (
        _latest(Visit.objects.filter(**in_territory), "village", "recorded_at", until),
        _latest(
            WelcomeAction.objects.filter(checklist__village__territory=territory),
            "checklist__village",
            "done_at",
            until,
        ),
        _latest(
            CommitteeFollowUp.objects.filter(checklist__village__territory=territory),
            "checklist__village",
            "recorded_at",
            until,
        ),
        _latest(Referral.objects.filter(**in_territory), "village", "created_at", until),
    ):
        for village, moment in found.items():
            if moment is not None and (village not in latest or moment > latest[village]):
                latest[village] = moment
    return {
        pk: {
            "referrals": referrals.get(pk, 0),
            "visits": visits.get(pk, 0),
            "newcomers": newcomers.get(pk, 0),
            "actions_done": actions.get(pk, 0) + follow_ups.get(pk, 0),
            "last_activity": timezone.localdate(latest[pk]) if pk in latest else None,
        }
        for pk in villages
    }


def is_quiet(last_activity: date | None, today: date | None = None) -> bool:
    """A committee with nothing recorded for QUIET_AFTER (or ever) has gone quiet."""
    today = today or timezone.localdate()
    return last_activity is None or last_activity < today - QUIET_AFTER
