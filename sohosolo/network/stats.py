"""Figures of the club for the results dashboard."""

from __future__ import annotations

from datetime import date

from sohosolo.network.models import MemberProfile


def club_size(territory, on_date: date) -> int:
    """Active members of `territory`'s club on `on_date`: they had joined (activated their membership) by then and
    had not left yet. Applications waiting or refused never count."""
    return (
        MemberProfile.objects.filter(territory=territory)
        .exclude(status__in=[MemberProfile.Status.APPLIED, MemberProfile.Status.REFUSED])
        .active_on(on_date)
        .count()
    )
