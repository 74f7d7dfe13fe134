"""The committees' pages (a village's volunteers and the team) and the advisor's referral and visit forms.

Every household a committee page shows is one of `shared_with_village(village)`: a record of a
household that no longer shares (or never did) is a 404, as anything outside the user's scope.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.models import Role, RoleKind
from sohosolo.accounts.scopes import get_territory_or_404, get_village_or_404, role_required, staff_required
from sohosolo.audit.log import log_action
from sohosolo.committees.forms import (
    ActivityPeriodForm,
    AvailabilityForm,
    FollowUpReportForm,
    HouseholdVisitForm,
    ReferralForm,
    VisitForm,
    VisitOutcomeForm,
    VisitVillageForm,
    WelcomeActionForm,
)
from sohosolo.committees.models import (
    SHARED_FIELDS,
    Availability,
    CommitteeFollowUp,
    Referral,
    Visit,
    WelcomeAction,
    WelcomeChecklist,
    shared_with_village,
)
from sohosolo.committees.services import (
    NoSharingConsent,
    plan_visit,
    record_follow_up,
    record_visit,
    refer_household,
    take_follow_up,
    tick_action,
)
from sohosolo.committees.stats import activity_by_village, is_quiet
from sohosolo.housing.models import HousingOffer
from sohosolo.privacy.consents import has_consent
from sohosolo.privacy.models import Consent
from sohosolo.prospects.access import get_household_or_404
from sohosolo.prospects.forms import NEED_FIELDS
from sohosolo.prospects.models import Household, Person, main_contact_prefetch
from sohosolo.territory.models import Village

PAGE_SIZE = 20
PROSPECTS_PAGE_SIZE = 25


VISIT_OFFERS = Prefetch("offers", queryset=HousingOffer.objects.select_related("village__territory").order_by("title"))


def may_open_offers(user, territory) -> bool:
    """Whether the user may open the territory's offers on the intranet: its team, or a volunteer of one of its
    villages (as housing's offer pages decide)."""
    scope = user.scope
    return (
        scope.can_see_territory(territory.pk)
        or Village.objects.filter(territory=territory, pk__in=scope.volunteer_village_ids).exists()
    )


def shared_ids(village: Village):
    return shared_with_village(village).values("pk")


def get_visit_or_404(village: Village, visit_id: int) -> Visit:
    visit = (
        Visit.objects.filter(pk=visit_id, village=village, household__in=shared_ids(village))
        .select_related("household", "village__territory", "recorded_by", "planned_by")
        .prefetch_related("guides", VISIT_OFFERS, main_contact_prefetch("household__"))
        .first()
    )
    if visit is None:
        raise Http404("No such visit shared with this village.")
    return visit


def get_checklist_or_404(village: Village, checklist_id: int) -> WelcomeChecklist:
    checklist = (
        WelcomeChecklist.objects.filter(pk=checklist_id, village=village, household__in=shared_ids(village))
        .select_related("household", "village__territory")
        .prefetch_related(main_contact_prefetch("household__"))
        .first()
    )
    if checklist is None:
        raise Http404("No such welcome checklist shared with this village.")
    return checklist


def is_volunteer_of(user, village: Village) -> bool:
    return village.pk in user.scope.volunteer_village_ids


# --- A village committee's space ----------------------------------------------------------------------------------


@role_required
@require_GET
def dashboard(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    """The committee's page: referrals, visits, newcomers and open actions, members and who can guide."""
    village = get_village_or_404(request, code, slug)
    shared = shared_ids(village)
    now = timezone.now()
    referrals = Paginator(
        Referral.objects.filter(village=village, household__in=shared)
        .select_related("household", "referred_by")
        .prefetch_related(main_contact_prefetch("household__")),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    visits = (
        Visit.objects.filter(village=village, household__in=shared)
        .select_related("household")
        .prefetch_related("guides", main_contact_prefetch("household__"))
    )
    checklists = (
        WelcomeChecklist.objects.filter(village=village, household__in=shared)
        .select_related("household")
        .prefetch_related(main_contact_prefetch("household__"))
        .annotate(open_actions=Count("actions", filter=Q(actions__done_at__isnull=True)))
    )
    open_actions = (
        WelcomeAction.objects.open()
        .filter(checklist__village=village, checklist__household__in=shared)
        .select_related("checklist__household", "assignee")
        .prefetch_related(main_contact_prefetch("checklist__household__"))
        .order_by("due_on", "pk")
    )
    follow_ups = (
        CommitteeFollowUp.objects.filter(checklist__village=village, checklist__household__in=shared)
        .filter(recorded_at__isnull=True)
        .select_related("follow_up", "taken_by", "checklist__household")
        .prefetch_related(main_contact_prefetch("checklist__household__"))
        .order_by("follow_up__due_on")
    )
    volunteers = list(
        Role.objects.filter(village=village, kind=RoleKind.VOLUNTEER)
        .select_related("user")
        .order_by("committee_function", "user__full_name")
    )
    availability = {a.user_id: a for a in Availability.objects.filter(village=village)}
    for role in volunteers:
        role.availability = availability.get(role.user_id)
    context = {
        "village": village,
        "territory": village.territory,
        "referrals": referrals,
        "coming_visits": visits.filter(starts_at__gte=now).order_by("starts_at")[:PAGE_SIZE],
        "visits_to_record": visits.filter(starts_at__lt=now, recorded_at__isnull=True).order_by("starts_at")[
            :PAGE_SIZE
        ],
        "recent_visits": visits.filter(recorded_at__isnull=False)[:5],
        "checklists": checklists[:PAGE_SIZE],
        "open_actions": open_actions[:30],
        "follow_ups": follow_ups[:30],
        "volunteers": volunteers,
        "is_volunteer": is_volunteer_of(request.user, village),
        "today": timezone.localdate(),
    }
    return render(request, "committees/dashboard.html", context)


@role_required
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    """A volunteer says whether and when they can guide visits (their own answer only)."""
    village = get_village_or_404(request, code, slug)
    if not is_volunteer_of(request.user, village):
        raise Http404("Only the village's volunteers have an availability here.")
    instance = Availability.objects.filter(user=request.user, village=village).first() or Availability(
        user=request.user, village=village
    )
    form = AvailabilityForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your availability is saved."))
        return redirect("committees:dashboard", code=code, slug=slug)
    context = {"form": form, "village": village, "territory": village.territory}
    return render(request, "committees/availability.html", context, status=400 if form.errors else 200)


@role_required
@require_http_methods(["GET", "POST"])
def visit_plan(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    village = get_village_or_404(request, code, slug)
    households = shared_with_village(village).with_main_contact().order_by("-last_contact_on")
    initial = {"household": request.GET.get("foyer")} if request.GET.get("foyer", "").isdigit() else {}
    form = VisitForm(village, households, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        visit = plan_visit(
            data["household"],
            village,
            data["starts_at"],
            list(data["guides"]),
            data["homes"],
            request.user,
            offers=data["offers"],
        )
        messages.success(request, _("The visit is planned; the guides were told by email."))
        return redirect("committees:visit", code=code, slug=slug, visit_id=visit.pk)
    context = {"form": form, "village": village, "territory": village.territory}
    return render(request, "committees/visit_plan.html", context, status=400 if form.errors else 200)


@role_required
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, code: str, slug: str, visit_id: int) -> HttpResponse:
    """A visit, and after it, its outcome recorded in a few taps."""
    village = get_village_or_404(request, code, slug)
    visit = get_visit_or_404(village, visit_id)
    form = VisitOutcomeForm(request.POST or None, instance=visit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record_visit(visit, data["outcome"], data["interest"], data["report"].strip(), request.user)
        messages.success(request, _("Thank you: the visit is recorded and the advisor will see it."))
        return redirect("committees:dashboard", code=code, slug=slug)
    context = {
        "visit": visit,
        "form": form,
        "village": village,
        "territory": village.territory,
        "household": visit.household,
        "referral": Referral.objects.filter(household=visit.household, village=village).first(),
        "offer_links": may_open_offers(request.user, village.territory),
    }
    return render(request, "committees/visit.html", context, status=400 if form.errors else 200)


@role_required
@require_GET
def checklist(request: HttpRequest, code: str, slug: str, checklist_id: int) -> HttpResponse:
    village = get_village_or_404(request, code, slug)
    checklist = get_checklist_or_404(village, checklist_id)
    actions = list(checklist.actions.select_related("assignee", "done_by"))
    for action in actions:
        action.form = WelcomeActionForm(village, instance=action, prefix=f"action-{action.pk}")
    context = {
        "checklist": checklist,
        "actions": actions,
        "follow_ups": checklist.follow_ups.select_related("follow_up", "taken_by"),
        "village": village,
        "territory": village.territory,
        "household": checklist.household,
    }
    return render(request, "committees/checklist.html", context)


@role_required
@require_POST
def action_edit(request: HttpRequest, code: str, slug: str, checklist_id: int, action_id: int) -> HttpResponse:
    """Who does an action, by when."""
    village = get_village_or_404(request, code, slug)
    checklist = get_checklist_or_404(village, checklist_id)
    action = get_object_or_404(WelcomeAction, pk=action_id, checklist=checklist)
    form = WelcomeActionForm(village, request.POST, instance=action, prefix=f"action-{action.pk}")
    if form.is_valid():
        form.save()
        if form.changed_data:
            log_action(
                request.user,
                "welcome.action_changed",
                checklist.household,
                {"action": action.kind, **{f: str(form.cleaned_data[f] or "") for f in form.changed_data}},
            )
        messages.success(request, _("Saved: %(action)s.") % {"action": action.get_kind_display()})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("committees:checklist", code=code, slug=slug, checklist_id=checklist.pk)


@role_required
@require_POST
def action_done(request: HttpRequest, code: str, slug: str, checklist_id: int, action_id: int) -> HttpResponse:
    """Tick (or untick) an action of the welcome checklist: logged, and shown to the advisor."""
    village = get_village_or_404(request, code, slug)
    checklist = get_checklist_or_404(village, checklist_id)
    action = get_object_or_404(WelcomeAction, pk=action_id, checklist=checklist)
    done = request.POST.get("done") != "0"
    if done != (action.done_at is not None):
        tick_action(action, done, request.POST.get("note", "").strip()[:2000], request.user)
        messages.success(
            request,
            (_("Done: %(action)s.") if done else _("Reopened: %(action)s.")) % {"action": action.get_kind_display()},
        )
    return redirect("committees:checklist", code=code, slug=slug, checklist_id=checklist.pk)


def get_follow_up_or_404(village: Village, take_id: int) -> CommitteeFollowUp:
    take = (
        CommitteeFollowUp.objects.filter(
            pk=take_id, checklist__village=village, checklist__household__in=shared_ids(village)
        )
        .select_related("follow_up", "taken_by", "checklist__household", "checklist__village")
        .first()
    )
    if take is None:
        raise Http404("No such follow-up shared with this village.")
    return take


@role_required
@require_POST
def follow_up_take(request: HttpRequest, code: str, slug: str, take_id: int) -> HttpResponse:
    village = get_village_or_404(request, code, slug)
    take = get_follow_up_or_404(village, take_id)
    if take_follow_up(take, request.user):
        messages.success(request, _("It is yours: %(title)s.") % {"title": take.follow_up.title})
    else:
        messages.error(request, _("Someone already took this follow-up."))
    return redirect("committees:follow_up", code=code, slug=slug, take_id=take.pk)


@role_required
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, code: str, slug: str, take_id: int) -> HttpResponse:
    """Record how a newcomer family is doing, one, six or twelve months after settling."""
    village = get_village_or_404(request, code, slug)
    take = get_follow_up_or_404(village, take_id)
    form = FollowUpReportForm(request.POST or None, instance=take)
    if request.method == "POST" and take.recorded_at is None and form.is_valid():
        record_follow_up(take, form.cleaned_data["report"].strip(), request.user)
        messages.success(request, _("Thank you: the advisor will read it in the file."))
        return redirect("committees:checklist", code=code, slug=slug, checklist_id=take.checklist_id)
    context = {
        "take": take,
        "form": form,
        "village": village,
        "territory": village.territory,
        "checklist": take.checklist,
    }
    return render(request, "committees/follow_up.html", context, status=400 if form.errors else 200)


# --- The advisor, from a prospect's file --------------------------------------------------------------------------


NO_SHARING = _(
    "This household did not agree that the village committees see its project: nothing was sent. Ask them first, "
    "and record their answer in the file's consents."
)


@staff_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk, Household.objects.with_main_contact())
    consented = has_consent(household, Consent.Purpose.SHARING)
    # The villages the household is interested in come ticked.
    interest = {"villages": list(household.villages_of_interest.values_list("pk", flat=True))}
    form = ReferralForm(household, request.POST or None, initial=interest)
    status = 200
    if request.method == "POST":
        if not consented:
            messages.error(request, str(NO_SHARING))
            status = 400
        elif form.is_valid():
            try:
                villages = list(form.cleaned_data["villages"])
                refer_household(household, villages, form.cleaned_data["note"].strip(), request.user)
            except NoSharingConsent:
                messages.error(request, str(NO_SHARING))
                status = 400
            else:
                messages.success(
                    request,
                    _("Referred to %(villages)s: the committees were told by email.")
                    % {"villages": ", ".join(v.name for v in villages)},
                )
                return redirect(household.get_absolute_url())
        else:
            status = 400
    context = {
        "form": form,
        "household": household,
        "territory": household.territory,
        "consented": consented,
        "referrals": household.referrals.select_related("village", "referred_by"),
    }
    return render(request, "committees/refer.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def household_visit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The advisor plans a visit of a village with the household, in two steps that work without JavaScript.

    First the village (a GET form: ?village=<slug>, the household's villages first), then the visit with only that
    village's volunteers (and when they can guide) and its open offers.
    """
    household = get_household_or_404(request, code, pk, Household.objects.with_main_contact())
    consented = has_consent(household, Consent.Purpose.SHARING)
    data = request.POST if request.method == "POST" else request.GET
    chosen = request.method == "POST" or bool(data.get("village"))
    chooser = VisitVillageForm(household, {"village": data.get("village", "")} if chosen else None)
    village = chooser.cleaned_data["village"] if chooser.is_bound and chooser.is_valid() else None
    form = HouseholdVisitForm(household, village, request.POST or None) if village is not None else None
    status = 400 if chooser.errors else 200
    if request.method == "POST" and form is not None:
        if not consented:
            messages.error(request, str(NO_SHARING))
            status = 400
        elif form.is_valid():
            data = form.cleaned_data
            # The committee sees the households referred to it: a visit planned by the team refers the household.
            Referral.objects.get_or_create(household=household, village=village, defaults={"referred_by": request.user})
            plan_visit(
                household,
                village,
                data["starts_at"],
                list(data["guides"]),
                data["homes"],
                request.user,
                offers=data["offers"],
            )
            messages.success(request, _("The visit is planned; the guides were told by email."))
            return redirect(household.get_absolute_url())
        else:
            status = 400
    context = {
        "chooser": chooser,
        "form": form,
        "village": village,
        "household": household,
        "territory": household.territory,
        "consented": consented,
    }
    return render(request, "committees/household_visit.html", context, status=status)


# --- The team: committees' activity -------------------------------------------------------------------------------


@staff_required
@require_GET
def activity(request: HttpRequest, code: str) -> HttpResponse:
    """Per village: referrals, visits, newcomers and actions done over a period; a committee gone quiet shows."""
    territory = get_territory_or_404(request, code)
    today = timezone.localdate()
    default = {"start": today - timedelta(days=365), "end": today}
    form = ActivityPeriodForm(request.GET or None, initial=default)
    period = form.cleaned_data if form.is_bound and form.is_valid() else default
    figures = activity_by_village(territory, period["start"], period["end"])
    villages = Village.objects.filter(territory=territory).exclude(status=Village.Status.ENDED).order_by("name")
    rows = []
    for village in villages:
        row = figures.get(village.pk) or {}
        rows.append({"village": village, **row, "quiet": is_quiet(row.get("last_activity"), today)})
    totals = {key: sum(r.get(key, 0) for r in rows) for key in ("referrals", "visits", "newcomers", "actions_done")}
    context = {
        "territory": territory,
        "form": form,
        "rows": rows,
        "totals": totals,
        "quiet_count": sum(1 for r in rows if r["quiet"]),
        "period": period,
    }
    return render(request, "committees/activity.html", context, status=400 if form.errors else 200)


# --- The households shared with a village ---------------------------------------------------------------------------


@role_required
@require_GET
def village_prospects(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    """The households that agreed to share their project with this village's committee, and only what they shared."""
    village = get_village_or_404(request, code, slug)
    households = shared_with_village(village).with_main_contact().order_by("-last_contact_on")
    page = Paginator(households, PROSPECTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "prospects/village_prospects.html", {"village": village, "territory": village.territory, "page": page}
    )


@role_required
@require_GET
def village_prospect(request: HttpRequest, code: str, slug: str, pk: int) -> HttpResponse:
    village = get_village_or_404(request, code, slug)
    household = shared_with_village(village).prefetch_related("members").filter(pk=pk).first()
    if household is None:
        raise Http404("Not shared with this village.")
    log_action(request.user, "prospect.read_by_committee", household, {"village": village.name})
    main = household.main_contact
    context = {
        "village": village,
        "territory": village.territory,
        "household": household,
        "first_name": main.first_name if main else "",
        "adults": sum(1 for m in household.members.all() if m.kind == Person.Kind.ADULT),
        "children_ages": household.children_ages,
        "shared": [
            (Household._meta.get_field(name).verbose_name, household.field_display(name))
            for name in SHARED_FIELDS
            if getattr(household, name) not in (None, "")
        ],
        "needs": [Household._meta.get_field(f).verbose_name for f in NEED_FIELDS if getattr(household, f)],
    }
    return render(request, "prospects/village_prospect.html", context)
