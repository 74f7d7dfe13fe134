from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sohosolo.accounts.models import Role, RoleKind
from sohosolo.accounts.scopes import get_territory_or_404, get_village_or_404, role_required, staff_required

VILLAGES_PAGE_SIZE = 60


@staff_required
def territory_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A territory's programme at a glance: its team and its partner villages with their committees."""
    territory = get_territory_or_404(request, code)
    people = Role.objects.filter(territory=territory).values("kind").annotate(n=Count("user", distinct=True))
    counts = {row["kind"]: row["n"] for row in people}
    villages = territory.villages.annotate(
        volunteers=Count("roles", filter=Q(roles__kind=RoleKind.VOLUNTEER))
    ).order_by("name")
    page = Paginator(villages, VILLAGES_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "territory": territory,
        "counts": [(kind, counts.get(kind.value, 0)) for kind in RoleKind if kind != RoleKind.PLATFORM_ADMIN],
        "page": page,
        "can_manage": request.user.scope.can_manage_territory(territory.pk),
    }
    return render(request, "territory/territory_detail.html", context)


@role_required
def village_committee(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    """A village's welcome committee: its volunteers and how to reach them (its volunteers and the team see it)."""
    village = get_village_or_404(request, code, slug)
    volunteers = (
        Role.objects.filter(village=village, kind=RoleKind.VOLUNTEER).select_related("user").order_by("user__full_name")
    )
    context = {
        "village": village,
        "territory": village.territory,
        "volunteers": volunteers,
        "is_staff": request.user.scope.can_see_territory(village.territory_id),
    }
    return render(request, "territory/village_committee.html", context)
