"""The pages of two-factor sign-in (enrolment, verification, recovery codes) and of re-confirmation."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from sohosolo.accounts.forms import ReauthenticationForm, SetupCodeForm, TwoFactorCodeForm
from sohosolo.accounts.security import (
    RECOVERY_CODES_TO_SHOW,
    VERIFY,
    complete_second_factor,
    drop_second_factor,
    mark_confirmed,
    new_recovery_codes,
    normalise_code,
    recent_authentication_required,
    redirect_with_next,
    remaining_recovery_codes,
    safe_next,
    second_factor_step,
    second_factor_throttle,
    totp_device,
    two_factor_required,
    verify_code,
)
from sohosolo.audit.log import log_action


def current_code(device: TOTPDevice) -> str:
    """The code the app shows now (demo mode prints it on the page, so that demo accounts stay usable)."""
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return str(code).zfill(device.digits)


def demo_code(device: TOTPDevice | None) -> str | None:
    return current_code(device) if settings.DEMO_MODE and device is not None else None


def locked_out_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    context |= {"locked_out": True, "lockout_minutes": settings.TWO_FACTOR_LOCKOUT_MINUTES}
    return render(request, template, context, status=429)


def _throttle_keys(request: HttpRequest) -> tuple[str]:
    """Per account only: its password is already given, and an address is shared (one wrong colleague behind the
    same proxy must not lock everybody out of their code step)."""
    return (f"user:{request.user.pk}",)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Second step of signing in: a code from the app or a recovery code."""
    user = request.user
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("staff_home"))
    step = second_factor_step(request)
    if step is None:
        return redirect(next_url)
    if step != VERIFY:
        return redirect_with_next(request, "accounts:two_factor_setup", next_url)
    form = TwoFactorCodeForm(request.POST or None)
    context = {"form": form, "next": next_url, "demo_code": demo_code(totp_device(user))}
    throttle, keys = second_factor_throttle(), _throttle_keys(request)
    if throttle.blocked(*keys):
        return locked_out_page(request, "accounts/two_factor_verify.html", context)
    if request.method == "POST" and form.is_valid():
        device = verify_code(user, form.cleaned_data["code"])
        if device is None:
            throttle.hit(*keys)
            if throttle.blocked(*keys):
                return locked_out_page(request, "accounts/two_factor_verify.html", context)
            form.add_error("code", _("This code is not right, or has already been used. Try the next one."))
        else:
            throttle.reset(keys[0])
            complete_second_factor(request, device)
            if isinstance(device, StaticDevice):
                log_action(user, "user.recovery_code_used", user, {})
                left = remaining_recovery_codes(user)
                messages.warning(
                    request,
                    _("You used a recovery code; %(count)s left. Make new ones from your account page.")
                    % {"count": left},
                )
            return redirect(next_url)
    return render(request, "accounts/two_factor_verify.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Turn on two-factor sign-in: scan the QR code with an app, type its code, get recovery codes.

    Staff reach it at their first sign-in. Someone already verified may come back to move to a new phone (the old
    app stops working once the new one is confirmed), after re-confirming."""
    user = request.user
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("accounts:profile"))
    step = second_factor_step(request)
    if step == VERIFY:
        return redirect_with_next(request, "accounts:two_factor_verify", next_url)
    if step is None and totp_device(user) is not None:
        return _replace_device(request)
    return _setup(request, next_url)


@recent_authentication_required
def _replace_device(request: HttpRequest) -> HttpResponse:
    return _setup(request, reverse("accounts:profile"))


def _setup(request: HttpRequest, next_url: str) -> HttpResponse:
    user = request.user
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = SetupCodeForm(request.POST or None)
    secret = device.config_url.split("secret=")[1].split("&")[0]
    context = {
        "form": form,
        "next": next_url,
        "qr_code": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "demo_code": demo_code(device),
        "required": two_factor_required(user),
    }
    throttle, keys = second_factor_throttle(), _throttle_keys(request)
    if throttle.blocked(*keys):
        return locked_out_page(request, "accounts/two_factor_setup.html", context)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(normalise_code(form.cleaned_data["code"])):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = new_recovery_codes(user)
            throttle.reset(keys[0])
            complete_second_factor(request, device)
            request.session[RECOVERY_CODES_TO_SHOW] = codes
            log_action(user, "user.two_factor_enabled", user, {})
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect_with_next(request, "accounts:recovery_codes", next_url)
        throttle.hit(*keys)
        form.add_error("code", _("This code is not right. Check the time of your phone and type the current code."))
    return render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once right after they are made; a POST makes new ones (the old ones stop working)."""
    user = request.user
    if totp_device(user) is None:
        return redirect("accounts:two_factor_setup")
    if request.method == "POST":
        return _regenerate_recovery_codes(request)
    codes = request.session.pop(RECOVERY_CODES_TO_SHOW, None)
    context = {
        "codes": codes,
        "remaining": remaining_recovery_codes(user) if codes is None else len(codes),
        "next": safe_next(request, request.GET.get("next"), reverse("accounts:profile")),
    }
    return render(request, "accounts/recovery_codes.html", context)


@recent_authentication_required
def _regenerate_recovery_codes(request: HttpRequest) -> HttpResponse:
    request.session[RECOVERY_CODES_TO_SHOW] = new_recovery_codes(request.user)
    log_action(request.user, "user.recovery_codes_renewed", request.user, {})
    messages.success(request, _("Here are your new recovery codes; the old ones no longer work."))
    return redirect("accounts:recovery_codes")


@login_required
@require_POST
@recent_authentication_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off (only for those who need not have it)."""
    user = request.user
    if two_factor_required(user):
        raise PermissionDenied
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    drop_second_factor(request)
    log_action(user, "user.two_factor_disabled", user, {})
    messages.success(request, _("Two-factor sign-in is off."))
    return redirect("accounts:profile")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Before a sensitive action: confirm it is you, then go on where you were."""
    user = request.user
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("staff_home"))
    device = totp_device(user)
    form = ReauthenticationForm(request.POST or None, with_code=device is not None)
    context = {"form": form, "next": next_url, "minutes": settings.REAUTHENTICATION_MINUTES}
    throttle, keys = second_factor_throttle(), _throttle_keys(request)
    if request.method == "POST" and form.is_valid():
        password, code = form.cleaned_data.get("password"), form.cleaned_data.get("code")
        if password:
            # Through authenticate() so that django-axes counts the wrong passwords here too.
            authenticated = authenticate(request, username=user.email, password=password)
            confirmed = authenticated is not None and authenticated.pk == user.pk
            error = ("password", _("This password is not right."))
        elif throttle.blocked(*keys):
            return locked_out_page(request, "accounts/reauthenticate.html", context)
        else:
            confirmed = verify_code(user, code) is not None
            if not confirmed:
                throttle.hit(*keys)
            error = ("code", _("This code is not right, or has already been used."))
        if confirmed:
            mark_confirmed(request)
            return redirect(next_url)
        form.add_error(*error)
    return render(request, "accounts/reauthenticate.html", context, status=400 if form.errors else 200)
