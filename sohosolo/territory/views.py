from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.forms import invite_from_form
from sohosolo.accounts.models import CommitteeFunction, Role, RoleKind
from sohosolo.accounts.scopes import get_territory_or_404, get_village_or_404, role_required, staff_required
from sohosolo.accounts.security import recent_authentication_required
from sohosolo.audit.log import log_action
from sohosolo.territory.forms import (
    CommitteeFunctionForm,
    CommitteeInviteForm,
    GoalFormSet,
    HubFormSet,
    PhotoForm,
    TerritorySettingsForm,
    VillageCreateForm,
    VillageFilterForm,
    VillageForm,
    VillageStaffForm,
)
from sohosolo.territory.maps import departement_svg
from sohosolo.territory.models import Commune, Territory, Village, VillagePhoto

VILLAGES_PAGE_SIZE = 24
TEAM_VILLAGES_PAGE_SIZE = 60
SVG_MAP_SECONDS = 3600


# --- Public pages -------------------------------------------------------------------------------------------------


def map_points(villages) -> list[dict]:
    """What the interactive map needs of each village (sent as JSON in the page, no extra request): one query."""
    rows = villages.filter(commune__latitude__isnull=False, commune__longitude__isnull=False).values_list(
        "name", "territory__code", "slug", "commune__latitude", "commune__longitude"
    )
    return [
        {"name": name, "url": reverse("territory:village_public", args=[code, slug]), "lat": lat, "lon": lon}
        for name, code, slug, lat, lon in rows
    ]


@require_GET
def village_list(request: HttpRequest) -> HttpResponse:
    """The partner villages: filters, an interactive map and a list that works without it."""
    form = VillageFilterForm(request.GET or None)
    villages = form.filter(
        Village.objects.public().select_related("territory__main_town", "commune").order_by("territory__name", "name")
    )
    page = Paginator(villages, VILLAGES_PAGE_SIZE).get_page(request.GET.get("page"))
    territories = Territory.objects.filter(villages__in=Village.objects.public()).distinct()
    context = {
        "form": form,
        "page": page,
        "points": map_points(villages),
        "territories": territories,
        "map": {"tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_ATTRIBUTION},
    }
    return render(request, "territory/village_list.html", context)


def public_village_or_404(code: str, slug: str) -> Village:
    return get_object_or_404(
        Village.objects.public().select_related("territory__main_town", "commune"), territory__code=code, slug=slug
    )


@require_GET
def village_public(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    village = public_village_or_404(code, slug)
    referents = Role.objects.filter(
        village=village, kind=RoleKind.VOLUNTEER, committee_function=CommitteeFunction.REFERENT, user__is_active=True
    ).select_related("user")
    context = {
        "village": village,
        "territory": village.territory,
        "commune": village.commune,
        "photos": village.photos.all(),
        "referents": referents,
        "hub_distances": village.hub_distances(),
        "points": map_points(Village.objects.filter(pk=village.pk)),
        "map": {"tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_ATTRIBUTION},
    }
    return render(request, "territory/village_public.html", context)


@require_GET
def territory_map_svg(request: HttpRequest, code: str) -> HttpResponse:
    """The département's communes, partner villages highlighted: an offline map (no tiles), also for reports."""
    territory = get_object_or_404(Territory, code=code)
    key = f"territory-map:{territory.pk}:{request.LANGUAGE_CODE}"
    svg = cache.get(key)
    if svg is None:
        svg = territory_svg(territory)
        cache.set(key, svg, SVG_MAP_SECONDS)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def territory_svg(territory: Territory) -> str:
    villages = Village.objects.public().filter(territory=territory).select_related("territory")
    highlighted = {v.commune_id: (v.name, v.get_absolute_url()) for v in villages}
    communes = Commune.objects.in_departement(territory.departement).only(
        "insee_code", "name", "latitude", "longitude", "outline"
    )
    try:
        return departement_svg(
            communes,
            highlighted,
            title=_("Partner villages of %(name)s") % {"name": territory.public_name},
            description=_("Map of the communes of département %(dep)s; the %(count)s partner villages are coloured.")
            % {"dep": territory.departement, "count": len(highlighted)},
        )
    except ValueError as error:
        raise Http404("No outline for this département.") from error


# --- The programme team and the villages' volunteers --------------------------------------------------------------


@staff_required
def territory_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A territory's programme at a glance: its team and its partner villages with their committees."""
    territory = get_territory_or_404(request, code)
    people = Role.objects.filter(territory=territory).values("kind").annotate(n=Count("user", distinct=True))
    counts = {row["kind"]: row["n"] for row in people}
    villages = (
        territory.villages.annotate(volunteers=Count("roles", filter=Q(roles__kind=RoleKind.VOLUNTEER)))
        .select_related("commune")
        .order_by("name")
    )
    page = Paginator(villages, TEAM_VILLAGES_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "territory": territory,
        "counts": [(kind, counts.get(kind.value, 0)) for kind in RoleKind if kind != RoleKind.PLATFORM_ADMIN],
        "page": page,
        "can_manage": request.user.scope.can_manage_territory(territory.pk),
        "goal": territory.goal_for(),
    }
    return render(request, "territory/territory_detail.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def village_create(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    form = VillageCreateForm(territory, request.POST or None)
    if request.method == "POST" and form.is_valid():
        village = form.save()
        log_action(request.user, "village.created", village, {"commune": village.commune_id})
        messages.success(request, _("%(name)s is now a partner village.") % {"name": village.name})
        return redirect("territory:village_edit", code=territory.code, slug=village.slug)
    return render(request, "territory/village_create.html", {"form": form, "territory": territory})


@role_required
def village_committee(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    """A village's private page: its welcome committee, how to reach them, and what they can change."""
    village = get_village_or_404(request, code, slug)
    volunteers = (
        Role.objects.filter(village=village, kind=RoleKind.VOLUNTEER)
        .select_related("user")
        .order_by("committee_function", "user__full_name")
    )
    context = {
        "village": village,
        "territory": village.territory,
        "volunteers": volunteers,
        "is_staff": request.user.scope.can_see_territory(village.territory_id),
        "functions": CommitteeFunction.choices,
    }
    return render(request, "territory/village_committee.html", context)


@role_required
@require_http_methods(["GET", "POST"])
def village_edit(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    village = get_village_or_404(request, code, slug)
    is_staff = request.user.scope.can_see_territory(village.territory_id)
    form_class = VillageStaffForm if is_staff else VillageForm
    form = form_class(request.POST or None, instance=village)
    if request.method == "POST" and form.is_valid():
        form.save()
        if form.changed_data:
            log_action(request.user, "village.changed", village, {"fields": form.changed_data})
        messages.success(request, _("The page of %(name)s is saved.") % {"name": village.name})
        return redirect("territory:village_committee", code=code, slug=village.slug)
    return render(
        request, "territory/village_edit.html", {"form": form, "village": village, "territory": village.territory}
    )


@role_required
@require_http_methods(["GET", "POST"])
def village_photos(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    village = get_village_or_404(request, code, slug)
    form = PhotoForm(request.POST or None, request.FILES or None, instance=VillagePhoto(village=village))
    if request.method == "POST" and form.is_valid():
        photo = form.save()
        log_action(request.user, "village.photo_added", village, {"photo": photo.pk})
        messages.success(request, _("The photo is added."))
        return redirect("territory:village_photos", code=code, slug=slug)
    context = {"form": form, "village": village, "territory": village.territory, "photos": village.photos.all()}
    return render(request, "territory/village_photos.html", context, status=400 if form.errors else 200)


@role_required
@require_POST
def village_photo_delete(request: HttpRequest, code: str, slug: str, photo_id: int) -> HttpResponse:
    village = get_village_or_404(request, code, slug)
    get_object_or_404(VillagePhoto, pk=photo_id, village=village).delete_with_files()
    log_action(request.user, "village.photo_deleted", village, {"photo": photo_id})
    messages.success(request, _("The photo is deleted."))
    return redirect("territory:village_photos", code=code, slug=slug)


@role_required
@require_http_methods(["GET", "POST"])
def committee_invite(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    """The team or the committee's own volunteers invite a new volunteer to this village's committee."""
    village = get_village_or_404(request, code, slug)
    form = CommitteeInviteForm(village, request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and invite_from_form(
            form, inviter=request.user, territory=village.territory, kind=RoleKind.VOLUNTEER, village=village
        )
    ):
        messages.success(request, _("Done: %(email)s was told by email.") % {"email": form.cleaned_data["email"]})
        return redirect("territory:village_committee", code=code, slug=slug)
    return render(request, "territory/committee_invite.html", {"form": form, "village": village})


@role_required
@require_POST
@recent_authentication_required
def committee_function(request: HttpRequest, code: str, slug: str, role_id: int) -> HttpResponse:
    village = get_village_or_404(request, code, slug)
    role = get_object_or_404(Role, pk=role_id, village=village, kind=RoleKind.VOLUNTEER)
    form = CommitteeFunctionForm(request.POST)
    if form.is_valid():
        role.committee_function = form.cleaned_data["committee_function"]
        role.save(update_fields=["committee_function"])
        log_action(
            request.user,
            "committee.function_changed",
            role.user,
            {"function": role.committee_function},
            territory=village.territory,
        )
        messages.success(request, _("%(name)s's function is saved.") % {"name": role.user.full_name})
    else:
        messages.error(request, _("Choose a function from the list."))
    return redirect("territory:village_committee", code=code, slug=slug)


@role_required
@require_POST
@recent_authentication_required
def committee_remove(request: HttpRequest, code: str, slug: str, role_id: int) -> HttpResponse:
    """Take a volunteer off the committee (their account stays; other roles they hold are untouched)."""
    village = get_village_or_404(request, code, slug)
    role = get_object_or_404(Role.objects.select_related("user"), pk=role_id, village=village, kind=RoleKind.VOLUNTEER)
    role.delete()
    log_action(
        request.user, "committee.volunteer_removed", role.user, {"village": village.name}, territory=village.territory
    )
    messages.success(request, _("%(name)s is no longer on the committee.") % {"name": role.user.full_name})
    if role.user == request.user:
        return redirect("staff_home")
    return redirect("territory:village_committee", code=code, slug=slug)


@staff_required
@require_http_methods(["GET", "POST"])
def territory_settings(request: HttpRequest, code: str) -> HttpResponse:
    """The programme's own settings: name and branding, main town, contact, meeting cadence, goals and hubs."""
    territory = get_territory_or_404(request, code, manage=True)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = TerritorySettingsForm(data, files, instance=territory)
    goals = GoalFormSet(data, instance=territory, prefix="goals")
    hubs = HubFormSet(data, instance=territory, prefix="hubs")
    if request.method == "POST" and form.is_valid() and goals.is_valid() and hubs.is_valid():
        with transaction.atomic():
            form.save()
            goals.save()
            hubs.save()
            if "main_town" in form.changed_data:
                for village in territory.villages.select_related("commune"):
                    village.save()  # distances follow the new main town
        log_action(request.user, "territory.settings_changed", territory, {"fields": form.changed_data})
        messages.success(request, _("The settings of %(name)s are saved.") % {"name": territory.name})
        return redirect("territory:detail", code=territory.code)
    context = {"territory": territory, "form": form, "goals": goals, "hubs": hubs}
    return render(
        request, "territory/territory_settings.html", context, status=400 if request.method == "POST" else 200
    )
