"""Sign-in security: two-factor sign-in, session expiry, re-confirmation before sensitive actions, throttles.

Two-factor sign-in (django-otp): after the password, a session is "verified" once the person has given a code from
their authenticator app (TOTP) or one of their single-use recovery codes. It is required for the programme's staff
(platform administrators, managers, advisors) and for the Django admin; anybody else may turn it on from their
account page. SignInSecurityMiddleware keeps a session that still owes its second factor away from every page but
the two-factor ones.

Sensitive actions (exports, role changes, invitations of staff, erasure) are wrapped in
`recent_authentication_required`: the password or a code must have been given in the last REAUTHENTICATION_MINUTES.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sohosolo.accounts.throttle import Throttle

# Session keys (timestamps are seconds since the epoch).
SIGNED_IN_AT = "_signed_in_at"  # the password was given: the session ends SESSION_MAX_HOURS later
SEEN_AT = "_seen_at"  # last request: the session ends after SESSION_IDLE_MINUTES without one
CONFIRMED_AT = "_confirmed_at"  # last time the password or a code was given (re-confirmation)
HAS_DEVICE = "_two_factor_enrolled"  # someone who turned two-factor sign-in on owes a code at each sign-in
RECOVERY_CODES_TO_SHOW = "_recovery_codes"  # shown once, on the next visit of the recovery codes page
LANGUAGE_CHOSEN = "_language_chosen"  # the language a visitor picked with the switch, kept when they sign in

SEEN_AT_PRECISION = 60  # write the session at most once a minute for the idle timeout

VERIFY, SETUP = "verify", "setup"


def two_factor_required(user) -> bool:
    """Staff and Django admin accounts must sign in with a second factor."""
    return bool(user.is_staff or user.is_superuser or user.scope.is_staff)


def second_factor_step(request: HttpRequest) -> str | None:
    """What this signed-in session still owes: VERIFY (a code), SETUP (enrol a device first), or None."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    if two_factor_required(user):
        return VERIFY if user_has_device(user) else SETUP
    if request.session.get(HAS_DEVICE):
        return VERIFY
    return None


def totp_device(user, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def verify_code(user, code: str):
    """The device that accepts `code` (a 6-digit app code or a recovery code), or None. Each device throttles itself
    (exponential delay after each wrong code); a recovery code is deleted once used."""
    code = normalise_code(code)
    if not code:
        return None
    with transaction.atomic():
        if code.isdigit() and len(code) == 6:
            device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        else:
            device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(code):
            return device
    return None


def complete_second_factor(request: HttpRequest, device) -> None:
    """The session is verified by `device` (and counts as a fresh confirmation)."""
    otp_login(request, device)
    request.session[HAS_DEVICE] = True
    mark_confirmed(request)


def mark_confirmed(request: HttpRequest) -> None:
    request.session[CONFIRMED_AT] = time.time()


def recently_authenticated(request: HttpRequest) -> bool:
    confirmed_at = request.session.get(CONFIRMED_AT)
    return confirmed_at is not None and time.time() - confirmed_at < settings.REAUTHENTICATION_MINUTES * 60


def on_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """user_logged_in: start the session's clocks, and remember whether this person owes a second factor."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    request.session[CONFIRMED_AT] = now
    request.session[HAS_DEVICE] = user_has_device(user)


def session_expired(request: HttpRequest) -> bool:
    """True when the session passed its absolute lifetime or sat idle too long; else note this request."""
    session = request.session
    now = time.time()
    signed_in_at = session.setdefault(SIGNED_IN_AT, now)
    seen_at = session.get(SEEN_AT, now)
    if now - signed_in_at > settings.SESSION_MAX_HOURS * 3600 or now - seen_at > settings.SESSION_IDLE_MINUTES * 60:
        return True
    if SEEN_AT not in session or now - seen_at >= SEEN_AT_PRECISION:
        session[SEEN_AT] = now
    return False


def safe_next(request: HttpRequest, url: str | None, default: str) -> str:
    """`url` when it is a page of this site, else `default`: no open redirect through ?next=, and a path only (a bare
    word such as "evil" would be taken by `redirect()` for a view's name)."""
    allowed = {request.get_host()}
    if not url or not url.startswith("/"):
        return default
    if url_has_allowed_host_and_scheme(url, allowed_hosts=allowed, require_https=request.is_secure()):
        return url
    return default


def redirect_with_next(request: HttpRequest, view_name: str, next_url: str) -> HttpResponse:
    """A redirect to `view_name?next=…`; an htmx request gets HX-Redirect so that the whole page goes there."""
    url = f"{reverse(view_name)}?{urlencode({'next': next_url})}"
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def recent_authentication_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorator for sensitive actions: ask for the password (or a code) again when it was given more than
    REAUTHENTICATION_MINUTES ago, then come back. Put it below the scope decorators and require_GET/require_POST, so
    that outsiders still get their 404 and a wrong method its 405. A POST comes back to the page it was sent from
    (the form is shown again, to send once more)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated and not recently_authenticated(request):
            if request.method in ("GET", "HEAD"):
                next_url = request.get_full_path()
            else:
                next_url = safe_next(request, request.headers.get("Referer"), reverse("staff_home"))
            return redirect_with_next(request, "accounts:reauthenticate", next_url)
        return view(request, *args, **kwargs)

    return wrapped


def second_factor_throttle() -> Throttle:
    return Throttle("2fa", settings.TWO_FACTOR_FAILURE_LIMIT, settings.TWO_FACTOR_LOCKOUT_MINUTES * 60)


def password_reset_throttle(kind: str) -> Throttle:
    limit = settings.PASSWORD_RESET_LIMIT_PER_ADDRESS if kind == "ip" else settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    return Throttle(f"reset-{kind}", limit, 3600)


def drop_second_factor(request: HttpRequest) -> None:
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[HAS_DEVICE] = False
