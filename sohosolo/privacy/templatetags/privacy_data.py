"""Filters that render a household's data export as a readable page, whatever sections the apps add."""

from __future__ import annotations

import re
from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from sohosolo.privacy.consents import source_label

register = template.Library()

# Labels of the export's keys; keys of other apps' sections without a label are shown as written.
LABELS = {
    "household": _("Your file"),
    "registrations": _("Registrations for events"),
    "consents": _("Consents"),
    "access_log": _("Who read or changed your file"),
    "rights_requests": _("Your requests about your data"),
    "number": _("File number"),
    "territory": _("Programme"),
    "stage": _("Stage"),
    "stage_reason": _("Reason"),
    "advisor": _("Advisor"),
    "language": _("Language"),
    "first_contact_on": _("First contact"),
    "last_contact_on": _("Last contact"),
    "settled_on": _("Settled on"),
    "settled_in": _("Settled in"),
    "people_settled": _("People settled"),
    "notes": _("Team's notes"),
    "notes_for_committee": _("Notes for the village committees"),
    "tags": _("Tags"),
    "villages_of_interest": _("Partner villages of interest"),
    "members": _("Members of the household"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "adult_or_child": _("Adult or child"),
    "main_contact": _("Main contact"),
    "email": _("Email"),
    "phone": _("Phone"),
    "year_of_birth": _("Year of birth"),
    "timeline": _("Timeline"),
    "follow_ups": _("Follow-ups"),
    "when": _("Date and time"),
    "kind": _("Kind"),
    "summary": _("What happened"),
    "by": _("By"),
    "what": _("What to do"),
    "due_on": _("Due on"),
    "done_at": _("Done on"),
    "event": _("Event"),
    "starts_at": _("Starts at"),
    "name": _("Name"),
    "people": _("Number of people"),
    "status": _("Status"),
    "attendance": _("Attendance"),
    "registered_on": _("Registered on"),
    "purpose": _("Purpose"),
    "given": _("Given"),
    "wording": _("Wording shown"),
    "wording_version": _("Version of the wording"),
    "recorded_at": _("Recorded on"),
    "withdrawn_at": _("Withdrawn on"),
    "how": _("How it was recorded"),
    "who": _("Who"),
    "action": _("Action"),
    "request": _("Request"),
    "received_on": _("Received on"),
    "details": _("Details"),
    "answer": _("Answer"),
    "activity": _("Activity"),
    "sector": _("Sector"),
    "current_country": _("Country of residence"),
    "current_town": _("Town of residence"),
    "tenure": _("Rent or buy"),
    "housing_type": _("Type of home"),
    "rooms": _("Rooms"),
    "budget": _("Budget (€)"),
    "max_distance_km": _("Largest distance to a town, station or airport (km)"),
    "village_size": _("Village size"),
    "needs_broadband": _("Needs good broadband"),
    "needs_coworking": _("Needs a coworking space"),
    "needs_school": _("Needs a school"),
    "needs_childcare": _("Needs childcare"),
    "needs_partner_job": _("Needs a job for a partner"),
    "needs_health_care": _("Needs health care"),
    "source": _("How they heard of us"),
    "project": _("Project"),
    # Sections of the other apps (sohosolo/*/personal_data.py, network/receivers.py)
    "housing_proposals": _("Villages and homes proposed to you"),
    "sent_at": _("Sent on"),
    "sent_to": _("Sent to"),
    "message": _("Message"),
    "items": _("What was proposed"),
    "village": _("Village"),
    "offer": _("Home"),
    "reasons": _("Why"),
    "answered_at": _("Answered on"),
    "comment": _("Comment"),
    "committees": _("Village welcome committees"),
    "referrals": _("Referrals to villages"),
    "referred_on": _("Referred on"),
    "note": _("Note"),
    "visits": _("Visits"),
    "homes": _("Homes to see"),
    "interest": _("Interest"),
    "outcome": _("Outcome"),
    "report": _("Report"),
    "welcome": _("Welcome in the village"),
    "title": _("Title"),
    "introductions": _("Introductions"),
    "check_ins": _("Check-ins"),
    "email_given": _("Email given"),
    "phone_given": _("Phone given"),
    "name_given": _("Name given"),
    "met_on": _("Met on"),
    "on": _("On"),
    "proposed_on": _("Proposed on"),
    "their_answer": _("Their answer"),
    "your_answer": _("Your answer"),
    "with": _("With"),
}


@register.filter
def entries(value: dict) -> list:
    """The (key, value) pairs of a mapping: `value.items` in a template would read a key named "items"."""
    return list(value.items())


@register.filter
def is_mapping(value) -> bool:
    return isinstance(value, dict)


@register.filter
def is_sequence(value) -> bool:
    return isinstance(value, list | tuple)


@register.filter
def data_label(key) -> str:
    return str(LABELS.get(key, str(key).replace("_", " ").capitalize()))


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@register.filter
def readable(value):
    """ISO dates and times of the export, as people read them (Paris time, the current language's format)."""
    if isinstance(value, str):
        try:
            if ISO_DATE.match(value):
                return date_format(date.fromisoformat(value), "j F Y")
            if ISO_DATETIME.match(value):
                moment = datetime.fromisoformat(value)
                if timezone.is_aware(moment):
                    moment = timezone.localtime(moment)
                return date_format(moment, "j F Y, H:i")
        except ValueError:
            return value
    return value


@register.filter
def consent_source(source: str) -> str:
    """How a consent was recorded (its stored code), worded in the reader's language."""
    return source_label(source)
