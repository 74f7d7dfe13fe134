"""A household's appointments in its data export, blanked at erasure, and listed in its personal space."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sohosolo.appointments.models import Appointment
from sohosolo.events.models import new_token
from sohosolo.privacy.personal_data import SpaceItem


def _of(household):
    return Appointment.objects.filter(follow_up__household=household)


def collect(sender, household, **kwargs) -> tuple[str, list]:
    return "appointments", [
        {
            "what": a.follow_up.title,
            "starts_at": a.starts_at.isoformat(),
            "duration_minutes": a.duration,
            "place": a.place,
            "video_link": a.video_url,
            "advisor": str(a.follow_up.assignee) if a.follow_up.assignee_id else None,
            "status": a.get_status_display(),
            "cancelled_at": a.cancelled_at.isoformat() if a.cancelled_at else None,
            "cancelled_by_household": a.cancelled_by_household,
        }
        for a in _of(household).select_related("follow_up__assignee").order_by("starts_at", "pk")
    ]


def erase(sender, household, **kwargs) -> None:
    """Keep the dates, durations and statuses (figures); blank where and how; a new token kills the emailed link."""
    for pk in _of(household).values_list("pk", flat=True):
        Appointment.objects.filter(pk=pk).update(place="", video_url="", token=new_token())


def space_items(sender, household, **kwargs) -> list[SpaceItem]:
    """The appointments to come (and those of the last hours), with the link to see or cancel them."""
    since = timezone.now() - timedelta(hours=3)
    appointments = (
        _of(household).filter(starts_at__gte=since).select_related("follow_up__assignee").order_by("starts_at")[:20]
    )
    items = []
    for appointment in appointments:
        when = date_format(timezone.localtime(appointment.starts_at), "l j F Y, H:i")
        advisor = appointment.follow_up.assignee
        title = (
            _("Appointment with %(advisor)s on %(when)s") % {"advisor": advisor.full_name, "when": when}
            if advisor is not None
            else _("Appointment on %(when)s") % {"when": when}
        )
        items.append(SpaceItem(title=title, url=appointment.household_url(), status=appointment.get_status_display()))
    return items
