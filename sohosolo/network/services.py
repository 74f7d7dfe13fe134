"""Workflows of the network that touch several models: joining the club, and introductions with their answers."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sohosolo.accounts.models import Invitation, Role, RoleKind, User
from sohosolo.accounts.services import invitation_token, link_for
from sohosolo.audit.log import log_action
from sohosolo.lib.emails import send_email, send_email_to_user
from sohosolo.network.models import Answer, CheckIn, Introduction, MemberProfile, Partner, PartnerContact
from sohosolo.prospects.models import FileNews, Household, Interaction, in_work
from sohosolo.prospects.services import tell_advisor

MEMBERSHIP_YEAR = timedelta(days=365)
INTRODUCTION_SALT = "sohosolo.network.introduction"
INTRODUCTION_LINK_DAYS = 60


# --- Joining the club ----------------------------------------------------------------------------------------------


def _send_club_invitation(user: User, profile: MemberProfile, inviter: User | None, approved: bool = False) -> None:
    """The invitation to the club: an activation link for a new account, the sign-in page for an existing one."""
    context = {
        "profile": profile,
        "territory": profile.territory,
        "inviter": inviter,
        "approved": approved,
        "activation": not user.is_active,
        "expires_at": None,
    }
    if user.is_active:
        context["url"] = link_for(user, "network:my_profile")
    else:
        invitation = Invitation.objects.create(
            user=user,
            role=Role.objects.filter(user=user, kind=RoleKind.MEMBER, territory=profile.territory).first(),
            invited_by=inviter,
        )
        context["url"] = link_for(user, "accounts:activate", invitation_token(invitation))
        context["expires_at"] = invitation.expires_at
    send_email_to_user(user, "club-invitation", context)


def _member_role(user: User, territory, inviter: User | None) -> None:
    role, created = Role.objects.get_or_create(
        user=user, kind=RoleKind.MEMBER, territory=territory, defaults={"granted_by": inviter}
    )
    if created:
        log_action(inviter, "role.granted", user, {"role": RoleKind.MEMBER}, territory=territory)


@transaction.atomic
def invite_settled_household(household, inviter: User | None = None) -> MemberProfile | None:
    """A settled household is invited to its territory's club: an account (to activate), the member role and a
    profile prefilled from the file (commune, activity). Once per household; None when there is nobody to invite
    (no email) or the person already belongs to a club."""
    if MemberProfile.objects.filter(household=household).exists():
        return None
    contact = household.members.filter(is_main_contact=True).exclude(email="").first()
    if contact is None:
        return None
    user = User.objects.filter(email__iexact=contact.email).first()
    if user is not None and hasattr(user, "member_profile"):
        return None
    if user is None:
        user = User.objects.create_user(
            email=contact.email, full_name=contact.full_name, language=household.language, is_active=False
        )
        log_action(inviter, "user.invited", user, {"email": user.email, "club": household.territory.code})
    elif not user.is_active and user.has_usable_password():
        return None  # deactivated on purpose: only an administrator revives an account
    _member_role(user, household.territory, inviter)
    profile = MemberProfile.objects.create(
        user=user,
        territory=household.territory,
        household=household,
        status=MemberProfile.Status.ACTIVE,
        activity=household.activity,
        headline=household.sector[:120],
        commune=household.settled_commune,
        renewal_on=(household.settled_on or timezone.localdate()) + MEMBERSHIP_YEAR,
    )
    profile.refresh_search_text()
    log_action(inviter, "member.invited", profile, {"household": household.pk}, territory=household.territory)
    _send_club_invitation(user, profile, inviter)

    with translation.override(settings.LANGUAGE_CODE):
        household.record(
            Interaction.Kind.WELCOME,
            _("Invited to the Soho Solo club (%(email)s).") % {"email": user.email},
            author=inviter,
            data={"club_invitation": profile.pk},
        )
    return profile


@transaction.atomic
def apply_to_club(territory, *, full_name: str, email: str, language: str, profile_fields: dict) -> MemberProfile:
    """A Solo living in the territory asks to join; the team approves. No account is usable until then."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name, language=language, is_active=False)
    skills = profile_fields.pop("skills", [])
    profile = MemberProfile.objects.create(
        user=user, territory=territory, status=MemberProfile.Status.APPLIED, **profile_fields
    )
    profile.skills.set(skills)
    profile.refresh_search_text()
    log_action(None, "member.applied", profile, {"email": email})
    send_email(email, "club-application-received", {"full_name": full_name, "territory": territory}, language)
    # The territory's managers review applications.
    managers = User.objects.filter(roles__kind=RoleKind.MANAGER, roles__territory=territory, is_active=True).distinct()
    for manager in managers:
        url = link_for(manager, "network:staff_member", territory.code, profile.pk)
        send_email_to_user(
            manager, "club-application-to-review", {"profile": profile, "territory": territory, "url": url}
        )
    return profile


@transaction.atomic
def approve_application(profile: MemberProfile, actor: User) -> None:
    profile.status = MemberProfile.Status.ACTIVE
    profile.renewal_on = timezone.localdate() + MEMBERSHIP_YEAR
    if profile.user.is_active:
        profile.member_since = timezone.localdate()
    profile.save(update_fields=["status", "renewal_on", "member_since", "updated_at"])
    _member_role(profile.user, profile.territory, actor)
    log_action(actor, "member.approved", profile)
    _send_club_invitation(profile.user, profile, actor, approved=True)


@transaction.atomic
def refuse_application(profile: MemberProfile, actor: User) -> None:
    profile.status = MemberProfile.Status.REFUSED
    profile.save(update_fields=["status", "updated_at"])
    log_action(actor, "member.refused", profile)
    send_email_to_user(profile.user, "club-application-refused", {"profile": profile, "territory": profile.territory})


def renew_membership(profile: MemberProfile, actor: User) -> None:
    start = max(profile.renewal_on or timezone.localdate(), timezone.localdate() - timedelta(days=60))
    profile.renewal_on = start + MEMBERSHIP_YEAR
    profile.status = MemberProfile.Status.ACTIVE
    profile.ended_on = None
    profile.save(update_fields=["renewal_on", "status", "ended_on", "updated_at"])
    _member_role(profile.user, profile.territory, actor)
    log_action(actor, "member.renewed", profile, {"renewal_on": profile.renewal_on.isoformat()})
    _contact_with_file(profile)


def _contact_with_file(profile: MemberProfile) -> None:
    """Joining or renewing is a contact with the programme: the member's settled file is not stale (retention)."""
    if profile.household_id:
        Household.objects.current().filter(pk=profile.household_id).update(last_contact_on=timezone.localdate())


def end_membership(profile: MemberProfile, actor: User | None, status: str = MemberProfile.Status.ENDED) -> None:
    profile.status = status
    profile.ended_on = timezone.localdate()
    profile.save(update_fields=["status", "ended_on", "updated_at"])
    # A member who left no longer opens the club's members-only pages.
    Role.objects.filter(user=profile.user, kind=RoleKind.MEMBER, territory=profile.territory).delete()
    log_action(actor, "member.ended", profile, {"status": status})


def member_activated(profile: MemberProfile) -> None:
    """The first sign-in of an invited member starts their membership."""
    if profile.member_since is None and profile.status == MemberProfile.Status.ACTIVE:
        profile.member_since = timezone.localdate()
        profile.save(update_fields=["member_since", "updated_at"])
        _contact_with_file(profile)


# --- Introductions -------------------------------------------------------------------------------------------------


def introduction_token(introduction: Introduction) -> str:
    return signing.dumps(introduction.pk, salt=INTRODUCTION_SALT)


def introduction_from_token(token: str) -> Introduction | None:
    try:
        pk = signing.loads(token, salt=INTRODUCTION_SALT, max_age=timedelta(days=INTRODUCTION_LINK_DAYS))
    except signing.BadSignature:
        return None
    return (
        Introduction.objects.select_related("territory", "member__user", "partner", "household")
        .filter(in_work("household__"), pk=pk)
        .first()
    )


def party_recipients(introduction: Introduction) -> list[tuple[str, str, str]]:
    """(email, name, language) of whoever hears of an introduction on the introduced side."""
    if introduction.member_id:
        user = introduction.member.user
        return [(user.email, user.full_name, user.language)]
    contacts = PartnerContact.objects.filter(partner=introduction.partner_id).exclude(email="").select_related("user")
    recipients = []
    for contact in contacts:
        if contact.user_id and contact.user.is_active:
            recipients.append((contact.user.email, contact.user.full_name, contact.user.language))
        else:
            recipients.append((contact.email, contact.full_name, contact.language))
    if not recipients and introduction.partner.email:
        recipients.append((introduction.partner.email, introduction.partner.name, settings.LANGUAGE_CODE))
    return recipients


def _timeline(introduction: Introduction, summary: str, author: User | None, event: str) -> None:
    introduction.household.record(
        Interaction.Kind.INTRODUCTION,
        summary,
        author=author,
        data={"introduction": introduction.pk, "event": event},
        contact_on=timezone.localdate(),
    )


def _in_team_language(text_fn) -> str:
    """Timeline entries read in the programme's language, whoever's request wrote them."""
    with translation.override(settings.LANGUAGE_CODE):
        return text_fn()


@transaction.atomic
def propose_introduction(
    household,
    *,
    actor: User,
    kind: str,
    purpose: str,
    member: MemberProfile | None = None,
    partner: Partner | None = None,
    months: int | None = None,
) -> Introduction:
    """The advisor proposes; the prospect gets a link to answer, the introduced party an email to answer in their
    space. Nothing of the prospect is given to the party before the prospect accepts."""
    contact = household.main_contact
    introduction = Introduction.objects.create(
        territory=household.territory,
        household=household,
        kind=kind,
        member=member,
        partner=partner,
        purpose=purpose,
        months=months if kind == Introduction.Kind.MENTORING else None,
        created_by=actor,
        prospect_language=household.language,
        prospect_name=contact.first_name if contact else "",
    )
    log_action(actor, "introduction.proposed", household, {"to": introduction.party_name, "kind": kind})
    _timeline(
        introduction,
        _in_team_language(
            lambda: (
                _("%(kind)s proposed with %(party)s: %(purpose)s")
                % {"kind": introduction.get_kind_display(), "party": introduction.party_name, "purpose": purpose}
            )
        ),
        actor,
        "proposed",
    )
    if contact and contact.email:
        answer_url = settings.SITE_URL + _url_in(household.language, "network:answer", introduction_token(introduction))
        send_email(
            contact.email,
            "introduction-prospect",
            {"introduction": introduction, "first_name": contact.first_name, "answer_url": answer_url},
            household.language,
        )
    for email, name, language in party_recipients(introduction):
        url = settings.SITE_URL + _url_in(language, "network:my_introduction", introduction.pk)
        send_email(email, "introduction-party", {"introduction": introduction, "name": name, "url": url}, language)
    return introduction


def _url_in(language: str, name: str, *args) -> str:
    with translation.override(language):
        return reverse(name, args=args)


def _both_accepted(introduction: Introduction) -> None:
    """Tell both sides: the party gets the contact details the prospect gave; the prospect is told to expect them."""
    _timeline(
        introduction,
        _in_team_language(
            lambda: _("Introduction to %(party)s accepted by both sides.") % {"party": introduction.party_name}
        ),
        None,
        "accepted",
    )
    for email, name, language in party_recipients(introduction):
        url = settings.SITE_URL + _url_in(language, "network:my_introduction", introduction.pk)
        send_email(email, "introduction-accepted", {"introduction": introduction, "name": name, "url": url}, language)
    if introduction.shared_email:
        send_email(
            introduction.shared_email,
            "introduction-confirmed",
            {"introduction": introduction, "first_name": introduction.prospect_name},
            introduction.prospect_language,
        )


@transaction.atomic
def answer_as_prospect(introduction: Introduction, accept: bool, share_email: bool, share_phone: bool) -> None:
    introduction = Introduction.objects.select_for_update().get(pk=introduction.pk)
    if introduction.prospect_answer != Answer.PENDING or introduction.status != Introduction.Status.PROPOSED:
        return
    household = introduction.household
    contact = household.main_contact
    introduction.prospect_answer = Answer.ACCEPTED if accept else Answer.DECLINED
    introduction.prospect_answered_at = timezone.now()
    if accept and contact:
        introduction.prospect_name = contact.full_name
        introduction.shared_email = contact.email if share_email else ""
        introduction.shared_phone = contact.phone if share_phone else ""
    both = introduction.settle_status()
    introduction.save()
    tell_advisor(
        household, FileNews.Kind.INTRODUCTION_ANSWERED, detail=introduction.party_name, introduction=introduction.pk
    )
    log_action(
        None,
        "introduction.prospect_answered",
        household,
        {"accepted": accept, "share_email": share_email, "share_phone": share_phone},
    )
    _timeline(
        introduction,
        _in_team_language(
            lambda: (
                (
                    _("The prospect accepted the introduction to %(party)s.")
                    if accept
                    else _("The prospect declined the introduction to %(party)s.")
                )
                % {"party": introduction.party_name}
            )
        ),
        None,
        "prospect_answered",
    )
    if both:
        _both_accepted(introduction)


@transaction.atomic
def answer_as_party(introduction: Introduction, accept: bool, actor: User) -> None:
    introduction = Introduction.objects.select_for_update().get(pk=introduction.pk)
    if introduction.party_answer != Answer.PENDING or introduction.status != Introduction.Status.PROPOSED:
        return
    introduction.party_answer = Answer.ACCEPTED if accept else Answer.DECLINED
    introduction.party_answered_at = timezone.now()
    introduction.party_answered_by = actor
    both = introduction.settle_status()
    introduction.save()
    log_action(actor, "introduction.party_answered", introduction, {"accepted": accept})
    _timeline(
        introduction,
        _in_team_language(
            lambda: (
                (_("%(party)s accepted the introduction.") if accept else _("%(party)s declined the introduction."))
                % {"party": introduction.party_name}
            )
        ),
        actor,
        "party_answered",
    )
    if both:
        _both_accepted(introduction)


def mark_met(introduction: Introduction, met_on: date, actor: User) -> None:
    introduction.met_on = met_on
    introduction.status = Introduction.Status.MET
    introduction.save(update_fields=["met_on", "status", "updated_at"])
    log_action(actor, "introduction.met", introduction, {"met_on": met_on.isoformat()})
    _timeline(
        introduction,
        _in_team_language(
            lambda: (
                _("Met %(party)s on %(date)s.")
                % {"party": introduction.party_name, "date": met_on.strftime("%d/%m/%Y")}
            )
        ),
        actor,
        "met",
    )


def record_outcome(introduction: Introduction, outcome: str, actor: User) -> None:
    introduction.outcome = outcome
    introduction.status = Introduction.Status.CLOSED
    introduction.next_check_in_on = None
    introduction.save(update_fields=["outcome", "status", "next_check_in_on", "updated_at"])
    log_action(actor, "introduction.closed", introduction)
    _timeline(
        introduction,
        _in_team_language(
            lambda: (
                _("Outcome of the introduction to %(party)s: %(outcome)s")
                % {"party": introduction.party_name, "outcome": outcome}
            )
        ),
        actor,
        "outcome",
    )


def add_check_in(introduction: Introduction, held_on: date, note: str, actor: User) -> CheckIn:
    check_in = CheckIn.objects.create(introduction=introduction, held_on=held_on, note=note, recorded_by=actor)
    following = held_on + timedelta(days=introduction.check_in_every_days)
    introduction.next_check_in_on = following if not introduction.ends_on or following <= introduction.ends_on else None
    introduction.save(update_fields=["next_check_in_on", "updated_at"])
    log_action(actor, "introduction.check_in", introduction, {"held_on": held_on.isoformat()})
    _timeline(
        introduction,
        _in_team_language(
            lambda: _("Mentoring check-in with %(party)s: %(note)s") % {"party": introduction.party_name, "note": note}
        ),
        actor,
        "check_in",
    )
    return check_in
