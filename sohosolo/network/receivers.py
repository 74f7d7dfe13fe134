"""What the network does when other parts of the platform tell it something."""

from __future__ import annotations

from sohosolo.accounts.models import User
from sohosolo.network.models import Answer, CheckIn, Introduction, MemberProfile
from sohosolo.network.services import introduction_token, invite_settled_household, member_activated
from sohosolo.privacy.personal_data import SpaceItem


def invite_to_club(sender, household, village=None, actor_id=None, **kwargs) -> None:
    """Settled: the household is invited to its territory's club (once; see services.invite_settled_household)."""

    inviter = User.objects.filter(pk=actor_id).first() if actor_id else household.advisor
    invite_settled_household(household, inviter)


def start_membership(sender, request, user, **kwargs) -> None:

    profile = MemberProfile.objects.filter(user=user).first()
    if profile is not None:
        member_activated(profile)


def collect_introductions(sender, household, **kwargs) -> tuple[str, list]:
    """The household's introductions, for its data export."""
    data = []
    for introduction in Introduction.objects.filter(household=household).select_related("member__user", "partner"):
        data.append(
            {
                "kind": introduction.kind,
                "with": introduction.party_name,
                "purpose": introduction.purpose,
                "status": introduction.status,
                "your_answer": introduction.prospect_answer,
                "their_answer": introduction.party_answer,
                "proposed_on": introduction.created_at.isoformat(),
                "name_given": introduction.prospect_name,
                "email_given": introduction.shared_email,
                "phone_given": introduction.shared_phone,
                "met_on": introduction.met_on.isoformat() if introduction.met_on else None,
                "outcome": introduction.outcome,
                "check_ins": [
                    {"on": c.held_on.isoformat(), "note": c.note} for c in introduction.check_ins.order_by("held_on")
                ],
            }
        )
    return "introductions", data


def erase_introductions(sender, household, **kwargs) -> None:
    """Erasure: the introductions keep only their kind, status and dates (for the figures)."""
    introductions = Introduction.objects.filter(household=household)
    CheckIn.objects.filter(introduction__in=introductions).update(note="")
    introductions.update(prospect_name="", shared_email="", shared_phone="", purpose="", outcome="")
    MemberProfile.objects.filter(household=household).update(household=None)


def space_items(sender, household, **kwargs) -> list:
    """The household's introductions in its personal space, with the link to answer those awaiting its answer."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    items = []
    introductions = (
        Introduction.objects.filter(household=household)
        .select_related("member__user", "partner")
        .order_by("-created_at")[:20]
    )
    for introduction in introductions:
        waiting = introduction.status == Introduction.Status.PROPOSED and introduction.prospect_answer == Answer.PENDING
        url = reverse("network:answer", args=[introduction_token(introduction)]) if waiting else ""
        title = _("Introduction to %(name)s") % {"name": introduction.party_name}
        status = _("Your answer is awaited") if waiting else introduction.get_status_display()
        items.append(SpaceItem(title=title, url=url, status=status))
    return items
