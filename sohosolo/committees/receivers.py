"""What the committees do when prospects tell them something (prospects.signals)."""

from __future__ import annotations

from sohosolo.accounts.models import User
from sohosolo.committees.models import Referral, Visit, WelcomeChecklist
from sohosolo.committees.services import create_welcome_checklist
from sohosolo.prospects.models import Household
from sohosolo.territory.models import Village


def on_household_settled(
    sender, household: Household, village: Village | None, follow_ups=None, actor_id=None, **kwargs
) -> None:
    """Settled in a partner village: its committee's welcome checklist, with the welcome follow-ups just planned."""
    if village is not None:
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        create_welcome_checklist(household, village, actor, follow_ups=follow_ups)


def on_households_merging(sender, keep: Household, other: Household, **kwargs) -> None:
    """Two files become one: the committees' records of `other` move to `keep` (one per village where both have one)."""
    for model in (Referral, WelcomeChecklist):
        taken = model.objects.filter(household=keep).values("village")
        model.objects.filter(household=other).exclude(village__in=taken).update(household=keep)
    Visit.objects.filter(household=other).update(household=keep)
