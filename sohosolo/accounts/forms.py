from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from sohosolo.accounts.models import RoleKind, User
from sohosolo.accounts.services import invite, is_deactivated
from sohosolo.lib import forms as choice_fields
from sohosolo.lib.emails import send_email_to_user
from sohosolo.territory.models import Territory, Village


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _("This email address and password do not match. Check them and try again."),
    }


class EmailPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes out through the task queue, in the user's language."""

    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def get_users(self, email: str):
        return User.objects.filter(email__iexact=email, is_active=True)

    def save(self, request=None, **kwargs) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            if not user.has_usable_password():
                continue
            context = {
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            }
            send_email_to_user(user, "password-reset", context)


class ActivationForm(SetPasswordForm):
    """Chosen by the invited person: their name as colleagues will see it, and a password."""

    full_name = forms.CharField(label=_("Full name"), max_length=150, widget=forms.TextInput({"autocomplete": "name"}))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    field_order = ["full_name", "language", "new_password1", "new_password2"]

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["full_name"].initial = user.full_name
        self.fields["language"].initial = user.language

    def save(self, commit: bool = True) -> User:
        self.user.full_name = self.cleaned_data["full_name"]
        self.user.language = self.cleaned_data["language"]
        self.user.is_active = True
        return super().save(commit)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone", "language", "file_news_by_email"]
        widgets = {
            "full_name": forms.TextInput({"autocomplete": "name"}),
            "phone": forms.TextInput({"autocomplete": "tel", "type": "tel"}),
        }


DEACTIVATED_MESSAGE = _("This account was deactivated; only a platform administrator can restore it.")


class InvitationForm(forms.Form):
    """Invite someone by email to a role in one territory; a manager chooses among their own territory's roles."""

    email = forms.EmailField(label=_("Email address"), max_length=254, widget=forms.EmailInput({"autocomplete": "off"}))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )
    kind = forms.ChoiceField(
        label=_("Role"),
        choices=[(k.value, k.label) for k in RoleKind if k != RoleKind.PLATFORM_ADMIN],
    )
    village = choice_fields.ModelChoiceField(
        label=_("Partner village"),
        queryset=Village.objects.none(),
        required=False,
        help_text=_("Only for a volunteer of a village's welcome committee."),
    )

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["village"].queryset = territory.villages.all()

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == RoleKind.VOLUNTEER and not data.get("village"):
            self.add_error("village", _("Choose the village whose committee this volunteer joins."))
        if data.get("kind") != RoleKind.VOLUNTEER:
            data["village"] = None
        email = data.get("email")
        if email and data.get("kind"):
            user = User.objects.filter(email__iexact=email).first()
            if user is not None and is_deactivated(user):
                self.add_error("email", DEACTIVATED_MESSAGE)
            elif user is not None and user.is_active:
                held = user.roles.filter(kind=data["kind"], territory=self.territory, village=data.get("village"))
                if held.exists():
                    self.add_error("email", _("This person already holds this role."))
        return data


def invite_from_form(form: forms.Form, *, inviter: User, territory: Territory, kind: str, village=None) -> bool:
    """Send the invitation a valid `form` describes; on a refusal (for instance the same invitation sent twice at
    once, by a double click) say why next to the email field and return False."""
    data = form.cleaned_data
    try:
        invite(
            inviter=inviter,
            territory=territory,
            email=data["email"],
            full_name=data["full_name"],
            language=data["language"],
            kind=kind,
            village=village,
        )
    except ValidationError as error:
        form.add_error("email", error.messages[0])
        return False
    except IntegrityError:
        form.add_error("email", _("Try again."))
        return False
    return True


class TwoFactorCodeForm(forms.Form):
    """A code from the authenticator app (six digits), or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code shown by your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=12,
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class ReauthenticationForm(forms.Form):
    """Before a sensitive action: the password again, or a code from the app."""

    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "current-password", "autofocus": True}),
    )
    code = forms.CharField(
        label=_("Or a code from your authenticator app"),
        required=False,
        max_length=32,
        widget=forms.TextInput({"autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, with_code: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.fields["code"]

    def clean(self):
        data = super().clean()
        if not data.get("password") and not data.get("code"):
            raise ValidationError(_("Type your password (or a code from your app)."))
        return data
