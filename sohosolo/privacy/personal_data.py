"""Hooks through which every app contributes to a household's data export, its erasure and its personal space.

An app holding personal data about a household connects receivers (in its AppConfig.ready):

    collect_household_data.connect(receiver)  # receiver(sender, household, **kwargs) -> (section_name, json_data)
    erase_household_data.connect(receiver)    # receiver(sender, household, **kwargs) -> None: blank personal fields
    personal_space_items.connect(receiver)    # receiver(sender, household, **kwargs) -> list[SpaceItem]

`collect_household_data.send(...)` returns the sections of the export (sohosolo.privacy.services.export_household):
`json_data` must be JSON-able (str, numbers, bools, None, lists, dicts; dates as ISO strings). The sections appear
in the JSON download and, rendered generically, on the readable page.

`erase_household_data.send(...)` runs inside the erasure's transaction (sohosolo.privacy.services.anonymise_household),
after which the household keeps only anonymous figures. A receiver blanks names, contacts and free text, deletes
uploaded documents and photos of the household (files included: "documents follow their owner"), and keeps the
figures the results need (dates, counts, communes, statuses). It must be idempotent.

`personal_space_items.send(...)` asks each app what the household has to look at or answer in its personal space
(housing proposals, introductions…): a list of `SpaceItem(title, url, status)`. `url` is an address the household
can open without an account (the receiver's own signed link) or "" when there is nothing to open.

The receivers for prospects, events and privacy are below; they are connected by PrivacyConfig.ready().
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.dispatch import Signal

from sohosolo.audit.models import ActionLog
from sohosolo.events.models import Registration, new_token
from sohosolo.privacy.consents import source_label
from sohosolo.prospects.models import PROJECT_FIELDS, Household

collect_household_data = Signal()
erase_household_data = Signal()
personal_space_items = Signal()


@dataclass(frozen=True)
class SpaceItem:
    title: str
    url: str
    status: str


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def collect_prospect(sender, household, **kwargs) -> tuple[str, dict]:
    """The file itself: household, members, project, villages, timeline, follow-ups."""

    data = {
        "number": household.pk,
        "territory": household.territory.name,
        "stage": household.get_stage_display(),
        "stage_reason": household.stage_reason,
        "advisor": str(household.advisor) if household.advisor_id else None,
        "language": household.language,
        "first_contact_on": iso(household.first_contact_on),
        "last_contact_on": iso(household.last_contact_on),
        "settled_on": iso(household.settled_on),
        "settled_in": household.settled_commune.name if household.settled_commune_id else None,
        "people_settled": household.settled_people,
        "notes": household.notes,
        "notes_for_committee": household.notes_for_committee,
        "tags": [tag.name for tag in household.tags.all()],
        "villages_of_interest": [village.name for village in household.villages_of_interest.all()],
        "members": [
            {
                "first_name": m.first_name,
                "last_name": m.last_name,
                "adult_or_child": m.get_kind_display(),
                "main_contact": m.is_main_contact,
                "email": m.email,
                "phone": m.phone,
                "year_of_birth": m.birth_year,
            }
            for m in household.members.all()
        ],
    }
    for name in PROJECT_FIELDS:
        field = household._meta.get_field(name)
        data[name] = getattr(household, f"get_{name}_display")() if field.choices else getattr(household, name)
    data["timeline"] = [
        {
            "when": iso(i.occurred_at),
            "kind": i.get_kind_display(),
            "summary": i.summary,
            "by": str(i.author) if i.author_id else None,
        }
        for i in household.interactions.select_related("author").order_by("occurred_at", "pk")
    ]
    data["follow_ups"] = [
        {"what": f.title, "due_on": iso(f.due_on), "done_at": iso(f.done_at)}
        for f in household.follow_ups.order_by("due_on", "pk")
    ]
    return "household", data


def collect_events(sender, household, **kwargs) -> tuple[str, list]:
    return "registrations", [
        {
            "event": r.event.title_fr,
            "starts_at": iso(r.event.starts_at),
            "name": r.name,
            "email": r.email,
            "people": r.people,
            "status": r.get_status_display(),
            "attendance": r.get_attendance_display(),
            "registered_on": iso(r.created_at),
        }
        for r in household.registrations.select_related("event").order_by("created_at", "pk")
    ]


def collect_consents(sender, household, **kwargs) -> tuple[str, list]:

    return "consents", [
        {
            "purpose": c.get_purpose_display(),
            "given": c.given,
            "wording": c.wording,
            "wording_version": c.wording_version,
            "language": c.language,
            "recorded_at": iso(c.recorded_at),
            "withdrawn_at": iso(c.withdrawn_at),
            "how": source_label(c.source),
        }
        for c in household.consents.order_by("recorded_at", "pk")
    ]


def household_log(household):
    """Every logged read or change of this household's file, and of its registrations."""
    from django.contrib.contenttypes.models import ContentType

    registrations = [str(pk) for pk in household.registrations.values_list("pk", flat=True)]
    return ActionLog.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(Household), object_id=str(household.pk))
        | Q(content_type=ContentType.objects.get_for_model(Registration), object_id__in=registrations)
    )


def collect_access_log(sender, household, **kwargs) -> tuple[str, list]:
    return "access_log", [
        {"when": iso(entry.created_at), "who": str(entry.actor) if entry.actor_id else None, "action": entry.action}
        for entry in household_log(household).select_related("actor").order_by("created_at", "pk")
    ]


def collect_rights_requests(sender, household, **kwargs) -> tuple[str, list]:
    return "rights_requests", [
        {
            "request": r.get_kind_display(),
            "received_on": iso(r.received_on),
            "due_on": iso(r.due_on),
            "status": r.get_status_display(),
            "details": r.details,
            "answer": r.outcome,
        }
        for r in household.rights_requests.order_by("received_on", "pk")
    ]


def erase_events(sender, household, **kwargs) -> None:
    """Registrations keep their event, numbers and attendance (the events' figures), not who registered."""

    for registration in household.registrations.all():
        Registration.objects.filter(pk=registration.pk).update(name="", email="", user=None, token=new_token())


def connect() -> None:
    for receiver in (collect_prospect, collect_consents, collect_events, collect_rights_requests, collect_access_log):
        collect_household_data.connect(receiver, dispatch_uid=f"privacy.{receiver.__name__}")
    erase_household_data.connect(erase_events, dispatch_uid="privacy.erase_events")
