"""Registrations: seats, the waiting list, the link to the prospect's file, and the emails that go with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sohosolo.audit.log import log_action
from sohosolo.events.calendar import invitation
from sohosolo.events.models import Event, Registration
from sohosolo.lib.emails import send_email
from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import FileNews, Interaction
from sohosolo.prospects.services import PersonData, find_duplicate, receive_application, tell_advisor


class RegistrationRefused(Exception):
    """Why a registration cannot be taken, in words for the person registering."""


@dataclass
class Registered:
    registration: Registration
    waiting: bool


def ics_attachment(event: Event, language: str) -> list:
    with translation.override(language):
        return [["invitation.ics", invitation(event), "text/calendar"]]


def email_registration(registration: Registration, name: str) -> None:
    event = registration.event
    send_email(
        registration.email,
        name,
        {"registration": registration, "event": event},
        language=registration.language,
        attachments=ics_attachment(event, registration.language) if registration.status == "confirmed" else None,
    )


@transaction.atomic
def register(
    event: Event,
    *,
    name: str,
    email: str,
    people: int,
    language: str,
    join_waiting_list: bool = False,
    household=None,
    user=None,
    actor=None,
) -> Registered:
    """Take a seat, or a place on the waiting list when asked for; refuse with a reason otherwise. `user`: the
    account registered (a member); `actor`: who did it, when not that user (an advisor registering a prospect)."""
    actor = actor or user
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not event.registration_open:
        raise RegistrationRefused(_("Registration for this event is closed."))
    email = email.strip().lower()
    if email and event.registrations.exclude(status=Registration.Status.CANCELLED).filter(email=email).exists():
        raise RegistrationRefused(_("This email address is already registered for this event."))
    left = event.seats_left()
    if left is not None and people > left:
        if not join_waiting_list:
            raise RegistrationRefused(
                _(
                    "Only %(left)s seats are left for this event. You can join the waiting list: you will be told "
                    "by email as soon as a seat frees up."
                )
                % {"left": left}
                if left
                else _(
                    "This event is full. You can join the waiting list: you will be told by email as soon as a "
                    "seat frees up."
                )
            )
        status = Registration.Status.WAITING
    else:
        status = Registration.Status.CONFIRMED
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                event=event,
                name=name.strip(),
                email=email,
                people=people,
                language=language,
                status=status,
                household=household,
                user=user,
            )
    except IntegrityError:
        raise RegistrationRefused(_("This email address is already registered for this event.")) from None
    log_action(
        actor, "event.registered", registration, {"event": event.pk, "status": status}, territory=event.territory
    )
    if household is not None:
        tell_advisor(household, FileNews.Kind.REGISTERED, detail=event.title, actor=actor, event=event.pk)
    if email:
        transaction.on_commit(
            lambda: email_registration(
                registration,
                "registration-confirmed" if status == Registration.Status.CONFIRMED else "registration-waiting",
            )
        )
    return Registered(registration, waiting=status == Registration.Status.WAITING)


@transaction.atomic
def cancel(registration: Registration, actor=None) -> list[Registration]:
    """Cancel a registration; the first people waiting who now fit get the seats and are told. Returns them."""
    event = Event.objects.select_for_update().get(pk=registration.event_id)
    if registration.status == Registration.Status.CANCELLED:
        return []
    registration.status = Registration.Status.CANCELLED
    registration.save(update_fields=["status"])
    log_action(actor, "event.cancelled_registration", registration, {"event": event.pk}, territory=event.territory)
    if registration.household_id:
        tell_advisor(
            registration.household,
            FileNews.Kind.REGISTRATION_CANCELLED,
            detail=event.title,
            actor=actor,
            event=event.pk,
        )
    return promote_waiting(event)


def promote_waiting(event: Event) -> list[Registration]:
    promoted = []
    for waiting in event.registrations.filter(status=Registration.Status.WAITING).order_by("created_at", "pk"):
        left = event.seats_left()
        if left is not None and waiting.people > left:
            break  # first come, first served: nobody jumps the queue
        waiting.status = Registration.Status.CONFIRMED
        waiting.save(update_fields=["status"])
        promoted.append(waiting)
        if waiting.email:
            transaction.on_commit(lambda w=waiting: email_registration(w, "registration-promoted"))
    return promoted


def due_reminders(now=None):
    """Confirmed registrations of events starting tomorrow (between 12 and 36 hours from now), not yet reminded."""
    now = now or timezone.now()
    return Registration.objects.filter(
        status=Registration.Status.CONFIRMED,
        reminded_at__isnull=True,
        event__cancelled=False,
        event__starts_at__gte=now + timedelta(hours=12),
        event__starts_at__lt=now + timedelta(hours=36),
    ).exclude(email="")


def send_reminders(now=None) -> int:
    """Remind each registration once: claimed by an update, so two schedulers never send it twice."""
    now = now or timezone.now()
    sent = 0
    for registration in due_reminders(now).select_related("event__territory", "event__commune"):
        if Registration.objects.filter(pk=registration.pk, reminded_at__isnull=True).update(reminded_at=now):
            email_registration(registration, "registration-reminder")
            sent += 1
    return sent


# --- Registering a visitor without an account ----------------------------------------------------------------------


@transaction.atomic
def register_visitor(event: Event, data: dict, user=None):
    """Register someone without an account; link them to their prospect file, or open one if they agreed."""
    household = find_duplicate(event.territory, data["email"], "", data["first_name"], data["last_name"], "")
    if household is None and data["consent_follow_up"]:
        household = receive_application(
            event.territory,
            PersonData(first_name=data["first_name"], last_name=data["last_name"], email=data["email"]),
            [],
            {"source": "website"},
            [],
            {Consent.Purpose.FOLLOW_UP: True},
            data["language"],
            source_label="event registration",
        ).household
    registered = register(
        event,
        name=f"{data['first_name']} {data['last_name']}",
        email=data["email"],
        people=data["people"],
        language=data["language"],
        join_waiting_list=data["join_waiting_list"],
        household=household,
        user=user,
    )
    if household is not None:
        note_registration(household, registered)
    return registered


def note_registration(household, registered: Registered, actor=None) -> None:
    """The registration in the household's timeline."""
    event = registered.registration.event
    household.record(
        Interaction.Kind.EVENT,
        _("Registered for %(event)s on %(date)s%(waiting)s.")
        % {
            "event": event.title_fr,
            "date": timezone.localtime(event.starts_at).strftime("%d/%m/%Y"),
            "waiting": _(" (waiting list)") if registered.waiting else "",
        },
        author=actor,
        data={"event": event.pk, "registration": registered.registration.pk},
    )


@transaction.atomic
def register_household(event: Event, household, people: int, join_waiting_list: bool, actor) -> Registered:
    """The team registers a prospect household (its main contact) for `event`: the usual confirmation, in the
    household's language, with the reminder and the waiting list of any registration."""
    contact = household.main_contact
    registered = register(
        event,
        name=contact.full_name if contact else household.display_name,
        email=contact.email if contact else "",
        people=people,
        language=household.language,
        join_waiting_list=join_waiting_list,
        household=household,
        actor=actor,
    )
    note_registration(household, registered, actor)
    return registered


# --- Attendance -----------------------------------------------------------------------------------------------------
#
# Attendance and the prospect's timeline: marking someone present adds one "Attended …" entry to the timeline of the
# household their registration is linked to, once per registration however often the button is tapped. Marking them
# absent afterwards removes nothing (the timeline is a record of what the team did and saw): it adds one note saying
# so, and the registration's attendance is what counts. No-shows are confirmed registrations marked absent, and, once
# the event is over, confirmed registrations never marked.

CONFIRMED = Registration.Status.CONFIRMED
CANCELLED = Registration.Status.CANCELLED
PRESENT = Registration.Attendance.PRESENT
ABSENT = Registration.Attendance.ABSENT


def event_date(event: Event) -> str:
    return timezone.localtime(event.starts_at).strftime("%d/%m/%Y")


def note_in_timeline(registration: Registration, attendance: str, actor) -> None:
    """Tell the prospect's timeline, once per registration and attendance (see the module's docstring)."""
    household = registration.household
    event = registration.event
    # Someone from the waiting list who came anyway attended; only a confirmed registration can miss the event.
    if household is None or (attendance == ABSENT and registration.status != CONFIRMED):
        return
    entries = household.interactions.filter(data__registration=registration.pk)
    if entries.filter(data__attendance=attendance).exists():
        return
    names = {"event": event.title_fr, "date": event_date(event)}
    # The timeline is the team's record: written in the team's language, whoever takes the attendance.
    with translation.override(settings.LANGUAGE_CODE):
        if attendance == PRESENT:
            kind, summary = Interaction.Kind.EVENT, _("Attended %(event)s on %(date)s.") % names
        elif entries.filter(data__attendance=PRESENT).exists():
            kind = Interaction.Kind.NOTE
            summary = _("Marked absent from %(event)s on %(date)s, after first being marked present.") % names
        else:
            kind, summary = Interaction.Kind.NOTE, _("Did not come to %(event)s on %(date)s.") % names
        household.record(
            kind,
            summary,
            author=actor,
            occurred_at=min(timezone.now(), event.starts_at),
            data={"event": event.pk, "registration": registration.pk, "attendance": attendance},
            contact_on=timezone.localtime(event.starts_at).date() if attendance == PRESENT else None,
            search=True,
        )


@transaction.atomic
def record_attendance(registration: Registration, attendance: str, actor) -> Registration:
    # Locked, so that two quick taps never write the timeline twice.
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event__territory", "household")
        .get(pk=registration.pk)
    )
    if registration.attendance != attendance:
        registration.attendance = attendance
        registration.save(update_fields=["attendance"])
        log_action(
            actor,
            "event.attendance",
            registration,
            {"event": registration.event_id, "attendance": attendance},
            territory=registration.event.territory,
        )
    note_in_timeline(registration, attendance, actor)
    return registration


@transaction.atomic
def add_walk_in(event: Event, data: dict, actor) -> tuple[Registration, bool]:
    """Someone came without registering: a present registration, linked to their file when the email matches one.
    If the email is already registered for the event, that registration is marked present instead (False)."""
    event = Event.objects.select_for_update().select_related("territory").get(pk=event.pk)
    email = data["email"].strip().lower()
    if email:
        existing = event.registrations.exclude(status=CANCELLED).filter(email=email).first()
        if existing is not None:
            return record_attendance(existing, PRESENT, actor), False
    household = find_duplicate(event.territory, email) if email else None
    registration = Registration.objects.create(
        event=event,
        name=data["name"].strip(),
        email=email,
        people=data["people"],
        language=household.language if household else settings.LANGUAGE_CODE,
        status=CONFIRMED,
        attendance=PRESENT,
        walk_in=True,
        household=household,
    )
    log_action(
        actor,
        "event.walk_in",
        registration,
        {"event": event.pk, "household": household.pk if household else None},
        territory=event.territory,
    )
    note_in_timeline(registration, PRESENT, actor)
    return registration, True
