"""Registrations: seats, the waiting list, the link to the prospect's file, and the emails that go with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sohosolo.events.calendar import invitation
from sohosolo.events.models import Event, Registration
from sohosolo.lib.emails import send_email
from sohosolo.privacy.audit import log_action


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
) -> Registered:
    """Take a seat, or a place on the waiting list when asked for; refuse with a reason otherwise."""
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
    log_action(user, "event.registered", registration, {"event": event.pk, "status": status}, territory=event.territory)
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
