"""Template pieces the prospects' pages include: the committees' work on a household."""

from __future__ import annotations

from django import template

from sohosolo.committees.models import Referral, Visit, WelcomeChecklist
from sohosolo.committees.services import first_name
from sohosolo.privacy.consents import has_consent
from sohosolo.privacy.models import Consent

register = template.Library()


@register.simple_tag
def household_first_name(household) -> str:
    """The only name a committee sees: the main contact's first name."""
    return first_name(household)


@register.inclusion_tag("committees/includes/prospect_panel.html")
def committees_panel(household) -> dict:
    """For the advisor, on the prospect's file: referrals, visits and welcome checklists (four queries)."""
    return {
        "household": household,
        "territory": household.territory,
        "sharing": has_consent(household, Consent.Purpose.SHARING),
        "referrals": Referral.objects.filter(household=household).select_related("village"),
        "visits": Visit.objects.filter(household=household).select_related("village")[:20],
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
