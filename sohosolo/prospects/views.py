from __future__ import annotations

import re
from datetime import timedelta

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from sohosolo.accounts.scopes import get_territory_or_404, get_village_or_404, role_required, staff_required
from sohosolo.accounts.security import recent_authentication_required
from sohosolo.lib.emails import send_email
from sohosolo.lib.exports import csv_response, xlsx_response
from sohosolo.lib.throttle import Throttle
from sohosolo.privacy.audit import log_action
from sohosolo.prospects.forms import (
    NEED_FIELDS,
    ApplicationForm,
    AssignForm,
    FollowUpForm,
    HouseholdEditForm,
    InteractionForm,
    MembersFormSet,
    ProspectFilterForm,
    SettleForm,
    StageForm,
    advisors_round_robin,
)
from sohosolo.prospects.models import FollowUp, Household, Person, SavedView, Stage
from sohosolo.prospects.services import (
    MERGEABLE_FIELDS,
    PersonData,
    change_stage,
    merge_households,
    receive_application,
    settle_household,
)
from sohosolo.territory.models import Territory

PAGE_SIZE = 25
APPLICATIONS_PER_ADDRESS_PER_HOUR = 5


# --- The public application form ----------------------------------------------------------------------------------


@require_GET
def apply_choose(request: HttpRequest) -> HttpResponse:
    territories = Territory.objects.filter(villages__isnull=False).distinct().order_by("name")
    if len(territories) == 1:
        return redirect("prospects:apply", code=territories[0].code)
    return render(request, "prospects/apply_choose.html", {"territories": territories})


def too_many_applications(request: HttpRequest) -> bool:
    """At most a few an hour from one address: enough for a family, too few for a robot."""
    return Throttle("applications", APPLICATIONS_PER_ADDRESS_PER_HOUR, 3600).over(get_client_ip_address(request))


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_object_or_404(Territory, code=code)
    form = ApplicationForm(territory, request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        if too_many_applications(request):
            form.add_error(None, _("Several applications were just sent from your connection. Try again in an hour."))
        else:
            household = submit_application(request, territory, form)
            request.session["applied"] = household.pk
            return redirect("prospects:applied", code=territory.code)
    status = 400 if form.errors else 200
    return render(request, "prospects/apply.html", {"form": form, "territory": territory}, status=status)


def submit_application(request: HttpRequest, territory: Territory, form: ApplicationForm) -> Household:
    data = form.cleaned_data
    language = data["language"]
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
    result = receive_application(
        territory,
        contact,
        members,
        details,
        data["villages"],
        form.consents(),
        language,
        source_label="application form",
    )
    if result.is_new:
        assign_in_turn(territory, result.household)
    send_email(
        data["email"],
        "application-received",
        {"first_name": data["first_name"], "territory": territory, "sharing": data["consent_sharing"]},
        language=language,
    )
    return result.household


def assign_in_turn(territory: Territory, household: Household) -> None:
    """Give a new application to the territory's advisor whose turn it is. One assignment at a time per territory
    (its row is the lock): two applications sent at the same moment go to two advisors, never both to one."""
    with transaction.atomic():
        Territory.objects.select_for_update().filter(pk=territory.pk).first()
        advisor = advisors_round_robin(territory)
        if advisor is not None:
            Household.objects.filter(pk=household.pk).update(advisor=advisor)
            log_action(None, "prospect.assigned", household, {"to": str(advisor), "automatic": True})


@require_GET
def applied(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_object_or_404(Territory, code=code)
    return render(request, "prospects/applied.html", {"territory": territory})


# --- The team's tools ---------------------------------------------------------------------------------------------


def get_household_or_404(request: HttpRequest, code: str, pk: int) -> Household:
    """A prospect's file, for the team of its territory only; outsiders get 404."""
    territory = get_territory_or_404(request, code)
    return get_object_or_404(Household.objects.select_related("territory", "advisor"), pk=pk, territory=territory)


@staff_required
@require_GET
def prospect_list(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    form = ProspectFilterForm(territory, request.GET or None)
    households = form.filter(Household.objects.filter(territory=territory, anonymised_at__isnull=True))
    page = Paginator(
        households.select_related("territory", "advisor").with_main_contact(),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    counts = dict(
        Household.objects.filter(territory=territory, anonymised_at__isnull=True)
        .values_list("stage")
        .annotate(n=Count("pk"))
    )
    context = {
        "territory": territory,
        "form": form,
        "page": page,
        "stage_counts": [(stage, counts.get(stage.value, 0)) for stage in Stage],
        "assign_form": AssignForm(territory),
        "saved_views": SavedView.objects.filter(user=request.user, territory=territory),
        "open_stages": OPEN_STAGES,
        "querystring": request.GET.urlencode(),
    }
    return render(request, "prospects/prospect_list.html", context)


def safe_next(request: HttpRequest, default: str) -> str:
    """Where to go back after a form: the page it came from when it is on this site, else `default`."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return default


EXPORT_BATCH = 2000


def export_rows(households):
    """One row per household, read in batches (bounded memory and queries whatever the number of files)."""
    households = households.select_related("advisor", "settled_commune").with_main_contact()
    for household in households.iterator(chunk_size=EXPORT_BATCH):
        main = household.main_contacts[0] if household.main_contacts else None
        yield [
            household.pk,
            main.first_name if main else "",
            main.last_name if main else "",
            main.email if main else "",
            main.phone if main else "",
            household.current_town,
            household.current_country,
            household.get_stage_display(),
            household.stage_reason,
            str(household.advisor or ""),
            household.get_activity_display(),
            household.sector,
            household.get_source_display(),
            household.first_contact_on,
            household.last_contact_on,
            household.settled_on,
            household.settled_commune.name if household.settled_commune else "",
            household.settled_people,
        ]


def export_header() -> list[str]:
    return [
        _("Number"),
        _("First name"),
        _("Last name"),
        _("Email"),
        _("Phone"),
        _("Town"),
        _("Country"),
        _("Stage"),
        _("Reason"),
        _("Advisor"),
        _("Activity"),
        _("Sector"),
        _("Source"),
        _("First contact"),
        _("Last contact"),
        _("Settled on"),
        _("Settled in"),
        _("People settled"),
    ]


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
    households = form.filter(Household.objects.filter(territory=territory, anonymised_at__isnull=True))
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
    households = Household.objects.filter(territory=territory, anonymised_at__isnull=True)
    counts = dict(households.values_list("stage").annotate(n=Count("pk")))
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
    return redirect(safe_next(request, reverse("prospects:list", args=[territory.code])))


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
    log_action(request.user, "prospect.read", household)
    territory = household.territory
    context = {
        "household": household,
        "territory": territory,
        "members": household.members.all(),
        "villages": household.villages_of_interest.all(),
        "tags": household.tags.all(),
        "consents": household.consents.order_by("purpose", "-recorded_at"),
        "needs": [household._meta.get_field(f).verbose_name for f in NEED_FIELDS if getattr(household, f)],
        "stage_form": StageForm(initial={"stage": household.stage, "reason": household.stage_reason}),
        "assign_form": AssignForm(territory, initial={"advisor": household.advisor_id}),
        "history": household_history(household),
        **timeline_context(household),
    }
    return render(request, "prospects/prospect_detail.html", context)


def household_history(household: Household):
    from django.contrib.contenttypes.models import ContentType

    from sohosolo.privacy.models import ActionLog

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
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.done_by = request.user
        follow_up.save(update_fields=["done_at", "done_by"])
        log_action(request.user, "prospect.follow_up_done", household, {"title": follow_up.title})
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
    back = safe_next(request, household.get_absolute_url())
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


@staff_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    if request.method == "GET":
        log_action(request.user, "prospect.read", household)
    form = HouseholdEditForm(request.POST or None, instance=household)
    members = MembersFormSet(request.POST or None, instance=household, prefix="members")
    if request.method == "POST" and form.is_valid() and members.is_valid():
        with transaction.atomic():
            form.save()
            members.save()
        household.refresh_search_text()
        changes = {field: str(form.cleaned_data[field]) for field in form.changed_data}
        changes |= {f"member {f.instance.pk}": f.changed_data for f in members.forms if f.has_changed()}
        if changes:
            log_action(request.user, "prospect.changed", household, changes)
        messages.success(request, _("The file is saved."))
        return redirect(household.get_absolute_url())
    context = {"form": form, "members": members, "household": household, "territory": household.territory}
    bad = form.errors or any(members.errors) or members.non_form_errors()
    return render(request, "prospects/prospect_edit.html", context, status=400 if bad else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def settle(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    if request.method == "GET":
        log_action(request.user, "prospect.read", household)
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
        .filter(assignee=request.user, household__territory__in=territories, household__anonymised_at__isnull=True)
        .select_related("household__territory")
        .prefetch_related(Prefetch("household__members", queryset=Person.objects.filter(is_main_contact=True)))
    )
    new = (
        Household.objects.filter(territory__in=territories, stage=Stage.NEW, anonymised_at__isnull=True)
        .filter(Q(advisor=request.user) | Q(advisor__isnull=True))
        .select_related("territory")
        .with_main_contact()
        .order_by("-created_at")[:30]
    )
    context = {
        "overdue": mine.filter(due_on__lt=today).order_by("due_on")[:50],
        "due_today": mine.filter(due_on=today)[:50],
        "coming": mine.filter(due_on__gt=today, due_on__lte=today + timedelta(days=7)).order_by("due_on")[:50],
        "new_households": new,
        "today": today,
    }
    return render(request, "prospects/my_day.html", context)


# --- What a village committee sees --------------------------------------------------------------------------------

SHARED_FIELDS = ["activity", "timeline", "tenure", "housing_type", "rooms", "village_size"]


@role_required
@require_GET
def village_prospects(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    """The households that agreed to share their project with this village's committee, and only what they shared."""
    village = get_village_or_404(request, code, slug)
    households = Household.objects.shared_with_village(village).with_main_contact().order_by("-last_contact_on")
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "prospects/village_prospects.html", {"village": village, "territory": village.territory, "page": page}
    )


def display_value(household: Household, name: str):
    """A field's value as people read it: the label of a choice, in the current language."""
    field = Household._meta.get_field(name)
    return getattr(household, f"get_{name}_display")() if field.choices else getattr(household, name)


def shared_fields(household: Household) -> list[tuple[str, str]]:
    """(label, value) of the fields a committee may see, in the reader's language."""
    return [
        (Household._meta.get_field(name).verbose_name, display_value(household, name))
        for name in SHARED_FIELDS
        if getattr(household, name) not in (None, "")
    ]


@role_required
@require_GET
def village_prospect(request: HttpRequest, code: str, slug: str, pk: int) -> HttpResponse:
    village = get_village_or_404(request, code, slug)
    household = Household.objects.shared_with_village(village).filter(pk=pk).first()
    if household is None:
        raise Http404("Not shared with this village.")
    log_action(request.user, "prospect.read_by_committee", household, {"village": village.name})
    members = household.members.all()
    context = {
        "village": village,
        "territory": village.territory,
        "household": household,
        "first_name": next((m.first_name for m in members if m.is_main_contact), ""),
        "adults": sum(1 for m in members if m.kind == Person.Kind.ADULT),
        "children_ages": household.children_ages,
        "shared": [
            (
                household._meta.get_field(f).verbose_name,
                household._get_FIELD_display(household._meta.get_field(f))
                if household._meta.get_field(f).choices
                else getattr(household, f),
            )
            for f in SHARED_FIELDS
            if getattr(household, f) not in (None, "")
        ],
        "needs": [household._meta.get_field(f).verbose_name for f in NEED_FIELDS if getattr(household, f)],
    }
    return render(request, "prospects/village_prospect.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Merge another file of the territory into this one, choosing field by field which value to keep."""
    household = get_household_or_404(request, code, pk)
    other_id = request.POST.get("other") or request.GET.get("other")
    other = None
    if other_id and re.fullmatch(r"[0-9]{1,12}", str(other_id)) and int(other_id) != household.pk:
        other = Household.objects.filter(territory=household.territory, pk=other_id, anonymised_at__isnull=True).first()
    if other is None:
        if other_id:
            messages.error(request, _("No other file of this territory has this number."))
        return redirect(household.get_absolute_url())
    if request.method == "POST":
        take = [field for field in MERGEABLE_FIELDS if request.POST.get(field) == "other"]
        merge_households(household, other, take, request.user)
        messages.success(request, _("The two files are merged."))
        return redirect(household.get_absolute_url())
    log_action(request.user, "prospect.read", household, {"compared_with": other.pk})
    log_action(request.user, "prospect.read", other, {"compared_with": household.pk})
    differences = []
    for name in MERGEABLE_FIELDS:
        field = Household._meta.get_field(name)
        mine, theirs = getattr(household, name), getattr(other, name)
        if mine != theirs:
            differences.append((name, field.verbose_name, display_value(household, name), display_value(other, name)))
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
