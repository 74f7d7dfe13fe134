"""Template pieces the prospects' pages include: the committees' work on a household."""

from __future__ import annotations

from django import template
from django.db.models import Prefetch

from sohosolo.committees.models import Referral, Visit, WelcomeChecklist, shared_with_village
from sohosolo.committees.services import first_name
from sohosolo.housing.models import HousingOffer
from sohosolo.privacy.consents import has_consent
from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import in_work

register = template.Library()

VISIT_OFFERS = Prefetch("offers", queryset=HousingOffer.objects.select_related("village__territory").order_by("title"))


@register.simple_tag
def household_first_name(household) -> str:
    """The only name a committee sees: the main contact's first name."""
    return first_name(household)


@register.inclusion_tag("committees/includes/prospect_panel.html")
def committees_panel(household) -> dict:
    """For the advisor, on the prospect's file: referrals, visits with their offers and welcome checklists
    (five queries)."""
    return {
        "household": household,
        "territory": household.territory,
        "sharing": has_consent(household, Consent.Purpose.SHARING),
        "referrals": Referral.objects.filter(household=household).select_related("village"),
        "visits": Visit.objects.filter(household=household)
        .select_related("village")
        .prefetch_related(VISIT_OFFERS)[:20],
        "checklists": WelcomeChecklist.objects.filter(household=household)
        .select_related("village")
        .prefetch_related("actions__assignee", "actions__done_by"),
    }


@register.inclusion_tag("committees/includes/village_household.html")
def committee_household(household, village) -> dict:
    """For the committee, on a shared household's page: the team's referral note and this village's visits."""
    return {
        "household": household,
        "village": village,
        "referrals": Referral.objects.filter(household=household, village=village),
        "visits": Visit.objects.filter(household=household, village=village)[:20],
    }


@register.inclusion_tag("committees/includes/offer_visits.html")
def offer_visits(offer, user) -> dict:
    """For the offer's intranet page: the visits that show it. The team sees every one, with the household's file;
    the offer's own village committee the households shared with it, by first name; other volunteers nothing."""
    scope = user.scope
    is_team = scope.can_see_territory(offer.territory_id)
    if not is_team and offer.village_id not in scope.volunteer_village_ids:
        return {"shown": False}
    visits = Visit.objects.filter(in_work("household__"), offers=offer)
    if not is_team:
        visits = visits.filter(household__in=shared_with_village(offer.village).values("pk"))
    return {
        "shown": True,
        "is_team": is_team,
        "offer": offer,
        "village": offer.village,
        "visits": visits.select_related("household__territory")
        .prefetch_related("household__members")
        .order_by("-starts_at")[:20],
    }
