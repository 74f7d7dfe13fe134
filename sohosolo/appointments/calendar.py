"""iCalendar (RFC 5545 / iTIP RFC 5546) for appointments: the household's invitation and its cancellation, and the
appointments of the advisor's private calendar feed (sohosolo/events/feeds.py).

Times are written in UTC (DTSTART:20261210T130000Z): every calendar program reads them, and the appointment shows at
the right hour wherever the household lives. The UID is stable per appointment, so that a CANCEL (with a higher
SEQUENCE) removes the event the REQUEST added.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Event as ICalEvent
from icalendar import vCalAddress, vText

from sohosolo.appointments.models import Appointment
from sohosolo.events.calendar import _calendar
from sohosolo.prospects.models import main_contact_prefetch

PRODID = "-//Soho Solo//Appointments//FR"
# The advisor's feed: the last three months and the coming year, as for the events.
FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=365)


def uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{settings.SITE_URL.split('://')[-1]}"


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def _vevent(appointment: Appointment, summary: str, description: str, url: str) -> ICalEvent:
    item = ICalEvent()
    item.add("uid", uid(appointment))
    item.add("sequence", appointment.ics_sequence)
    item.add("dtstamp", timezone.now().astimezone(UTC))
    item.add("dtstart", appointment.starts_at.astimezone(UTC))
    item.add("dtend", appointment.ends_at.astimezone(UTC))
    item.add("summary", summary)
    if description:
        item.add("description", description)
    if appointment.place:
        item.add("location", appointment.place)
    if url:
        item.add("url", url)
    advisor = appointment.advisor
    if advisor is not None and advisor.email:
        item.add("organizer", _address(advisor.email, advisor.full_name))
    item.add("status", "CANCELLED" if appointment.is_cancelled else "CONFIRMED")
    return item


def invitation(appointment: Appointment, method: str = "REQUEST") -> str:
    """The household's .ics, in the active language: METHOD:REQUEST to add it, METHOD:CANCEL to take it away."""
    household = appointment.household
    advisor = appointment.advisor
    page = settings.SITE_URL + appointment.household_url()
    summary = (
        _("%(title)s with %(advisor)s") % {"title": appointment.title, "advisor": advisor.full_name}
        if advisor is not None
        else appointment.title
    )
    lines = [household.territory.public_name]
    if appointment.video_url:
        lines.append(_("Video link: %(url)s") % {"url": appointment.video_url})
    lines.append(_("To cancel: %(url)s") % {"url": page})
    item = _vevent(appointment, summary, "\n".join(lines), appointment.video_url or page)
    contact = household.main_contact
    if contact is not None and contact.email:
        item.add(
            "attendee", _address(contact.email, contact.full_name, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION")
        )
    calendar = _calendar(method=method, prodid=PRODID)
    calendar.add_component(item)
    return calendar.to_ical().decode()


def ics_attachment(appointment: Appointment, language: str, method: str = "REQUEST") -> list:
    """The attachment for send_email: [filename, text, MIME type]."""
    with translation.override(language):
        name = "invitation.ics" if method == "REQUEST" else "cancellation.ics"
        return [[name, invitation(appointment, method), "text/calendar"]]


def appointment_vevents(user) -> list[ICalEvent]:
    """The appointments of `user` (their assignee) for their private calendar feed, cancelled ones too (calendars then
    drop them), in two queries whatever their number."""
    now = timezone.now()
    appointments = (
        Appointment.objects.current()
        .of_advisor(user)
        .filter(Q(starts_at__gte=now - FEED_PAST) & Q(starts_at__lte=now + FEED_AHEAD))
        .select_related("follow_up__household__territory", "follow_up__assignee")
        .prefetch_related(main_contact_prefetch("follow_up__household__"))
        .order_by("starts_at", "pk")
    )
    items = []
    for appointment in appointments:
        household = appointment.household
        lines = [appointment.video_url] if appointment.video_url else []
        url = settings.SITE_URL + reverse("prospects:detail", args=[household.territory.code, household.pk])
        summary = f"{appointment.title} — {household.display_name}"
        items.append(_vevent(appointment, summary, "\n".join(lines), url))
    return items
