"""Invitations: a manager adds someone to the programme by email; the person activates their account by a link."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sohosolo.accounts.models import Invitation, Role, User
from sohosolo.audit.log import log_action
from sohosolo.lib.emails import send_email_to_user
from sohosolo.territory.models import Territory, Village

INVITATION_SALT = "sohosolo.accounts.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(invitation.pk, salt=INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation | None:
    """The pending invitation behind `token`, or None when the link is forged, expired or already used."""
    max_age = timedelta(days=settings.INVITATION_TIMEOUT_DAYS)
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return (
        Invitation.objects.select_related("user", "role__territory", "role__village")
        .filter(pk=pk, accepted_at__isnull=True, user__is_active=False)
        .first()
    )


def is_deactivated(user: User) -> bool:
    """An account that was active once and was switched off (an invited person who never came has no password)."""
    return not user.is_active and user.has_usable_password()


def link_for(user: User, name: str, *args) -> str:
    """An absolute link to page `name`, in the language of `user` (French pages at the root, English under /en/)."""
    with translation.override(user.language):
        return settings.SITE_URL + reverse(name, args=args)


@transaction.atomic
def invite(
    *,
    inviter: User,
    territory: Territory,
    email: str,
    full_name: str,
    language: str,
    kind: str,
    village: Village | None = None,
) -> Role:
    """Give `email` a role in `territory`. A new person (or one who never answered an earlier invitation) gets an
    invitation to activate their account; someone who already has an account is told of their new role.

    A deactivated account is never revived here: only a platform administrator may do that."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name, language=language, is_active=False)
        log_action(inviter, "user.invited", user, {"email": email, "full_name": full_name, "language": language})
    elif is_deactivated(user):
        raise ValidationError(_("This account was deactivated; only a platform administrator can restore it."))
    role, created = Role.objects.get_or_create(
        user=user, kind=kind, territory=territory, village=village, defaults={"granted_by": inviter}
    )
    if created:
        log_action(inviter, "role.granted", user, {"role": kind, "village": str(village or "")}, territory=territory)
    elif user.is_active:
        raise ValidationError(_("This person already holds this role."))
    context = {"inviter": inviter, "role": role, "territory": territory}
    if user.is_active:
        context["login_url"] = link_for(user, "accounts:login")
        send_email_to_user(user, "role-granted", context)
    else:
        invitation = Invitation.objects.create(user=user, role=role, invited_by=inviter)
        context["activation_url"] = link_for(user, "accounts:activate", invitation_token(invitation))
        context["expires_at"] = invitation.expires_at
        send_email_to_user(user, "invitation", context)
    return role


@transaction.atomic
def accept_invitation(invitation: Invitation) -> None:
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    Invitation.objects.filter(user=invitation.user, accepted_at__isnull=True).update(accepted_at=invitation.accepted_at)
    log_action(invitation.user, "user.activated", invitation.user, {})
