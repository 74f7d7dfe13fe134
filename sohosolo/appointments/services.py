"""Scheduling and cancelling an appointment: the follow-up, the timeline, the audit log and the household's emails."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sohosolo.appointments.calendar import ics_attachment
from sohosolo.appointments.models import Appointment
from sohosolo.audit.log import log_action
from sohosolo.lib.emails import send_email
from sohosolo.prospects.models import FileNews, FollowUp, Household, Interaction
from sohosolo.prospects.services import tell_advisor


def _recipient(household: Household):
    contact = household.main_contact
    return contact if contact is not None and contact.email else None


def email_household(appointment: Appointment, name: str, method: str, **context) -> bool:
    """Email `name` to the household's main contact, in the household's language, with the .ics. Whether it went."""
    household = appointment.household
    contact = _recipient(household)
    if contact is None:
        return False
    send_email(
        contact.email,
        name,
        {
            "appointment": appointment,
            "household": household,
            "contact": contact,
            "advisor": appointment.advisor,
            "territory": household.territory,
            **context,
        },
        language=household.language,
        attachments=ics_attachment(appointment, household.language, method),
    )
    return True


@transaction.atomic
def schedule_appointment(
    household: Household,
    *,
    title: str,
    starts_at: datetime,
    duration: int,
    place: str,
    video_url: str,
    assignee,
    actor,
    send_invitation: bool = True,
) -> tuple[Appointment, bool]:
    """The follow-up and its appointment, the timeline entry, the log; the invitation queued if asked (the queue is
    in the database: it goes with the transaction). Returns the appointment and whether the invitation was sent."""
    follow_up = FollowUp.objects.create(
        household=household,
        title=title,
        due_on=timezone.localtime(starts_at).date(),
        assignee=assignee,
        created_by=actor,
    )
    appointment = Appointment.objects.create(
        follow_up=follow_up, starts_at=starts_at, duration=duration, place=place, video_url=video_url
    )
    household.record(
        Interaction.Kind.MEETING,
        _("Appointment planned on %(when)s: %(title)s.") % {"when": appointment.when_text(), "title": title},
        author=actor,
        data={"appointment": appointment.pk, "action": "scheduled", "starts_at": starts_at.isoformat()},
    )
    sent = send_invitation and email_household(appointment, "appointment-invitation", "REQUEST")
    log_action(
        actor,
        "appointment.scheduled",
        household,
        {
            "appointment": appointment.pk,
            "starts_at": starts_at.isoformat(),
            "duration": duration,
            "assignee": assignee.pk if assignee else None,
            "invitation_sent": sent,
        },
    )
    return appointment, sent


@transaction.atomic
def cancel_appointment(appointment: Appointment, actor=None, by_household: bool = False) -> bool:
    """Cancel once (a second tab or click changes nothing): the follow-up done, the timeline, the log, a CANCEL .ics
    to the household; cancelled by the household, its advisors are told (FileNews). Whether it was still on."""
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("follow_up__household__territory", "follow_up__assignee")
        .get(pk=appointment.pk)
    )
    if not locked.is_scheduled:
        return False
    now = timezone.now()
    locked.status = Appointment.Status.CANCELLED
    locked.cancelled_at = now
    locked.cancelled_by_household = by_household
    locked.ics_sequence += 1
    locked.save(update_fields=["status", "cancelled_at", "cancelled_by_household", "ics_sequence"])
    appointment.__dict__.update({k: getattr(locked, k) for k in ("status", "cancelled_at", "cancelled_by_household")})
    appointment.ics_sequence = locked.ics_sequence
    household = locked.household
    locked.follow_up.mark_done(actor, log=False)
    household.record(
        Interaction.Kind.MEETING,
        (
            _("Appointment of %(when)s cancelled by the household.")
            if by_household
            else _("Appointment of %(when)s cancelled.")
        )
        % {"when": locked.when_text()},
        author=actor,
        data={"appointment": locked.pk, "action": "cancelled", "by_household": by_household},
    )
    log_action(actor, "appointment.cancelled", household, {"appointment": locked.pk, "by_household": by_household})
    if by_household:
        told = tell_advisor(household, FileNews.Kind.APPOINTMENT_CANCELLED, detail=locked.when_text())
        assignee_id = locked.follow_up.assignee_id
        if assignee_id is not None and assignee_id != (told.advisor_id if told else household.advisor_id):
            # The appointment's advisor is not the file's: they are the one whose slot is free.
            FileNews.objects.create(
                household=household,
                advisor_id=assignee_id,
                kind=FileNews.Kind.APPOINTMENT_CANCELLED,
                data={"detail": locked.when_text()},
            )
    email_household(locked, "appointment-cancelled", "CANCEL", by_household=by_household)
    return True
