"""iCalendar (RFC 5545) for events: one event for an invitation, or a whole feed."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as ICalEvent

from sohosolo.events.models import Event

PRODID = "-//Soho Solo//Events//FR"


def _calendar(name: str = "", method: str = "", prodid: str = PRODID) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _vevent(event: Event, status: str = "CONFIRMED") -> ICalEvent:
    item = ICalEvent()
    item.add("uid", f"event-{event.pk}@{settings.SITE_URL.split('://')[-1]}")
    item.add("dtstamp", timezone.now())
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.title)
    description = event.description
    if event.online_url:
        description = f"{description}\n\n{event.online_url}".strip()
    if description:
        item.add("description", description)
    if event.place:
        item.add("location", event.place)
    item.add("url", settings.SITE_URL + event.get_absolute_url())
    item.add("status", "CANCELLED" if event.cancelled else status)
    return item


def invitation(event: Event) -> str:
    """An .ics file that mail programs offer to add to the calendar."""
    calendar = _calendar(method="PUBLISH")
    calendar.add_component(_vevent(event))
    return calendar.to_ical().decode()


def feed(events: Iterable[Event], name: str) -> bytes:
    calendar = _calendar(name=name)
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()
