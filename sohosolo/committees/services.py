"""Committees' workflows that touch several records: referral, visits, the welcome of a settled household."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sohosolo.accounts.models import CommitteeFunction, RoleKind, User
from sohosolo.audit.log import log_action
from sohosolo.committees.models import (
    WELCOME_ACTIONS,
    CommitteeFollowUp,
    Referral,
    Visit,
    WelcomeAction,
    WelcomeChecklist,
)
from sohosolo.housing.models import HousingOffer, Tenure
from sohosolo.lib.emails import send_email_to_user
from sohosolo.privacy.consents import has_consent
from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import FileNews, Household, Interaction
from sohosolo.prospects.services import tell_advisor
from sohosolo.territory.models import Village


class NoSharingConsent(Exception):
    """The household did not agree (or no longer agrees) that the village committees see its project."""


def volunteers_of(village: Village):
    return User.objects.filter(roles__village=village, roles__kind=RoleKind.VOLUNTEER, is_active=True).distinct()


def committee_contacts(village: Village) -> list[User]:
    """Who hears from the team: the committee's referents, or all its volunteers if it has none."""
    volunteers = volunteers_of(village)
    referents = list(volunteers.filter(roles__committee_function=CommitteeFunction.REFERENT))
    return referents or list(volunteers)


def first_name(household: Household) -> str:
    """What a committee may call the household: its main contact's first name (never the last name)."""
    contacts = getattr(household, "main_contacts", None)
    main = (contacts[0] if contacts else None) if contacts is not None else household.main_contact
    return (main.first_name if main else "") or _("A household")


def open_offers_of(villages):
    """The open offers (available or reserved) of a village, or of a queryset of villages: the homes a visit shows."""
    offers = HousingOffer.objects.open().select_related("village__territory")
    offers = offers.filter(village=villages) if isinstance(villages, Village) else offers.filter(village__in=villages)
    return offers.order_by("village__name", "title", "pk")


def offer_summary(offer: HousingOffer) -> str:
    """An offer as the timeline names it: title and price."""
    price = formats.number_format(offer.price, force_grouping=True)
    if offer.tenure == Tenure.RENT:
        return _("%(title)s (%(price)s € a month)") % {"title": offer.title, "price": price}
    return _("%(title)s (%(price)s €)") % {"title": offer.title, "price": price}


def homes_summary(offers) -> str:
    """The line of the timeline entry that lists the offers to see (empty without any)."""
    if not offers:
        return ""
    return "\n" + _("Homes to see: %(offers)s.") % {"offers": "; ".join(offer_summary(o) for o in offers)}


def local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")


@transaction.atomic
def refer_household(household: Household, villages: list[Village], note: str, actor) -> list[Referral]:
    """Refer the household to each village's committee; each committee's contacts are told by email."""
    if not has_consent(household, Consent.Purpose.SHARING):
        raise NoSharingConsent
    referrals = []
    for village in villages:
        referral, created = Referral.objects.update_or_create(
            household=household,
            village=village,
            defaults={"note": note, "referred_by": actor, "created_at": timezone.now()},
        )
        referrals.append(referral)
        for user in committee_contacts(village):
            send_email_to_user(
                user,
                "committee-referral",
                {"referral": referral, "village": village, "first_name": first_name(household)},
            )
    names = ", ".join(v.name for v in villages)
    household.record(
        Interaction.Kind.REFERRAL,
        _("Referred to the welcome committee of %(villages)s.") % {"villages": names} + (f"\n{note}" if note else ""),
        author=actor,
        data={"referrals": [r.pk for r in referrals]},
    )
    log_action(actor, "prospect.referred", household, {"villages": [v.name for v in villages]})
    return referrals


@transaction.atomic
def plan_visit(household: Household, village: Village, starts_at, guides, homes: str, actor, offers=()) -> Visit:
    """Plan a visit of `village` with the household; `offers` are open offers of that village (checked by the form)."""
    offers = list(offers)
    if any(offer.village_id != village.pk for offer in offers):
        raise ValueError("A visit shows offers of its own village only.")
    visit = Visit.objects.create(
        household=household, village=village, starts_at=starts_at, homes=homes, planned_by=actor
    )
    visit.guides.set(guides)
    visit.offers.set(offers)
    household.record(
        Interaction.Kind.NOTE,
        _("Visit of %(village)s planned on %(date)s, guided by %(guides)s.")
        % {
            "village": village.name,
            "date": local(starts_at),
            "guides": ", ".join(g.full_name for g in guides) or _("the committee"),
        }
        + homes_summary(offers),
        author=actor,
        data={"visit": visit.pk, "offers": [o.pk for o in offers]},
    )
    log_action(
        actor,
        "visit.planned",
        household,
        {"village": village.name, "starts_at": starts_at.isoformat(), "offers": [o.pk for o in offers]},
    )
    for guide in guides:
        if guide != actor:
            send_email_to_user(
                guide,
                "committee-visit-planned",
                {"visit": visit, "offers": offers, "first_name": first_name(household)},
            )
    return visit


@transaction.atomic
def record_visit(visit: Visit, outcome: str, interest: str, report: str, actor) -> Visit:
    """The visit's outcome, as a volunteer (or the advisor) tells it: one entry in the prospect's timeline."""
    visit.outcome, visit.interest, visit.report = outcome, interest, report
    visit.recorded_at, visit.recorded_by = timezone.now(), actor
    visit.save(update_fields=["outcome", "interest", "report", "recorded_at", "recorded_by"])
    summary = _("Visit of %(village)s on %(date)s: %(outcome)s; interest: %(interest)s.") % {
        "village": visit.village.name,
        "date": local(visit.starts_at),
        "outcome": visit.get_outcome_display(),
        "interest": visit.get_interest_display() or "—",
    }
    offers = list(visit.offers.order_by("title", "pk"))
    visit.household.record(
        Interaction.Kind.VISIT,
        summary + homes_summary(offers) + (f"\n{report}" if report else ""),
        author=actor,
        occurred_at=min(visit.starts_at, timezone.now()),
        data={"visit": visit.pk, "outcome": outcome, "interest": interest, "offers": [o.pk for o in offers]},
    )
    Household.objects.filter(pk=visit.household_id).update(last_contact_on=timezone.localdate())
    log_action(actor, "visit.recorded", visit.household, {"visit": visit.pk, "outcome": outcome, "interest": interest})
    tell_advisor(visit.household, FileNews.Kind.VISIT_RECORDED, detail=visit.village.name, actor=actor, visit=visit.pk)
    return visit


@transaction.atomic
def create_welcome_checklist(household: Household, village: Village, actor=None, follow_ups=None) -> WelcomeChecklist:
    """The committee's welcome checklist of a household settled in `village` (idempotent), with the welcome
    follow-ups offered to the committee (`follow_ups`, or those the welcome sequence planned for this settling)."""
    settled_on = household.settled_on or timezone.localdate()
    checklist, created = WelcomeChecklist.objects.get_or_create(
        household=household, village=village, defaults={"settled_on": settled_on}
    )
    if not created:
        return checklist
    contacts = committee_contacts(village)
    referent = contacts[0] if contacts else None
    WelcomeAction.objects.bulk_create(
        WelcomeAction(
            checklist=checklist,
            kind=kind,
            position=position,
            assignee=referent if position == 0 else None,
            due_on=settled_on + timedelta(days=days),
        )
        for position, (kind, days) in enumerate(WELCOME_ACTIONS)
    )
    if follow_ups is None:
        follow_ups = household.follow_ups.of_welcome(settled_on)
    CommitteeFollowUp.objects.bulk_create(CommitteeFollowUp(checklist=checklist, follow_up=f) for f in follow_ups)
    log_action(actor, "welcome.checklist_created", household, {"village": village.name})
    return checklist


@transaction.atomic
def tick_action(action: WelcomeAction, done: bool, note: str, actor) -> WelcomeAction:
    household = action.checklist.household
    action.done_at, action.done_by = (timezone.now(), actor) if done else (None, None)
    if note:
        action.note = note
    action.save(update_fields=["done_at", "done_by", "note"])
    log_action(
        actor,
        "welcome.action_done" if done else "welcome.action_reopened",
        household,
        {"action": action.kind, "village": action.checklist.village.name},
    )
    if done:
        with override(household.language):
            label = action.get_kind_display()
        household.record(
            Interaction.Kind.WELCOME,
            _("Welcome in %(village)s: %(action)s done.") % {"village": action.checklist.village.name, "action": label}
            + (f"\n{note}" if note else ""),
            author=actor,
            data={"welcome_action": action.pk},
        )
    return action


@transaction.atomic
def take_follow_up(take: CommitteeFollowUp, actor) -> bool:
    """A volunteer takes the follow-up (claimed atomically: two volunteers tapping at once, one wins)."""
    claimed = CommitteeFollowUp.objects.filter(pk=take.pk, taken_by__isnull=True).update(
        taken_by=actor, taken_at=timezone.now()
    )
    if claimed:
        log_action(actor, "welcome.follow_up_taken", take.checklist.household, {"follow_up": take.follow_up.title})
    return bool(claimed)


@transaction.atomic
def record_follow_up(take: CommitteeFollowUp, report: str, actor) -> CommitteeFollowUp:
    now = timezone.now()
    take.report, take.recorded_at = report, now
    if take.taken_by_id is None:
        take.taken_by, take.taken_at = actor, now
    take.save(update_fields=["report", "recorded_at", "taken_by", "taken_at"])
    follow_up = take.follow_up
    follow_up.mark_done(actor, log=False)  # logged below, with the committee's report
    household = take.checklist.household
    household.record(
        Interaction.Kind.WELCOME,
        _("%(title)s — told by the committee of %(village)s:")
        % {"title": follow_up.title, "village": take.checklist.village.name}
        + f"\n{report}",
        author=actor,
        data={"committee_follow_up": take.pk},
    )
    log_action(actor, "welcome.follow_up_recorded", household, {"follow_up": follow_up.title})
    return take
