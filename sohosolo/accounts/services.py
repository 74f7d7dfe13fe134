"""Invitations: a manager adds someone to the programme by email; the person activates their account by a link."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sohosolo.accounts.models import Invitation, Role, User
from sohosolo.lib.emails import send_email_to_user
from sohosolo.privacy.audit import log_action
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
    """Give `email` a role in `territory`. A new person gets an invitation to activate their account; someone who
    already has an account is told of their new role."""
    user = User.objects.filter(email__iexact=email).first()
    is_new = user is None
    if is_new:
        user = User.objects.create_user(email=email, full_name=full_name, language=language, is_active=False)
        log_action(inviter, "user.invited", user, {"email": email, "full_name": full_name, "language": language})
    role = Role(user=user, kind=kind, territory=territory, village=village, granted_by=inviter)
    role.full_clean()
    role.save()
    log_action(
        inviter, "role.granted", user, {"role": kind, "territory": territory.code, "village": str(village or "")}
    )
    context = {"inviter": inviter, "role": role, "territory": territory}
    if user.is_active:
        context["login_url"] = settings.SITE_URL + reverse("accounts:login")
        send_email_to_user(user, "role-granted", context)
    else:
        invitation = Invitation.objects.create(user=user, role=role, invited_by=inviter)
        context["activation_url"] = settings.SITE_URL + reverse(
            "accounts:activate", args=[invitation_token(invitation)]
        )
        context["expires_at"] = invitation.expires_at
        send_email_to_user(user, "invitation", context)
    return role


@transaction.atomic
def accept_invitation(invitation: Invitation) -> None:
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    Invitation.objects.filter(user=invitation.user, accepted_at__isnull=True).update(accepted_at=invitation.accepted_at)
    log_action(invitation.user, "user.activated", invitation.user, {})


def roles_of(user: User) -> list[Role]:
    return list(user.roles.select_related("territory", "village").order_by("kind", "territory__name"))
