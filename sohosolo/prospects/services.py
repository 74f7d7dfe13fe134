"""Workflows on prospects that touch several records: applications and duplicates, stages, settling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sohosolo.lib.text import name_key, phone_key
from sohosolo.privacy.audit import log_action
from sohosolo.privacy.consents import record_consents, settle_consents
from sohosolo.prospects.models import PROJECT_FIELDS, FollowUp, Household, Interaction, Person, Stage
from sohosolo.prospects.signals import households_merging


@dataclass
class PersonData:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    birth_year: int | None = None
    kind: str = Person.Kind.ADULT


def find_duplicate(
    territory, email: str = "", phone: str = "", first_name: str = "", last_name: str = "", town: str = ""
) -> Household | None:
    """The household of `territory` this person already belongs to: same email, same phone (normalised), or same
    names and town (accents and case ignored). Anonymised files are never matched."""
    people = Person.objects.filter(household__territory=territory, household__anonymised_at__isnull=True)
    matches = Q()
    if email.strip():
        matches |= Q(email=email.strip().lower())
    if phone_key(phone):
        matches |= Q(phone_key=phone_key(phone))
    if matches:
        person = people.filter(matches).select_related("household").order_by("household__pk").first()
        if person:
            return person.household
    if first_name.strip() and last_name.strip() and town.strip():
        # Same names and same town, accents and case ignored (compared here: the database cannot fold accents).
        town_key = name_key(town)
        for person in people.filter(name_key=name_key(f"{first_name} {last_name}")).select_related("household"):
            if name_key(person.household.current_town) == town_key:
                return person.household
    return None


@dataclass
class ApplicationResult:
    household: Household
    is_new: bool


@transaction.atomic
def receive_application(
    territory,
    contact: PersonData,
    members: list[PersonData],
    details: dict,
    villages,
    consents: dict[str, bool],
    language: str,
    actor=None,
    source_label: str = "application form",
) -> ApplicationResult:
    """File an application: a new household, or the existing one it matches, flagged for the team to check."""
    existing = find_duplicate(
        territory, contact.email, contact.phone, contact.first_name, contact.last_name, details.get("current_town", "")
    )
    today = timezone.localdate()
    if existing is not None:
        household = existing
        household.possible_duplicate = True
        household.last_contact_on = today
        household.save(update_fields=["possible_duplicate", "last_contact_on", "updated_at"])
        Interaction.objects.create(
            household=household,
            kind=Interaction.Kind.APPLICATION,
            summary=_("New application from %(name)s (%(email)s), attached to this file: check it.")
            % {"name": f"{contact.first_name} {contact.last_name}".strip(), "email": contact.email},
            author=actor,
            # What was sent is kept for the team to check, and changes nothing on the file by itself: anyone who knows
            # someone's email could otherwise change their consents or their villages.
            data={
                "contact": contact.__dict__,
                "details": {k: str(v) for k, v in details.items()},
                "villages": [v.name for v in villages],
                "consents": {str(k): v for k, v in consents.items()},
                "language": language,
            },
        )
        is_new = False
    else:
        household = Household.objects.create(
            territory=territory, language=language, first_contact_on=today, last_contact_on=today, **details
        )
        Person.objects.create(household=household, is_main_contact=True, **contact.__dict__)
        Person.objects.bulk_create(Person(household=household, **m.__dict__).fill_keys() for m in members)
        Interaction.objects.create(
            household=household,
            kind=Interaction.Kind.APPLICATION,
            author=actor,
            summary=_("Application received (%(source)s).") % {"source": source_label},
        )
        is_new = True
    if is_new:
        household.villages_of_interest.add(*villages)
        record_consents(household, consents, language, source=source_label)
    household.refresh_search_text()
    log_action(
        actor,
        "prospect.applied" if is_new else "prospect.applied_again",
        household,
        {"email": contact.email, "consents": consents},
    )
    return ApplicationResult(household, is_new)


@transaction.atomic
def change_stage(household: Household, stage: str, reason: str, actor) -> None:
    before = household.stage
    household.stage = stage
    household.stage_reason = reason if stage in (Stage.ON_HOLD, Stage.DROPPED) else ""
    household.last_contact_on = timezone.localdate()
    fields = ["stage", "stage_reason", "last_contact_on", "updated_at"]
    if before == Stage.SETTLED and stage != Stage.SETTLED:
        # No longer settled: it no longer counts in the results.
        household.settled_on = household.settled_commune = household.settled_people = None
        fields += ["settled_on", "settled_commune", "settled_people"]
    household.save(update_fields=fields)
    Interaction.objects.create(
        household=household,
        kind=Interaction.Kind.STAGE,
        author=actor,
        summary=_("Stage: %(before)s → %(after)s.") % {"before": Stage(before).label, "after": Stage(stage).label}
        + (f" {reason}" if reason else ""),
        data={"from": str(before), "to": str(stage)},  # the results read the stages at any date from these
    )
    log_action(actor, "prospect.stage_changed", household, {"from": before, "to": stage, "reason": reason})


WELCOME_FOLLOW_UPS = [
    (30, _("Welcome call, one month after settling")),
    (182, _("Six months after settling: how is the family doing?")),
    (365, _("One year after settling: review with the family")),
]


@transaction.atomic
def settle_household(household: Household, commune, settled_on: date, people: int, actor) -> None:
    """Mark the household settled; the welcome sequence then runs in the background (see tasks.welcome_sequence)."""
    from sohosolo.prospects.tasks import welcome_sequence

    before = household.stage
    household.stage = Stage.SETTLED
    household.stage_reason = ""
    household.settled_commune = commune
    household.settled_on = settled_on
    household.settled_people = people
    household.last_contact_on = timezone.localdate()
    household.save(
        update_fields=[
            "stage",
            "stage_reason",
            "settled_commune",
            "settled_on",
            "settled_people",
            "last_contact_on",
            "updated_at",
        ]
    )
    Interaction.objects.create(
        household=household,
        kind=Interaction.Kind.STAGE,
        author=actor,
        summary=_("Settled in %(commune)s on %(date)s, %(people)s people.")
        % {"commune": commune.name, "date": settled_on.strftime("%d/%m/%Y"), "people": people},
        data={"from": str(before), "to": str(Stage.SETTLED), "commune": commune.pk},
    )
    log_action(
        actor,
        "prospect.settled",
        household,
        {"commune": commune.pk, "settled_on": settled_on.isoformat(), "people": people},
    )
    transaction.on_commit(lambda: welcome_sequence.enqueue(household.pk, actor.pk if actor else None))


def welcome_follow_ups(household: Household, assignee) -> list[FollowUp]:
    start = household.settled_on or timezone.localdate()
    return FollowUp.objects.bulk_create(
        FollowUp(
            household=household,
            title=str(title),
            due_on=start + timedelta(days=days),
            assignee=assignee,
            created_by=None,
        )
        for days, title in WELCOME_FOLLOW_UPS
    )


MERGEABLE_FIELDS = [
    "stage",
    "stage_reason",
    "advisor",
    *PROJECT_FIELDS,
    "language",
    "settled_on",
    "settled_commune",
    "settled_people",
]


@transaction.atomic
def merge_households(keep: Household, other: Household, take_from_other: list[str], actor) -> Household:
    """Fold `other` into `keep`: the fields listed in `take_from_other` come from `other`, everything else stays;
    members, timelines, follow-ups, consents, villages and tags are combined; the history of both is kept on `keep`."""
    from django.contrib.contenttypes.models import ContentType

    from sohosolo.privacy.models import ActionLog

    if keep.pk == other.pk or keep.territory_id != other.territory_id:
        raise ValueError("Two different files of the same territory are needed.")
    changed = {}
    settling = ["settled_on", "settled_commune", "settled_people"]
    if "stage" in take_from_other:  # a stage comes with its reason and its settling data
        take_from_other = [*take_from_other, "stage_reason", *settling]
    elif any(field in take_from_other for field in settling):
        take_from_other = [f for f in take_from_other if f not in settling]
    for field in take_from_other:
        if field in MERGEABLE_FIELDS:
            setattr(keep, field, getattr(other, field))
            changed[field] = str(getattr(other, field))
    if keep.stage not in (Stage.ON_HOLD, Stage.DROPPED):
        keep.stage_reason = ""
    elif not keep.stage_reason:
        keep.stage_reason = other.stage_reason or _("Merged file")
    keep.notes = "\n\n".join(n for n in (keep.notes, other.notes) if n)
    keep.notes_for_committee = "\n\n".join(n for n in (keep.notes_for_committee, other.notes_for_committee) if n)
    keep.first_contact_on = min(keep.first_contact_on, other.first_contact_on)
    keep.last_contact_on = max(keep.last_contact_on, other.last_contact_on)
    keep.possible_duplicate = False
    keep.save()
    kept_by_email = {m.email: m for m in keep.members.all() if m.email}
    for member in other.members.all():
        same = kept_by_email.get(member.email) if member.email else None
        if same is not None:
            # The same person, already in the kept file: only their blanks are filled.
            for field in ("first_name", "last_name", "phone", "birth_year"):
                if not getattr(same, field) and getattr(member, field):
                    setattr(same, field, getattr(member, field))
            same.save()
            continue
        member.household = keep
        member.is_main_contact = False
        member.save()
    other.interactions.update(household=keep)
    other.follow_ups.update(household=keep)
    households_merging.send(sender=Household, keep=keep, other=other)
    other.consents.update(household=keep)
    settle_consents(keep)
    keep.villages_of_interest.add(*other.villages_of_interest.all())
    keep.tags.add(*other.tags.all())
    household_type = ContentType.objects.get_for_model(Household)
    ActionLog.objects.filter(content_type=household_type, object_id=str(other.pk)).update(object_id=str(keep.pk))
    Interaction.objects.create(
        household=keep,
        kind=Interaction.Kind.NOTE,
        author=actor,
        summary=_("File %(other)s merged into this one.") % {"other": other.pk},
    )
    log_action(actor, "prospect.merged", keep, {"merged_file": other.pk, "fields_taken": changed})
    other.delete()
    keep.refresh_search_text()
    return keep
