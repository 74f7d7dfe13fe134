"""Workflows on prospects that touch several records: applications and duplicates, stages, settling."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from sohosolo.accounts.models import CommitteeFunction, Role, RoleKind, User
from sohosolo.audit.log import log_action
from sohosolo.audit.models import ActionLog
from sohosolo.lib.emails import send_email, send_email_to_user
from sohosolo.lib.text import name_key, phone_key
from sohosolo.privacy.consents import has_consent, record_consents, settle_consents
from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import (
    PROJECT_FIELDS,
    FileNews,
    FollowUp,
    Household,
    Interaction,
    Person,
    SentForm,
    Stage,
    in_work,
)
from sohosolo.prospects.signals import household_settled, households_merging
from sohosolo.territory.models import Territory, Village


@dataclass
class PersonData:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    birth_year: int | None = None
    kind: str = Person.Kind.ADULT


def likely_duplicates(
    territory,
    email: str = "",
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    town: str = "",
    limit: int = 5,
) -> list[Household]:
    """The households of `territory` this person may already belong to, the surest first: same email, same phone
    (normalised), then same names and town (accents and case ignored). Anonymised files are never matched."""
    people = Person.objects.filter(in_work("household__"), household__territory=territory)
    found: dict[int, Household] = {}
    matches = Q()
    if email.strip():
        matches |= Q(email=email.strip().lower())
    if phone_key(phone):
        matches |= Q(phone_key=phone_key(phone))
    if matches:
        for person in people.filter(matches).select_related("household").order_by("household__pk")[:limit]:
            found.setdefault(person.household_id, person.household)
    if first_name.strip() and last_name.strip() and town.strip() and len(found) < limit:
        # Same names and same town, accents and case ignored (compared here: the database cannot fold accents).
        town_key = name_key(town)
        named = people.filter(name_key=name_key(f"{first_name} {last_name}")).select_related("household")
        for person in named.order_by("household__pk")[:50]:
            if name_key(person.household.current_town) == town_key:
                found.setdefault(person.household_id, person.household)
    return list(found.values())[:limit]


def find_duplicate(
    territory, email: str = "", phone: str = "", first_name: str = "", last_name: str = "", town: str = ""
) -> Household | None:
    """The household of `territory` this person most surely belongs to (see likely_duplicates), or None."""
    found = likely_duplicates(territory, email, phone, first_name, last_name, town, limit=1)
    return found[0] if found else None


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
        household.record(
            Interaction.Kind.APPLICATION,
            _("New application from %(name)s (%(email)s), attached to this file: check it.")
            % {"name": f"{contact.first_name} {contact.last_name}".strip(), "email": contact.email},
            author=actor,
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
        household.record(
            Interaction.Kind.APPLICATION,
            _("Application received (%(source)s).") % {"source": source_label},
            author=actor,
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
@transaction.atomic
def change_stage(household: Household, stage: str, reason: str, actor) -> None:
    """Move the file to `stage`. The file's row is locked and its stage read again first: of two changes at the same
    moment the second waits, and the history's "from" is the stage the file really had."""
    before = Household.objects.select_for_update().values_list("stage", flat=True).get(pk=household.pk)
    household.stage = stage
    household.stage_reason = reason if stage in (Stage.ON_HOLD, Stage.DROPPED) else ""
    household.last_contact_on = timezone.localdate()
    fields = ["stage", "stage_reason", "last_contact_on", "updated_at"]
    if before == Stage.SETTLED and stage != Stage.SETTLED:
        # No longer settled: it no longer counts in the results.
        household.settled_on = household.settled_commune = household.settled_people = None
        fields += ["settled_on", "settled_commune", "settled_people"]
    household.save(update_fields=fields)
    household.record(
        Interaction.Kind.STAGE,
        _("Stage: %(before)s → %(after)s.") % {"before": Stage(before).label, "after": Stage(stage).label}
        + (f" {reason}" if reason else ""),
        author=actor,
        data={"from": str(before), "to": str(stage)},
    )
    log_action(actor, "prospect.stage_changed", household, {"from": before, "to": stage, "reason": reason})


WELCOME_FOLLOW_UPS = [
    (30, _("Welcome call, one month after settling")),
    (182, _("Six months after settling: how is the family doing?")),
    (365, _("One year after settling: review with the family")),
]


@transaction.atomic
def settle_household(household: Household, commune, settled_on: date, people: int, actor) -> None:
    """Mark the household settled; the welcome sequence then runs in the background (welcome_sequence, below)."""
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
    household.record(
        Interaction.Kind.STAGE,
        _("Settled in %(commune)s on %(date)s, %(people)s people.")
        % {"commune": commune.name, "date": settled_on.strftime("%d/%m/%Y"), "people": people},
        author=actor,
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
            is_welcome=True,
        )
        for days, title in WELCOME_FOLLOW_UPS
    )


@task()
def welcome_sequence(household_id: int, actor_id: int | None = None) -> dict:
    """After settling: follow-ups at +1, +6 and +12 months; the village committee told, if the household agreed to
    sharing; then `household_settled` for the other apps. Runs once per household, however often it is queued."""
    with transaction.atomic():
        household = (
            Household.objects.select_for_update(of=("self",))
            .select_related("territory", "settled_commune")
            .get(pk=household_id)
        )
        settling = f"{household.settled_on}:{household.settled_commune_id}"
        if household.stage != "settled" or household.interactions.filter(data__welcome_sequence=settling).exists():
            return {"skipped": True}
        follow_ups = welcome_follow_ups(household, household.advisor)
        village = Village.objects.filter(territory=household.territory, commune=household.settled_commune).first()
        told = []
        if village is not None and has_consent(household, Consent.Purpose.SHARING):
            referents = Role.objects.filter(village=village, kind=RoleKind.VOLUNTEER, user__is_active=True)
            chosen = referents.filter(committee_function=CommitteeFunction.REFERENT) or referents
            for role in chosen.select_related("user"):
                send_email_to_user(role.user, "newcomer-settled", {"household": household, "village": village})
                told.append(role.user.email)
        household.record(
            Interaction.Kind.NOTE,
            _("Welcome sequence started: %(count)s follow-ups planned; committee told: %(told)s.")
            % {"count": len(follow_ups), "told": ", ".join(told) or _("no (no consent or not a partner village)")},
            author=User.objects.filter(pk=actor_id).first() if actor_id else None,
            data={"welcome_sequence": settling, "committee_told": told},
        )
        household_settled.send(
            sender=Household, household=household, village=village, follow_ups=follow_ups, actor_id=actor_id
        )
    return {"follow_ups": len(follow_ups), "committee_told": told}


# --- The programme team and the automatic assignment ---------------------------------------------------------------


def team_of(territory):
    """The programme team of `territory`: its active advisors and managers, by name."""
    return (
        User.objects.filter(
            roles__territory=territory, roles__kind__in=[RoleKind.ADVISOR, RoleKind.MANAGER], is_active=True
        )
        .distinct()
        .order_by("full_name")
    )


def advisors_round_robin(territory: Territory) -> Role | None:
    """The role of the active advisor of `territory` who was given a new file the longest time ago, locked until the
    transaction ends. A role locked by another assignment at this moment is skipped (SKIP LOCKED): two applications
    go to two advisors at once instead of one waiting for the other; with every advisor busy, it waits for the first."""
    roles = (
        Role.objects.filter(territory=territory, kind=RoleKind.ADVISOR, user__is_active=True)
        .select_related("user")
        .order_by(F("last_given_at").asc(nulls_first=True), "pk")
    )
    return (
        roles.select_for_update(skip_locked=True, of=("self",)).first() or roles.select_for_update(of=("self",)).first()
    )


class FormAlreadySent(Exception):
    """The form's start token came with other answers before: this copy of the form was sent already."""


def claim_form(token: str, answers: str) -> bool:
    """Record that the form started with `token` is sent with `answers`: True the first time; False when the same
    answers came already (a double click, a reload: nothing to do again). Raises FormAlreadySent when the token came
    with other answers (a replay). Run inside the transaction that files the application: a simultaneous second
    request waits on the unique token until the first commits, then sees it."""
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    answers_hash = hashlib.sha256(answers.encode()).hexdigest()
    try:
        with transaction.atomic():
            SentForm.objects.create(token_hash=token_hash, answers_hash=answers_hash)
    except IntegrityError:
        earlier = SentForm.objects.filter(token_hash=token_hash).values_list("answers_hash", flat=True).first()
        if earlier != answers_hash:
            raise FormAlreadySent from None
        return False
    return True


def lock_identity(territory: Territory, contact: PersonData, town: str = "") -> None:
    """Until the transaction ends, hold one lock per way of recognising this person in `territory` (email, phone,
    names and town), taken in a fixed order: two applications of one person at the same moment are filed one after
    the other, so the second finds the first (PostgreSQL advisory locks; SQLite serialises writing transactions)."""
    if connection.vendor != "postgresql":
        return
    keys = {
        f"email:{contact.email.strip().lower()}" if contact.email.strip() else "",
        f"phone:{phone_key(contact.phone)}" if phone_key(contact.phone) else "",
        f"name:{name_key(contact.first_name + ' ' + contact.last_name)}:{name_key(town)}" if town.strip() else "",
    }
    with connection.cursor() as cursor:
        for key in sorted(k for k in keys if k):
            digest = hashlib.blake2b(f"sohosolo:{territory.pk}:{key}".encode(), digest_size=8).digest()
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def submit_application(
    territory: Territory,
    contact: PersonData,
    members: list[PersonData],
    details: dict,
    villages,
    consents: dict[str, bool],
    language: str,
    form_token: str = "",
    answers: str = "",
) -> Household | None:
    """An application sent from the public form: filed (or attached to the file it matches), a new file given to
    the advisor whose turn it is, and the acknowledgment sent in the applicant's language. The same form sent twice
    (`form_token`, its `answers`) is filed once: None the second time (see claim_form)."""
    with transaction.atomic():
        if form_token and not claim_form(form_token, answers):
            return None
        lock_identity(territory, contact, details.get("current_town", ""))
        result = receive_application(
            territory, contact, members, details, villages, consents, language, source_label="application form"
        )
    if result.is_new:
        assign_in_turn(territory, result.household)
    acknowledge(territory, contact, consents, language)
    return result.household


def acknowledge(territory: Territory, contact: PersonData, consents: dict[str, bool], language: str) -> None:
    """The acknowledgment of a new application, in the person's language (sent by the worker)."""
    send_email(
        contact.email,
        "application-received",
        {"first_name": contact.first_name, "territory": territory, "sharing": consents.get(Consent.Purpose.SHARING)},
        language=language,
    )


def assign_in_turn(territory: Territory, household: Household) -> None:
    """Give a new application to the territory's advisor whose turn it is (advisors_round_robin): two applications
    sent at the same moment go to two advisors, never both to one, and neither waits for the territory."""
    with transaction.atomic():
        role = advisors_round_robin(territory)
        if role is not None:
            Role.objects.filter(pk=role.pk).update(last_given_at=timezone.now())
            Household.objects.filter(pk=household.pk).update(advisor=role.user)
            log_action(None, "prospect.assigned", household, {"to": str(role.user), "automatic": True})


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
    keep.record(
        Interaction.Kind.NOTE,
        _("File %(other)s merged into this one.") % {"other": other.pk},
        author=actor,
    )
    log_action(actor, "prospect.merged", keep, {"merged_file": other.pk, "fields_taken": changed})
    other.delete()
    keep.refresh_search_text()
    return keep


def tell_advisor(household: Household, kind: str, detail: str = "", **data) -> FileNews | None:
    """Tell the file's advisor that something happened on it without them (FileNews.Kind): shown in "My day" until
    they open the file. `detail` is the object's own name (an event's title, a document's name), never a sentence.
    Nobody is told when the file has no advisor, or when the advisor did it themselves (`actor=`)."""
    actor = data.pop("actor", None)
    if household.advisor_id is None or (actor is not None and getattr(actor, "pk", None) == household.advisor_id):
        return None
    return FileNews.objects.create(
        household=household, advisor_id=household.advisor_id, kind=kind, data={"detail": detail, **data}
    )


# How the team met a person whose file it opens itself: the consent source and the timeline entry's kind.
TEAM_CHANNELS = {
    "phone call": Interaction.Kind.CALL,
    "fair": Interaction.Kind.MEETING,
    "walk-in": Interaction.Kind.MEETING,
}


@transaction.atomic
def open_file(
    territory: Territory,
    contact: PersonData,
    details: dict,
    consents: dict[str, bool],
    language: str,
    channel: str,
    note: str,
    actor,
    advisor=None,
) -> Household:
    """A file the team opens for someone who phoned, came to a fair or to the desk: the household and its contact,
    the consents the person gave orally (recorded by `actor`, on the current wording in their language), and the
    first note in the timeline. Duplicates are the team's to judge before calling this (likely_duplicates)."""
    today = timezone.localdate()
    household = Household.objects.create(
        territory=territory, language=language, first_contact_on=today, last_contact_on=today, advisor=advisor,
        **details,
    )  # fmt: skip
    Person.objects.create(household=household, is_main_contact=True, **contact.__dict__)
    household.record(TEAM_CHANNELS[channel], note, author=actor, data={"channel": channel})
    record_consents(household, consents, language, source=channel, recorded_by=actor)
    household.refresh_search_text()
    log_action(actor, "prospect.opened_by_team", household, {"channel": channel, "consents": consents})
    return household
