from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sohosolo.accounts.models import Role, RoleKind
from sohosolo.accounts.scopes import staff_territories
from sohosolo.accounts.security import LANGUAGE_CHOSEN, safe_next
from sohosolo.audit.log import log_action
from sohosolo.lib.i18n import in_language
from sohosolo.territory.models import Territory, Village

HOME_FIGURES_SECONDS = 300


def programme_figures() -> dict:
    """The programme in figures for the public home page; counted at most every five minutes."""

    def count() -> dict:
        territories = list(
            Territory.objects.annotate(
                village_count=Count("villages", filter=~Q(villages__status=Village.Status.ENDED))
            )
            .order_by("name")
            .values("code", "name", "departement", "village_count")
        )
        people = {row["kind"]: row["n"] for row in Role.objects.values("kind").annotate(n=Count("user", distinct=True))}
        return {
            "territories": territories,
            "villages": sum(t["village_count"] for t in territories),
            "volunteers": people.get(RoleKind.VOLUNTEER, 0),
            "members": people.get(RoleKind.MEMBER, 0),
        }

    return cache.get_or_set("home:programme-figures", count, HOME_FIGURES_SECONDS)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The public home page: what the programme offers, and where."""
    figures = programme_figures()
    return render(request, "home.html", {"territories": figures["territories"], "figures": figures})


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """'My space': the roles the user holds and the parts of the platform they open."""
    scope = request.user.scope
    roles = request.user.roles.select_related("territory", "village").order_by("kind", "territory__name")
    context = {
        "roles": roles,
        "scope": scope,
        "territories": staff_territories(request.user).annotate(village_count=Count("villages"))
        if scope.is_staff
        else [],
        "villages": Village.objects.filter(pk__in=scope.volunteer_village_ids).select_related("territory"),
        "RoleKind": RoleKind,
    }
    return render(request, "staff_home.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch: the same page in the other language (the address carries it, no cookie is set).

    A signed-in user keeps the choice in their profile (emails, and where signing in leads); a visitor's choice is
    kept in their session, so that signing in afterwards makes it theirs."""
    next_url = safe_next(request, request.POST.get("next") or request.headers.get("Referer"), "/")
    language = request.POST.get("language")
    if language not in dict(settings.LANGUAGES):
        return redirect(next_url)
    user = request.user
    if user.is_authenticated:
        if user.language != language:
            log_action(user, "user.profile_changed", user, {"language": language})
            user.language = language
            user.save(update_fields=["language"])
    else:
        request.session[LANGUAGE_CHOSEN] = language
    return redirect(in_language(next_url, language))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not (for load balancers and uptime checks)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


# --- Error pages ---------------------------------------------------------------------------------------------------
# Django's own error views run the CSRF check again (`requires_csrf_token`), which reads the body of a POST once more:
# a body the request could not read (a charset other than UTF-8) would turn a 400 into a 500. These never read it.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.get_template("400.html").render(), status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse(loader.get_template("500.html").render(), status=500)
