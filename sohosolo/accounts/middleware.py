"""Every request of a signed-in person: the session's expiry, then the second factor owed before any page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from sohosolo.accounts.security import SETUP, redirect_with_next, second_factor_step, session_expired

# Pages a session may open while it still owes its second factor.
OPEN_DURING_SIGN_IN = {
    "accounts:two_factor_verify",
    "accounts:two_factor_setup",
    "accounts:logout",
    "set_language",
    "healthz",
}


class SignInSecurityMiddleware:
    """Ends expired sessions, keeps a session that owes its second factor on the two-factor pages, switches off
    the browser features no page uses (Permissions-Policy) and keeps signed-in pages out of every cache
    (Cache-Control: private, no-store). Comes after AuthenticationMiddleware and OTPMiddleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", ""):
            # PostgreSQL refuses a NUL character in a query: a search for "\x00" would answer 500.
            cleaned = request.GET.copy()
            for key in cleaned:
                cleaned.setlist(key, [value.replace("\x00", "") for value in cleaned.getlist(key)])
            request.GET = cleaned
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        # A page for someone signed in (or holding a session: the personal space) may show personal data: no shared
        # cache nor the browser's disk keeps it.
        session = getattr(request, "session", None)
        if request.user.is_authenticated or (session is not None and not session.is_empty()):
            patch_cache_control(response, private=True, no_store=True)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        if session_expired(request):
            logout(request)
            messages.info(request, _("Your session has ended. Please sign in again."))
            return redirect_with_next(request, "accounts:login", request.get_full_path())
        if request.resolver_match.view_name in OPEN_DURING_SIGN_IN:
            return None
        step = second_factor_step(request)
        if step is None:
            return None
        view_name = "accounts:two_factor_setup" if step == SETUP else "accounts:two_factor_verify"
        return redirect_with_next(request, view_name, request.get_full_path())
