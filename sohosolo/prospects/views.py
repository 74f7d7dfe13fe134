from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from sohosolo.accounts.scopes import get_territory_or_404, staff_required
from sohosolo.accounts.security import recent_authentication_required, safe_next
from sohosolo.accounts.throttle import Throttle
from sohosolo.audit.log import log_action
from sohosolo.audit.models import ActionLog
from sohosolo.lib.addresses import client_address
from sohosolo.lib.exports import csv_response, xlsx_response
from sohosolo.lib.keyset import AFTER, BEFORE, keyset_page
from sohosolo.prospects.access import get_household_or_404, log_read
from sohosolo.prospects.forms import (
    NEED_FIELDS,
    ApplicationForm,
    AssignForm,
    FollowUpForm,
    HouseholdEditForm,
    InteractionForm,
    MembersFormSet,
    NewProspectForm,
    ProspectFilterForm,
    SettleForm,
    StageForm,
)
from sohosolo.prospects.models import (
    FileNews,
    FollowUp,
    Household,
    Person,
    SavedView,
    Stage,
    in_work,
    main_contact_prefetch,
    stage_counts,
)
from sohosolo.prospects.services import (
    MERGEABLE_FIELDS,
    FormAlreadySent,
    PersonData,
    acknowledge,
    change_stage,
    likely_duplicates,
    merge_households,
    open_file,
    settle_household,
    submit_application,
)
from sohosolo.territory.models import Territory

PAGE_SIZE = 25


# --- The public application form ----------------------------------------------------------------------------------


@require_GET
def apply_choose(request: HttpRequest) -> HttpResponse:
    territories = Territory.objects.filter(villages__isnull=False).distinct().order_by("name")
    if len(territories) == 1:
        return redirect("prospects:apply", code=territories[0].code)
    return render(request, "prospects/apply_choose.html", {"territories": territories})


def too_many_applications(request: HttpRequest, territory: Territory) -> bool:
    """At most a few an hour from one address (the territory's setting): enough for a family, too few for a robot.
    The territory's signed-in staff (a fair's tablet, the desk) are never limited."""
    user = request.user
    if user.is_authenticated and (user.scope.is_admin or territory.pk in user.scope.staff_territory_ids):
        return False
    return Throttle(f"applications-{territory.pk}", territory.applications_per_hour, 3600).over(client_address(request))


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_object_or_404(Territory, code=code)
    form = ApplicationForm(territory, request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        if too_many_applications(request, territory):
            form.add_error(None, _("Several applications were just sent from your connection. Try again in an hour."))
        else:
            try:
                household = send_application(territory, form, request.POST)
            except FormAlreadySent:
                form.add_error(None, _("This form was sent already. To send another project, reload the page first."))
            else:
                if household is not None:  # None: the same answers again (a double click), filed the first time
                    request.session["applied"] = household.pk
                return redirect("prospects:applied", code=territory.code)
    status = 400 if form.errors else 200
    return render(request, "prospects/apply.html", {"form": form, "territory": territory}, status=status)


def send_application(territory: Territory, form: ApplicationForm, sent) -> Household | None:
    """The form's answers as the service takes them: the main contact, the other members, the project. `sent`: the
    request's data, whose answers tell a double click from another application on the same copy of the form."""
    data = form.cleaned_data
    year = timezone.localdate().year
    members = []
    if data["partner_first_name"] or data["partner_last_name"]:
        members.append(PersonData(first_name=data["partner_first_name"], last_name=data["partner_last_name"]))
    members += [PersonData() for _i in range(data["other_adults"] or 0)]
    members += [PersonData(kind=Person.Kind.CHILD, birth_year=year - age) for age in data["children_ages"]]
    contact = PersonData(
        first_name=data["first_name"], last_name=data["last_name"], email=data["email"], phone=data["phone"]
    )
    details = {field: data[field] for field in form.Meta.fields if data.get(field) not in (None, "")}
    answers = "&".join(f"{key}={sent.getlist(key)}" for key in sorted(sent) if key != "csrfmiddlewaretoken")
    return submit_application(
        territory, contact, members, details, data["villages"], form.consents(), data["language"],
        form_token=sent.get("started", ""), answers=answers,
    )  # fmt: skip


@require_GET
def applied(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_object_or_404(Territory, code=code)
    return render(request, "prospects/applied.html", {"territory": territory})


# --- The team's tools ---------------------------------------------------------------------------------------------


@staff_required
@require_GET
def prospect_list(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    form = ProspectFilterForm(territory, request.GET or None)
    households = form.filter(Household.objects.current().filter(territory=territory))
    page = keyset_page(
        households.select_related("territory", "advisor").with_main_contact(), form.sort_key(), PAGE_SIZE, request.GET
    )
    counts = stage_counts([territory.pk])
    total, exact = list_total(form, households, counts)
    query = request.GET.copy()
    for name in (AFTER, BEFORE):
        query.pop(name, None)
    context = {
        "territory": territory,
        "form": form,
        "page": page,
        "total": total,
        "total_is_exact": exact,
        "stage_counts": [(stage, counts.get(stage.value, 0)) for stage in Stage],
        "assign_form": AssignForm(territory),
        "saved_views": SavedView.objects.filter(user=request.user, territory=territory),
        "open_stages": OPEN_STAGES,
        "querystring": query.urlencode(),
    }
    return render(request, "prospects/prospect_list.html", context)


COUNT_LIMIT = 10_000  # a filtered list counts its files up to here ("more than 10,000"), never the whole table


def list_total(form: ProspectFilterForm, households, counts: dict[str, int]) -> tuple[int, bool]:
    """The number of files the list shows and whether it is exact: the tallies' sum when only stages are chosen,
    else a count that stops after COUNT_LIMIT files."""
    stages = form.stages_only()
    if stages is not None:
        return sum(counts.get(stage, 0) for stage in stages), True
    found = households.order_by()[: COUNT_LIMIT + 1].count()
    return min(found, COUNT_LIMIT), found <= COUNT_LIMIT


EXPORT_BATCH = 2000


def _main(household):
    return household.main_contacts[0] if household.main_contacts else None


# The list's export, one column per (header, value of a household whose main contact is prefetched). Its headers are
# ones the import recognises: an export imports into another territory with nothing lost.
EXPORT_COLUMNS = [
    (gettext_lazy("Number"), lambda h: h.pk),
    (gettext_lazy("First name"), lambda h: m.first_name if (m := _main(h)) else ""),
    (gettext_lazy("Last name"), lambda h: m.last_name if (m := _main(h)) else ""),
    (gettext_lazy("Email"), lambda h: m.email if (m := _main(h)) else ""),
    (gettext_lazy("Phone"), lambda h: m.phone if (m := _main(h)) else ""),
    (gettext_lazy("Town"), lambda h: h.current_town),
    (gettext_lazy("Country"), lambda h: h.current_country),
    (gettext_lazy("Stage"), lambda h: h.get_stage_display()),
    (gettext_lazy("Reason"), lambda h: h.stage_reason),
    (gettext_lazy("Advisor"), lambda h: str(h.advisor or "")),
    (gettext_lazy("Activity"), lambda h: h.get_activity_display()),
    (gettext_lazy("Sector"), lambda h: h.sector),
    (gettext_lazy("Source"), lambda h: h.get_source_display()),
    (gettext_lazy("First contact"), lambda h: h.first_contact_on),
    (gettext_lazy("Last contact"), lambda h: h.last_contact_on),
    (gettext_lazy("Settled on"), lambda h: h.settled_on),
    (gettext_lazy("Settled in"), lambda h: h.settled_commune.name if h.settled_commune else ""),
    (gettext_lazy("People settled"), lambda h: h.settled_people),
]


def export_rows(households):
    """One row per household, read in batches (bounded memory and queries whatever the number of files)."""
    households = households.select_related("advisor", "settled_commune").with_main_contact()
    for household in households.iterator(chunk_size=EXPORT_BATCH):
        yield [value(household) for _header, value in EXPORT_COLUMNS]


def export_header() -> list[str]:
    return [str(header) for header, _value in EXPORT_COLUMNS]


@staff_required
@require_GET
@recent_authentication_required
def export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The filtered list, as CSV or XLSX. Exports hold personal data: each one is logged."""
    territory = get_territory_or_404(request, code)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown format.")
    form = ProspectFilterForm(territory, request.GET or None)
    if form.is_bound and not form.is_valid():
        # Never export more than what was asked: a wrong filter would otherwise export the whole territory.
        messages.error(request, _("A filter is not valid: correct it before exporting."))
        return redirect(reverse("prospects:list", args=[territory.code]) + "?" + request.GET.urlencode())
    households = form.filter(Household.objects.current().filter(territory=territory))
    log_action(
        request.user,
        "prospects.exported",
        territory,
        {"format": fmt, "filters": request.GET.urlencode(), "count": households.count()},
        territory=territory,
    )
    filename = f"prospects-{territory.code}-{timezone.localdate():%Y-%m-%d}"
    if fmt == "xlsx":
        return xlsx_response(filename, export_header(), export_rows(households), title=str(_("Prospects")))
    return csv_response(filename, export_header(), export_rows(households))


BOARD_CARDS = 30


@staff_required
@require_GET
def board(request: HttpRequest, code: str) -> HttpResponse:
    """The open files by stage, with counts; a card's stage is changed in place."""
    territory = get_territory_or_404(request, code)
    households = Household.objects.current().filter(territory=territory)
    counts = stage_counts([territory.pk])
    columns = []
    for stage in (Stage.NEW, Stage.FIRST_INTERVIEW, Stage.FOLLOW_UP, Stage.VISIT):
        cards = (
            households.filter(stage=stage)
            .select_related("territory", "advisor")
            .with_main_contact()
            .order_by("-last_contact_on", "-pk")[:BOARD_CARDS]
        )
        columns.append((stage, counts.get(stage.value, 0), cards))
    return render(
        request, "prospects/board.html", {"territory": territory, "columns": columns, "open_stages": OPEN_STAGES}
    )


OPEN_STAGES = [(s.value, s.label) for s in (Stage.NEW, Stage.FIRST_INTERVIEW, Stage.FOLLOW_UP, Stage.VISIT)]


@staff_required
@require_POST
def bulk(request: HttpRequest, code: str) -> HttpResponse:
    """Assign an advisor to, or move to an open stage, the files ticked in the list."""
    territory = get_territory_or_404(request, code)
    ids = [value for value in request.POST.getlist("households")[:500] if re.fullmatch(r"[0-9]{1,12}", value)]
    chosen = Household.objects.filter(territory=territory, pk__in=ids)
    action = request.POST.get("action")
    if not chosen.exists():
        messages.error(request, _("Tick at least one file."))
    elif action == "assign":
        form = AssignForm(territory, request.POST)
        if form.is_valid():
            advisor = form.cleaned_data["advisor"]
            for household in chosen:
                household.advisor = advisor
                household.save(update_fields=["advisor", "updated_at"])
                log_action(request.user, "prospect.assigned", household, {"to": str(advisor or "")})
            messages.success(request, _("%(count)s files assigned.") % {"count": len(chosen)})
    elif action == "stage" and request.POST.get("stage") in dict(OPEN_STAGES):
        for household in chosen:
            if household.stage != request.POST["stage"]:
                change_stage(household, request.POST["stage"], "", request.user)
        messages.success(request, _("%(count)s files moved.") % {"count": len(chosen)})
    else:
        messages.error(request, _("Choose what to do with the ticked files."))
    return redirect(safe_next(request, request.POST.get("next"), reverse("prospects:list", args=[territory.code])))


def timeline_context(household: Household, interaction_form=None, follow_up_form=None) -> dict:
    """The timeline block: its two quick forms (fresh, or with their errors) and its entries."""
    return {
        "household": household,
        "territory": household.territory,
        "interaction_form": interaction_form or InteractionForm(),
        "follow_up_form": follow_up_form
        or FollowUpForm(household.territory, initial={"assignee": household.advisor_id}),
        "interactions": household.interactions.select_related("author")[:100],
        "follow_ups": household.follow_ups.select_related("assignee").order_by("done_at", "due_on")[:50],
    }


@staff_required
@require_GET
def prospect_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    territory = household.territory
    # The advisor has the file in front of them: its news in "My day" are read.
    FileNews.objects.unread().filter(household=household, advisor=request.user).update(read_at=timezone.now())
    context = {
        "household": household,
        "territory": territory,
        "members": household.members.all(),
        "villages": household.villages_of_interest.all(),
        "tags": household.tags.all(),
        "consents": household.consents.select_related("recorded_by").order_by("purpose", "-recorded_at"),
        "needs": [household._meta.get_field(f).verbose_name for f in NEED_FIELDS if getattr(household, f)],
        "stage_form": StageForm(initial={"stage": household.stage, "reason": household.stage_reason}),
        "assign_form": AssignForm(territory, initial={"advisor": household.advisor_id}),
        "history": household_history(household),
        **timeline_context(household),
    }
    return render(request, "prospects/prospect_detail.html", context)


def household_history(household: Household):
    from django.contrib.contenttypes.models import ContentType

    return (
        ActionLog.objects.filter(content_type=ContentType.objects.get_for_model(Household), object_id=str(household.pk))
        .exclude(action="prospect.read")
        .select_related("actor")[:50]
    )


def refresh_timeline(request: HttpRequest, household: Household, **forms) -> HttpResponse:
    """After a change: the timeline block for htmx (with a form's errors, if any), else the whole page again."""
    if request.htmx:
        return render(request, "prospects/prospect_detail.html#timeline", timeline_context(household, **forms))
    if forms:
        messages.error(request, _("Some answers need a look: nothing was added."))
    return redirect(household.get_absolute_url())


@staff_required
@require_POST
def add_interaction(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    form = InteractionForm(request.POST)
    if form.is_valid():
        interaction = form.save(commit=False)
        interaction.household = household
        interaction.author = request.user
        interaction.save()
        Household.objects.filter(pk=household.pk).update(last_contact_on=timezone.localdate())
        household.refresh_search_text()
        log_action(request.user, "prospect.interaction_added", household, {"kind": interaction.kind})
        return refresh_timeline(request, household)
    return refresh_timeline(request, household, interaction_form=form)


@staff_required
@require_POST
def add_follow_up(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    form = FollowUpForm(household.territory, request.POST)
    if form.is_valid():
        follow_up = form.save(commit=False)
        follow_up.household = household
        follow_up.created_by = request.user
        follow_up.save()
        log_action(request.user, "prospect.follow_up_added", household, {"title": follow_up.title})
        return refresh_timeline(request, household)
    return refresh_timeline(request, household, follow_up_form=form)


@staff_required
@require_POST
def follow_up_done(request: HttpRequest, code: str, pk: int, follow_up_id: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_id, household=household)
    follow_up.mark_done(request.user)
    if request.POST.get("from") == "my_day":
        return redirect("prospects:my_day") if not request.htmx else HttpResponse("")
    return refresh_timeline(request, household)


@staff_required
@require_POST
def set_stage(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    form = StageForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["stage"] != household.stage:
            change_stage(household, form.cleaned_data["stage"], form.cleaned_data["reason"].strip(), request.user)
            messages.success(request, _("Stage saved."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    back = safe_next(request, request.POST.get("next"), household.get_absolute_url())
    if request.htmx:
        return HttpResponseClientRedirect(back)
    return redirect(back)


@staff_required
@require_POST
def assign(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    form = AssignForm(household.territory, request.POST)
    if form.is_valid():
        before = household.advisor
        household.advisor = form.cleaned_data["advisor"]
        household.save(update_fields=["advisor", "updated_at"])
        log_action(
            request.user,
            "prospect.assigned",
            household,
            {"from": str(before or ""), "to": str(household.advisor or "")},
        )
        messages.success(request, _("Advisor saved."))
    return redirect(household.get_absolute_url())


# What fair mode keeps from one entry to the next: the same stand, the same day.
FAIR_KEPT = ("channel", "source", "language", "advisor")


@staff_required
@require_http_methods(["GET", "POST"])
def new_prospect(request: HttpRequest, code: str) -> HttpResponse:
    """A file opened by the team from a call, a fair or a walk-in; in fair mode the form comes back empty after each
    entry (keeping the stand's choices), for several quick entries on a tablet. No rate limit: staff are signed in."""
    territory = get_territory_or_404(request, code)
    fair_mode = request.GET.get("salon") == "1"
    initial = {"language": request.LANGUAGE_CODE, "channel": "fair" if fair_mode else "phone call"}
    if request.user.roles.filter(territory=territory).exists():
        initial["advisor"] = request.user.pk
    initial |= {key: request.GET[key] for key in FAIR_KEPT if request.GET.get(key)}
    form = NewProspectForm(territory, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = PersonData(
            first_name=data["first_name"], last_name=data["last_name"], email=data["email"], phone=data["phone"]
        )
        details = {key: data[key] for key in ("current_town", "source", "activity") if data[key]}
        note = data["note"] or dict(form.CHANNELS)[data["channel"]]
        household = open_file(
            territory, contact, details, form.consents(), data["language"], data["channel"], str(note),
            actor=request.user, advisor=data["advisor"],
        )  # fmt: skip
        if data["send_acknowledgment"] and contact.email:
            acknowledge(territory, contact, form.consents(), data["language"])
        messages.success(request, _("The file of %(name)s is open.") % {"name": household.display_name})
        if fair_mode:
            kept = {key: data[key].pk if key == "advisor" else data[key] for key in FAIR_KEPT if data.get(key)}
            query = urlencode({"salon": 1, **kept, "dernier": household.pk})
            return redirect(f"{reverse('prospects:new', args=[territory.code])}?{query}")
        return redirect(household.get_absolute_url())
    last = request.GET.get("dernier", "")
    last = Household.objects.current().filter(territory=territory, pk=last).first() if last.isdigit() else None
    context = {
        "form": form,
        "territory": territory,
        "fair_mode": fair_mode,
        "duplicates": form.duplicates,
        "last": last,
    }
    return render(request, "prospects/new_prospect.html", context, status=400 if form.errors else 200)


@staff_required
@require_GET
def new_prospect_duplicates(request: HttpRequest, code: str) -> HttpResponse:
    """While the advisor types: the files this person may already have (htmx fragment of the new-prospect page)."""
    territory = get_territory_or_404(request, code)
    fields = ("email", "phone", "first_name", "last_name", "current_town")
    values = {key: request.GET.get(key, "")[:254] for key in fields}
    email = values["email"].strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        values["email"] = ""  # half-typed: wait for the whole address
    if len(re.sub(r"\D", "", values["phone"])) < 9:
        values["phone"] = ""
    town = values.pop("current_town")
    duplicates = likely_duplicates(territory, **values, town=town)
    households = Household.objects.filter(pk__in=[h.pk for h in duplicates]).select_related("advisor")
    context = {"territory": territory, "duplicates": households.with_main_contact()}
    return render(request, "prospects/new_prospect.html#duplicates", context)


@staff_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    form = HouseholdEditForm(request.POST or None, instance=household)
    members = MembersFormSet(request.POST or None, instance=household, prefix="members")
    their_change = None
    if request.method == "POST" and form.is_valid() and members.is_valid():
        opened_on = form.cleaned_data["version"]
        with transaction.atomic():
            # Compare and set: only a form opened on the current version saves; the version moves on at once, so
            # of two advisors saving together one wins and the other is told.
            saved = Household.objects.filter(pk=household.pk, version=opened_on).update(version=F("version") + 1)
            if saved:
                household.version = opened_on + 1
                form.save()
                members.save()
        if saved:
            household.refresh_search_text()
            changes = {field: str(form.cleaned_data[field]) for field in form.changed_data if field != "version"}
            changes |= {
                f"member {f.instance.pk}": {name: str(f.cleaned_data.get(name)) for name in f.changed_data}
                for f in members.forms
                if f.has_changed()
            }
            if changes:
                log_action(request.user, "prospect.changed", household, changes | {"version": household.version})
            messages.success(request, _("The file is saved."))
            return redirect(household.get_absolute_url())
        their_change, members = stale_save(form, members, household)
    context = {
        "form": form,
        "members": members,
        "household": household,
        "territory": household.territory,
        "their_change": their_change,
    }
    bad = form.errors or any(members.errors) or members.non_form_errors()
    status = 409 if their_change is not None else 400 if bad else 200
    return render(request, "prospects/prospect_edit.html", context, status=status)


def shown(field, value) -> str:
    """A form field's value as the page shows it: a choice's label, a list joined, "—" for nothing."""
    choices = dict(getattr(field, "choices", None) or [])
    values = value if isinstance(value, list | tuple) else [value]
    labels = [str(choices.get(v, choices.get(str(v), v))) for v in values if v not in (None, "")]
    return ", ".join(labels) or "—"


def stale_save(form: HouseholdEditForm, members, household: Household) -> tuple[list, object]:
    """The form was opened on an older version of the file: someone saved it meanwhile. What they changed is taken
    into the form from the file as it is now (so that saving again never undoes it), the rest of this form's answers
    are kept, and the page says who changed what and when. Returns their changes (label, value as it is now) and
    the members' forms bound to the merged answers."""
    current = Household.objects.get(pk=household.pk)
    opened_on = form.cleaned_data["version"]
    theirs = list(
        ActionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Household),
            object_id=str(household.pk),
            action="prospect.changed",
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")[:20]
    )
    # The saves made since this form was opened (each logs the version it made); an older log entry, the latest.
    since = [entry for entry in theirs if entry.data.get("version", opened_on + 1) > opened_on] or theirs[:1]
    data = form.data.copy()
    data["version"] = current.version
    fresh = HouseholdEditForm(instance=current)
    now_members = {member.pk: member for member in current.members.all()}
    lines = []
    for entry in reversed(since):
        for key, value in entry.data.items():
            if key in fresh.fields and key != "version":
                now = fresh[key].value()
                if isinstance(now, list):
                    data.setlist(key, [str(v) for v in now])
                else:
                    data[key] = "" if now is None else str(now)
                lines.append((fresh.fields[key].label, shown(fresh.fields[key], now)))
            elif key.startswith("member ") and isinstance(value, dict):
                member = now_members.get(int(key.split()[1]))
                row = next((f for f in members.forms if f.instance.pk == getattr(member, "pk", None)), None)
                for name in value:
                    if member is not None and row is not None and name in row.fields:
                        now = getattr(member, name)
                        data[row.add_prefix(name)] = "on" if now is True else "" if now in (None, False) else str(now)
                        label = f"{member.full_name or _('A household member')} — {row.fields[name].label}"
                        lines.append((label, shown(row.fields[name], now)))
    form.data = data
    last = since[0] if since else None
    if last is None:
        form.add_error(None, _("This file was changed meanwhile: check your answers and save again."))
    else:
        form.add_error(
            None,
            _(
                "This file was changed by %(name)s at %(time)s. Their change, below, is in the form; your other "
                "answers are kept: check and save again."
            )
            % {
                "name": last.actor.full_name if last.actor else _("the platform"),
                "time": timezone.localtime(last.created_at).strftime("%H:%M"),
            },
        )
    return lines, MembersFormSet(data, instance=household, prefix="members")


@staff_required
@require_http_methods(["GET", "POST"])
def settle(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    form = SettleForm(household.territory, household, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        settle_household(household, data["commune"], data["settled_on"], data["people"], request.user)
        messages.success(request, _("Settled! The welcome sequence has started."))
        return redirect(household.get_absolute_url())
    return render(
        request,
        "prospects/settle.html",
        {"form": form, "household": household, "territory": household.territory},
        status=400 if form.errors else 200,
    )


@staff_required
@require_GET
def my_day(request: HttpRequest) -> HttpResponse:
    """An advisor's day: overdue and due follow-ups, new applications in their territories."""
    today = timezone.localdate()
    scope = request.user.scope
    territories = scope.staff_territory_ids if not scope.is_admin else Territory.objects.values_list("pk", flat=True)
    mine = (
        FollowUp.objects.open()
        .filter(in_work("household__"), assignee=request.user, household__territory__in=territories)
        .select_related("household__territory")
        .prefetch_related(main_contact_prefetch("household__"))
    )
    new = (
        Household.objects.current()
        .filter(territory__in=territories, stage=Stage.NEW)
        .filter(Q(advisor=request.user) | Q(advisor__isnull=True))
        .select_related("territory")
        .with_main_contact()
        .order_by("-created_at")[:30]
    )
    news = (
        FileNews.objects.unread()
        .filter(in_work("household__"), advisor=request.user, household__territory__in=territories)
        .select_related("household__territory")
        .prefetch_related(main_contact_prefetch("household__"))[:30]
    )
    context = {
        "news": news,
        "overdue": mine.filter(due_on__lt=today).order_by("due_on", "pk")[:50],
        "due_today": mine.filter(due_on=today).order_by("pk")[:50],
        "coming": mine.filter(due_on__gt=today, due_on__lte=today + timedelta(days=7)).order_by("due_on", "pk")[:50],
        "new_households": new,
        "today": today,
    }
    return render(request, "prospects/my_day.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Merge another file of the territory into this one, choosing field by field which value to keep."""
    household = get_household_or_404(request, code, pk, log=False)
    other_id = request.POST.get("other") or request.GET.get("other")
    other = None
    if other_id and re.fullmatch(r"[0-9]{1,12}", str(other_id)) and int(other_id) != household.pk:
        other = Household.objects.current().filter(territory=household.territory, pk=other_id).first()
    if other is None:
        if other_id:
            messages.error(request, _("No other file of this territory has this number."))
        return redirect(household.get_absolute_url())
    if request.method == "POST":
        take = [field for field in MERGEABLE_FIELDS if request.POST.get(field) == "other"]
        merge_households(household, other, take, request.user)
        messages.success(request, _("The two files are merged."))
        return redirect(household.get_absolute_url())
    log_read(request, household, {"compared_with": other.pk})
    log_read(request, other, {"compared_with": household.pk})
    differences = []
    for name in MERGEABLE_FIELDS:
        field = Household._meta.get_field(name)
        mine, theirs = getattr(household, name), getattr(other, name)
        if mine != theirs:
            differences.append((name, field.verbose_name, household.field_display(name), other.field_display(name)))
    context = {"household": household, "other": other, "territory": household.territory, "differences": differences}
    return render(request, "prospects/merge.html", context)


@staff_required
@require_POST
def save_view(request: HttpRequest, code: str) -> HttpResponse:
    """Keep the list's current filters under a name, for this user."""
    territory = get_territory_or_404(request, code)
    name = request.POST.get("name", "").strip()[:80]
    query = request.POST.get("query", "")[:1000]
    if not name:
        messages.error(request, _("Give the view a name."))
    else:
        SavedView.objects.update_or_create(user=request.user, territory=territory, name=name, defaults={"query": query})
        messages.success(request, _("View “%(name)s” saved.") % {"name": name})
    url = reverse("prospects:list", args=[territory.code])
    return redirect(f"{url}?{query}" if query else url)


@staff_required
@require_POST
def delete_view(request: HttpRequest, code: str, view_id: int) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    get_object_or_404(SavedView, pk=view_id, user=request.user, territory=territory).delete()
    messages.success(request, _("View deleted."))
    return redirect("prospects:list", code=territory.code)
