"""The scoping helpers every view uses: what a user may see, and 404 for everything else.

A view never filters by hand. It asks for the record through a helper that knows the user's scope:

    territory = get_territory_or_404(request, code)                 # staff of that territory (or platform admin)
    territory = get_territory_or_404(request, code, manage=True)    # managers only; others get 403 if they can see it
    villages = scope_queryset(request.user, Village.objects.all())  # only the villages of the user's territories

Outsiders get 404, so that they learn nothing of what exists; a user who may see a record but not change it gets
403. Anonymous visitors of a staff page are sent to the sign-in page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from sohosolo.accounts.models import Scope
from sohosolo.territory.models import Territory, Village


def scope_queryset(user, queryset: QuerySet, territory_field: str = "territory") -> QuerySet:
    """Only the rows of the territories whose team the user belongs to (all of them for a platform admin)."""
    scope = user.scope
    if scope.is_admin:
        return queryset
    return queryset.filter(**{f"{territory_field}__in": scope.staff_territory_ids})


def staff_territories(user) -> QuerySet[Territory]:
    return scope_queryset(user, Territory.objects.all(), territory_field="pk")


def get_territory_or_404(request: HttpRequest, code: str, manage: bool = False) -> Territory:
    """The territory whose team the user belongs to; 404 for anyone else, 403 when `manage` and not a manager."""
    territory = scope_queryset(request.user, Territory.objects.all(), territory_field="pk").filter(code=code).first()
    if territory is None:
        raise Http404("No such territory in your scope.")
    if manage and not request.user.scope.can_manage_territory(territory.pk):
        raise PermissionDenied
    return territory


def get_village_or_404(request: HttpRequest, territory_code: str, slug: str) -> Village:
    """A partner village seen by its territory's team or by one of its own volunteers; 404 for anyone else."""
    village = Village.objects.select_related("territory").filter(territory__code=territory_code, slug=slug).first()
    if village is None or not request.user.scope.can_see_village(village):
        raise Http404("No such village in your scope.")
    return village


def scope_required(test: Callable[[Scope], bool]) -> Callable:
    """Decorator: anonymous visitors go to the sign-in page; signed-in users outside the scope get 404."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not test(request.user.scope):
                raise Http404("Not in your scope.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = scope_required(lambda scope: scope.is_staff)
role_required = scope_required(lambda scope: scope.has_any_role)
