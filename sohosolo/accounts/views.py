from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sohosolo.accounts.demo import DEMO_LOGINS, DEMO_PASSWORD
from sohosolo.accounts.forms import (
    ActivationForm,
    EmailAuthenticationForm,
    EmailPasswordResetForm,
    InvitationForm,
    ProfileForm,
    invite_from_form,
)
from sohosolo.accounts.models import Invitation, Role, RoleKind
from sohosolo.accounts.scopes import get_territory_or_404, staff_required
from sohosolo.accounts.security import (
    LANGUAGE_CHOSEN,
    password_reset_throttle,
    recent_authentication_required,
    remaining_recovery_codes,
    totp_device,
    two_factor_required,
)
from sohosolo.accounts.services import accept_invitation, invitation_from_token
from sohosolo.audit.log import log_action
from sohosolo.lib.addresses import client_address
from sohosolo.lib.i18n import in_language


def demo_context() -> dict:
    """In demo mode only, the sign-in page lists the demo logins."""
    if not settings.DEMO_MODE:
        return {}
    return {"demo_logins": DEMO_LOGINS, "demo_password": DEMO_PASSWORD}


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(**demo_context(), **kwargs)

    def form_valid(self, form) -> HttpResponse:
        """Signed in: continue in the language the visitor chose with the switch, else in the user's own.

        (The choice is kept in the session, which signing in keeps: there is no language cookie.) A session that owes
        a second factor is then sent to it by SignInSecurityMiddleware, wherever it goes."""
        chosen = self.request.session.pop(LANGUAGE_CHOSEN, None)
        response = super().form_valid(form)
        user = form.get_user()
        if chosen in dict(settings.LANGUAGES):
            language = chosen
            if user.language != language:
                log_action(user, "user.profile_changed", user, {"language": language})
                user.language = language
                user.save(update_fields=["language"])
        else:
            language = user.language
        response["Location"] = in_language(response["Location"], language)
        return response


def login_attempt_email(request: HttpRequest, credentials: dict | None) -> str:
    """The email django-axes counts failures for, lower-cased so that changing its case gets around nothing."""
    email = (credentials or {}).get("username") or request.POST.get("username", "")
    return email.strip().lower()


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """What django-axes shows after too many wrong passwords: the sign-in page, saying why and for how long."""
    email = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": EmailAuthenticationForm(request, initial={"username": email}),
        "locked_out": True,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        **demo_context(),
    }
    return render(request, "accounts/login.html", context, status=429)


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_from_token(token)
    if invitation is None:
        return render(request, "accounts/activation_invalid.html", status=404)
    user = invitation.user
    form = ActivationForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        accept_invitation(invitation)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        with translation.override(user.language):
            messages.success(request, _("Welcome! Your account is active."))
            return redirect(in_language(reverse("staff_home"), user.language))
    return render(request, "accounts/activate.html", {"form": form, "invitation": invitation})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    before = {
        "full_name": user.full_name,
        "phone": user.phone,
        "language": user.language,
        "file_news_by_email": user.file_news_by_email,
    }
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        changes = {k: form.cleaned_data[k] for k in before if form.cleaned_data[k] != before[k]}
        if changes:
            log_action(user, "user.profile_changed", user, changes)
        with translation.override(user.language):
            messages.success(request, _("Your profile is saved."))
            return redirect(in_language(reverse("accounts:profile"), user.language))
    context = {
        "form": form,
        "two_factor_on": totp_device(user) is not None,
        "two_factor_required": two_factor_required(user),
        "recovery_codes_left": remaining_recovery_codes(user),
    }
    return render(request, "accounts/profile.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        update_session_auth_hash(self.request, form.user)
        log_action(self.request.user, "user.password_changed", self.request.user, {})
        messages.success(self.request, _("Your password is changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Throttled: PASSWORD_RESET_LIMIT_PER_ADDRESS requests an hour from one client address (then a 429 page), and
    PASSWORD_RESET_LIMIT_PER_EMAIL emails an hour to one address (further requests say "sent" but send nothing, so
    that nobody can flood a mailbox nor learn whether an account exists)."""

    form_class = EmailPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        by_address, address = password_reset_throttle("ip"), client_address(request)
        if by_address.blocked(address):
            form = self.get_form()
            form.add_error(None, _("Too many requests from your connection. Please try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        by_address.hit(address)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        by_email, email = password_reset_throttle("email"), form.cleaned_data["email"].strip().lower()
        if by_email.blocked(email):
            return redirect(self.get_success_url())
        by_email.hit(email)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        log_action(form.user, "user.password_reset", form.user, {})
        messages.success(self.request, _("Your new password is set. You can sign in with it."))
        return response


TEAM_PAGE_SIZE = 50


@staff_required
def team(request: HttpRequest, code: str) -> HttpResponse:
    """The people of a territory's programme, by role; managers invite from here."""
    territory = get_territory_or_404(request, code)
    kind = request.GET.get("role", "")
    roles = (
        Role.objects.filter(territory=territory)
        .select_related("user", "village")
        .order_by("kind", "village__name", "user__full_name")
    )
    if kind in RoleKind.values:
        roles = roles.filter(kind=kind)
    page = Paginator(roles, TEAM_PAGE_SIZE).get_page(request.GET.get("page"))
    pending = Invitation.objects.filter(
        role__territory=territory, accepted_at__isnull=True, user__is_active=False
    ).select_related("user", "role__village")[:50]
    context = {
        "territory": territory,
        "page": page,
        "kind": kind,
        "kinds": [k for k in RoleKind if k != RoleKind.PLATFORM_ADMIN],
        "pending": pending,
        "can_manage": request.user.scope.can_manage_territory(territory.pk),
    }
    return render(request, "accounts/team.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
@recent_authentication_required
def invite_view(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code, manage=True)
    form = InvitationForm(territory, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if invite_from_form(
            form, inviter=request.user, territory=territory, kind=data["kind"], village=data["village"]
        ):
            messages.success(request, _("Done: %(email)s was told by email.") % {"email": data["email"]})
            return redirect("accounts:team", code=territory.code)
    return render(request, "accounts/invite.html", {"form": form, "territory": territory})
