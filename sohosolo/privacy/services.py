"""People's rights on their data: export of everything held about a household, anonymisation, consents withdrawn."""

from __future__ import annotations

import json
import re
from typing import Any

import phonenumbers
from django.apps import apps
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.models import DBTaskResult

from sohosolo.audit.log import log_action
from sohosolo.audit.models import ActionLog
from sohosolo.events.models import Registration
from sohosolo.lib.text import fold, phone_key
from sohosolo.privacy.models import Consent, PersonalSpaceLink, RightsRequest
from sohosolo.privacy.notifications import notify_managers_of_request
from sohosolo.privacy.personal_data import collect_household_data, erase_household_data, household_log
from sohosolo.prospects.models import FollowUp, Household, ImportJob, Interaction, Person
from sohosolo.territory.communes import regions_of_towns

ERASED = "[erased]"


def export_household(household) -> dict:
    """Everything the platform holds about `household`, one section per app (see personal_data.py)."""
    export: dict[str, Any] = {
        "generated_at": timezone.now().isoformat(),
        "controller": "Soho Solo",
    }
    for _receiver, (section, data) in collect_household_data.send(sender=type(household), household=household):
        export[section] = data
    return export


def personal_strings(household) -> list[str]:
    """The names, emails and phones of a household's members: what must vanish from every free text and log."""
    values = set()
    for first, last, email, phone in household.members.values_list("first_name", "last_name", "email", "phone"):
        full = f"{first} {last}".strip()
        values.update(v.strip() for v in (full, email, phone, last) if v and len(v.strip()) >= 3)
    for name, email in household.registrations.values_list("name", "email"):
        values.update(v.strip() for v in (name, email) if v and len(v.strip()) >= 3)
    # Longest first, so that "Anne Martin" is replaced before "Martin".
    return sorted(values, key=len, reverse=True)


def redact(value: Any, strings: list[str]) -> Any:
    """`value` (JSON-like) with every occurrence of `strings` replaced, case ignored."""
    if isinstance(value, dict):
        return {key: redact(item, strings) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, strings) for item in value]
    if isinstance(value, str) and strings:
        pattern = re.compile("|".join(re.escape(s) for s in strings), re.IGNORECASE)
        return pattern.sub(ERASED, value)
    return value


def phone_spellings(key: str) -> list[str]:
    """The ways a person writes phone number `key` (E.164) in a note: "0612345678", "06 12 34 56 78",
    "06.12.34.56.78", "+33 6 12 34 56 78"…, to find the notes that may hold it (each is then read by phonenumbers)."""
    number = phonenumbers.parse(key)
    national = phonenumbers.national_significant_number(number)
    prefix = f"+{number.country_code}"
    local = "0" + national if number.country_code == 33 else national
    pairs = [local[i : i + 2] for i in range(0, len(local), 2)]
    spellings = {key, local}
    for separator in (" ", ".", "-"):
        spellings.add(separator.join(pairs))
        spellings.add(f"{prefix} {national[0]} " + separator.join(pairs[1:]))
    return sorted(spellings, key=len, reverse=True)


def redact_phones(text: str, keys: set[str]) -> str:
    """`text` with every phone number that is one of `keys` (however it is spelt) replaced."""
    found = list(phonenumbers.PhoneNumberMatcher(text, "FR", leniency=phonenumbers.Leniency.POSSIBLE))
    for match in reversed(found):
        if phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164) in keys:
            text = text[: match.start] + ERASED + text[match.end :]
    return text


def free_text_fields():
    """Every free-text column of the project's models: where a team member may write someone's email or phone."""
    for model in apps.get_models():
        if not model.__module__.startswith("sohosolo.") or model is ActionLog:
            continue
        names = [
            field.name
            for field in model._meta.concrete_fields
            if (isinstance(field, models.TextField) or (type(field) is models.CharField and field.max_length >= 200))
            and not field.choices
        ]
        if names:
            yield model, names


def erase_from_other_records(
    household, emails: list[str], phones: set[str], spellings: list[str], names: list[str]
) -> list[dict]:
    """Remove the household's emails and phones (`spellings`: how they may be written) from every other record's
    free text (other files' notes, timeline entries, follow-ups, visits' reports…), refresh the search of the files
    touched, and return the records that name a member without an email or phone, for the team to review: a name
    alone may be someone else's."""

    touched_households: set[int] = set()
    to_review = []
    for model, names_of_fields in free_text_fields():
        rows = model._base_manager.all()
        if model is Household:
            rows = rows.exclude(pk=household.pk)
        elif any(f.name == "household" for f in model._meta.concrete_fields):
            rows = rows.exclude(household_id=household.pk)
        for field in names_of_fields:
            for row in mentioning(rows, field, spellings):
                value = getattr(row, field)
                cleaned = redact_phones(redact(value, emails), phones)
                if cleaned != value:
                    model._base_manager.filter(pk=row.pk).update(**{field: cleaned})
                    if model is Household:
                        touched_households.add(row.pk)
                    elif getattr(row, "household_id", None):
                        touched_households.add(row.household_id)
            in_file = model is not Household and hasattr(model, "household_id")
            for row in mentioning(rows, field, names).only("pk", *(["household_id"] if in_file else [])):
                file = row.pk if model is Household else row.household_id if in_file else None
                to_review.append({"record": model._meta.label_lower, "id": row.pk, "field": field, "file": file})
    for other in Household.objects.filter(pk__in=touched_households):
        other.refresh_search_text()
    return to_review


def cancel_queued_tasks(strings: list[str]) -> int:
    """Queued tasks carrying one of `strings` (an email to the household not sent yet) are cancelled, and the results
    of finished ones (copies of sent emails) deleted; a task running at this instant is left to finish."""
    tasks = DBTaskResult.objects.exclude(status="RUNNING")
    deleted, _counts = tasks.filter(
        pk__in=mentioning(DBTaskResult.objects.all(), "args_kwargs", strings, json_field=True).values("pk")
    ).delete()
    return deleted


def mentioning(queryset, field: str, strings: list[str], json_field: bool = False):
    """Rows of `queryset` whose `field` contains one of `strings` (JSON columns are compared as text, with the
    escaped form SQLite stores for accented letters)."""
    if not strings:
        return queryset.none()
    if json_field:
        queryset = queryset.annotate(_as_text=Cast(field, TextField()))
        field = "_as_text"
    condition = Q()
    for s in strings:
        condition |= Q(**{f"{field}__icontains": s})
        escaped = json.dumps(s)[1:-1]
        if escaped != s:
            condition |= Q(**{f"{field}__icontains": escaped})
    return queryset.filter(condition)


@transaction.atomic
def anonymise_household(household, actor=None, reason: str = "") -> list[dict]:
    """Erase what identifies a household, keep the anonymous figures the results need.

    Kept: territory, stage, dates (first and last contact, settling), settling commune and number of people,
    source, activity, the project's choices (timeline, tenure, type, rooms, budget, needs), country, villages of
    interest, the number and kind of members, the kind and date of timeline entries, registrations' numbers.
    Erased: names, contacts, years of birth, town, sector, free texts (project, notes, reasons, timeline summaries,
    follow-ups), tags, search text, consents' channel, registrations' names and emails, personal values in the
    audit log and in import reports, queued emails (cancelled) and sent emails' copies, the members' emails and phones
    written in other records' free text, and whatever other apps erase on the signal.

    Returns the other records that name a member without their email or phone, for the team to review."""

    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.anonymised_at is not None:
        return []
    strings = personal_strings(household)
    emails = [s for s in strings if "@" in s]
    contacts = list(household.members.values_list("first_name", "last_name", "phone"))
    phones = {key for _first, _last, phone in contacts if (key := phone_key(phone))}
    full_names = sorted({f"{first} {last}" for first, last, _phone in contacts if first and last}, key=len)
    now = timezone.now()

    blank_households([household.pk], now)
    erase_household_data.send(sender=Household, household=household)

    # The log keeps who did what and when; the values it recorded go.
    for entry in household_log(household):
        entry.object_repr = f"#{entry.object_id}"
        entry.data = dict.fromkeys(entry.data, ERASED) if isinstance(entry.data, dict) else {}
        entry.save(update_fields=["object_repr", "data"])
    scope = ActionLog.objects.filter(Q(territory_id=household.territory_id) | Q(territory__isnull=True))
    mentioned = set(mentioning(scope, "data", strings, json_field=True).values_list("pk", flat=True))
    mentioned |= set(mentioning(scope, "object_repr", strings).values_list("pk", flat=True))
    for entry in ActionLog.objects.filter(pk__in=mentioned):
        entry.data = redact(entry.data, strings)
        entry.object_repr = redact(entry.object_repr, strings)
        entry.save(update_fields=["data", "object_repr"])
    for job in mentioning(ImportJob.objects.filter(territory_id=household.territory_id), "report", strings, True):
        job.report = redact(job.report, strings)
        job.save(update_fields=["report"])
    # Emails to the household not sent yet are cancelled, copies of those sent deleted.
    spellings = emails + [spelling for key in sorted(phones) for spelling in phone_spellings(key)]
    cancel_queued_tasks(spellings)
    to_review = erase_from_other_records(household, emails, phones, spellings, full_names)

    household.record(
        Interaction.Kind.PRIVACY,
        _("Personal data erased; the anonymous figures are kept."),
        author=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(actor, "prospect.anonymised", household, {"reason": reason, "to_review": to_review})
    return to_review


STAGE_KEYS = ("from", "to")


def keep_regions(households) -> None:
    """Before their towns are erased, note the region of the French households', for the results by region."""

    towns = list(
        households.filter(current_country__iexact="France", residence_region="")
        .exclude(current_town="")
        .values_list("pk", "current_town")
    )
    region_of = regions_of_towns({town for _pk, town in towns})
    by_region: dict[str, list[int]] = {}
    for pk, town in towns:
        if region := region_of.get(fold(town)):
            by_region.setdefault(region, []).append(pk)
    for region, pks in by_region.items():
        households.filter(pk__in=pks).update(residence_region=region)


def blank_households(ids: list[int], now) -> None:
    """The part of the erasure done the same way for one household or many: its own records, in bulk."""

    Person.objects.filter(household_id__in=ids).update(
        first_name="", last_name="", email="", phone="", phone_key="", name_key="", birth_year=None
    )
    households = Household.objects.filter(pk__in=ids)
    keep_regions(households)
    households.exclude(stage_reason="").update(stage_reason=_("Anonymised"))
    households.update(
        current_town="",
        sector="",
        project="",
        notes="",
        notes_for_committee="",
        possible_duplicate=False,
        search_text="",
        anonymised_at=now,
    )
    Household.tags.through.objects.filter(household_id__in=ids).delete()
    # The timeline keeps its dated stage changes (no personal value), from which the results read past stages.
    Interaction.objects.filter(household_id__in=ids).exclude(kind=Interaction.Kind.STAGE).update(summary="", data={})
    stage_changes = list(Interaction.objects.filter(household_id__in=ids, kind=Interaction.Kind.STAGE).only("data"))
    for entry in stage_changes:
        entry.summary = ""
        entry.data = {key: entry.data[key] for key in STAGE_KEYS if key in (entry.data or {})}
    Interaction.objects.bulk_update(stage_changes, ["summary", "data"], batch_size=500)
    FollowUp.objects.filter(household_id__in=ids).update(title=_("Follow-up"))
    consents = Consent.objects.filter(household_id__in=ids)
    consents.update(source="")
    consents.in_force().update(withdrawn_at=now)
    RightsRequest.objects.filter(household_id__in=ids).update(details="", outcome="")
    PersonalSpaceLink.objects.filter(household_id__in=ids).delete()


def anonymise_history(households, reason: str = "retention") -> int:
    """Anonymise many households at once, as the retention job would have over the years (loading a programme's
    history, the demo): their own records in bulk, the signal for each, their log entries' values erased.
    Unlike anonymise_household, free texts of other records are not searched for their names."""

    ids = list(households.current().values_list("pk", flat=True))
    now = timezone.now()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        with transaction.atomic():
            blank_households(chunk, now)
            for household in Household.objects.filter(pk__in=chunk):
                erase_household_data.send(sender=Household, household=household)
            registrations = Registration.objects.filter(household_id__in=chunk).values_list("pk", flat=True)
            ActionLog.objects.filter(
                Q(
                    content_type__app_label="prospects",
                    content_type__model="household",
                    object_id__in=[str(pk) for pk in chunk],
                )
                | Q(
                    content_type__app_label="events",
                    content_type__model="registration",
                    object_id__in=[str(pk) for pk in registrations],
                )
            ).update(object_repr="", data={})
            Interaction.objects.bulk_create(
                Interaction(
                    household_id=pk,
                    kind=Interaction.Kind.PRIVACY,
                    occurred_at=now,
                    summary=_("Personal data erased; the anonymous figures are kept."),
                )
                for pk in chunk
            )
    if ids:
        log_action(None, "prospects.anonymised_in_bulk", None, {"count": len(ids), "reason": reason})
    return len(ids)


# Where a household withdrew a consent itself, worded in the timeline.
WITHDRAWN_WHERE = {
    "space": gettext_lazy("(by the household, in its personal space)"),
    "unsubscribe": gettext_lazy("(by the household, with the unsubscribe link of a newsletter)"),
}


def withdraw_consent(household, purpose: str, actor=None, by_household: bool = True, where: str = "space") -> bool:
    """End the consent in force for `purpose`; False if there was none. Logged and shown in the timeline. A household
    withdrawing it itself did so `where` (WITHDRAWN_WHERE)."""

    ended = household.consents.in_force().filter(purpose=purpose).update(withdrawn_at=timezone.now())
    if not ended:
        return False
    label = Consent.Purpose(purpose).label
    household.record(
        Interaction.Kind.PRIVACY,
        _("Consent withdrawn: %(purpose)s.") % {"purpose": label}
        + (" " + str(WITHDRAWN_WHERE[where]) if by_household else ""),
        author=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(
        actor,
        "prospect.consent_withdrawn",
        household,
        {"purpose": purpose, "by_household": by_household, "where": where if by_household else ""},
    )
    return True


def create_rights_request(household, kind: str, details: str = "", source: str = "", actor=None, received_on=None):
    """Record a request, show it in the timeline, tell the territory's managers."""

    request = RightsRequest.objects.create(
        territory_id=household.territory_id,
        household=household,
        kind=kind,
        details=details,
        source=source or RightsRequest.Source.STAFF,
        received_on=received_on or timezone.localdate(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    household.record(
        Interaction.Kind.PRIVACY,
        _("Rights request received: %(kind)s (answer due by %(date)s).")
        % {"kind": request.get_kind_display(), "date": request.due_on.strftime("%d/%m/%Y")},
        author=request.created_by,
        data={"rights_request": request.pk},
    )
    log_action(actor, "privacy.request_created", household, {"request": request.pk, "kind": kind})
    transaction.on_commit(lambda: notify_managers_of_request(request))
    return request


def close_request(rights_request: RightsRequest, status: str, outcome: str, user) -> None:
    with transaction.atomic():
        rights_request.status = status
        rights_request.outcome = outcome
        rights_request.handled_by = user
        rights_request.handled_at = timezone.now()
        rights_request.save(update_fields=["status", "outcome", "handled_by", "handled_at"])
        rights_request.household.record(
            Interaction.Kind.PRIVACY,
            _("Rights request closed: %(kind)s — %(status)s.")
            % {"kind": rights_request.get_kind_display(), "status": rights_request.get_status_display()},
            author=user,
            data={"rights_request": rights_request.pk},
        )
        log_action(
            user, "privacy.request_closed", rights_request.household, {"request": rights_request.pk, "status": status}
        )


@transaction.atomic
def update_project_from_space(form) -> list[str]:
    """The household changed its project in its personal space (`form`, a valid ProjectForm on its file): saved,
    told in the timeline, logged. Returns the names of the fields changed (none: nothing is written)."""
    changed = form.changed_data
    if not changed:
        return []
    household = form.save()
    labels = ", ".join(str(form.fields[name].label) for name in changed)
    household.record(
        Interaction.Kind.NOTE,
        _("Project updated by the household in its personal space: %(fields)s.") % {"fields": labels},
        data={"changed_by_household": changed},
        contact_on=timezone.localdate(),
        search=True,
    )
    log_action(
        None, "prospect.changed", household, {"by": "household", **{n: str(form.cleaned_data[n]) for n in changed}}
    )
    return changed
