"""What the committees hold about a household, for its data export and its erasure."""

from __future__ import annotations

from django.db.models import Prefetch

from sohosolo.committees.models import CommitteeFollowUp, Referral, Visit, WelcomeAction
from sohosolo.housing.models import HousingOffer


def collect(sender, household, **kwargs) -> tuple[str, dict]:
    return (
        "committees",
        {
            "referrals": [
                {"village": r.village.name, "referred_on": r.created_at.isoformat(), "note": r.note}
                for r in Referral.objects.filter(household=household).select_related("village")
            ],
            "visits": [
                {
                    "village": v.village.name,
                    "starts_at": v.starts_at.isoformat(),
                    "homes": v.homes,
                    "offers": [offer.title for offer in v.offers.all()],
                    "outcome": v.outcome,
                    "interest": v.interest,
                    "report": v.report,
                }
                for v in Visit.objects.filter(household=household)
                .select_related("village")
                .prefetch_related(Prefetch("offers", queryset=HousingOffer.objects.order_by("title")))
            ],
            "welcome": [
                {
                    "village": a.checklist.village.name,
                    "action": a.kind,
                    "due_on": a.due_on.isoformat(),
                    "done_at": a.done_at.isoformat() if a.done_at else None,
                    "note": a.note,
                }
                for a in WelcomeAction.objects.filter(checklist__household=household).select_related(
                    "checklist__village"
                )
            ],
            "follow_ups": [
                {
                    "title": f.follow_up.title,
                    "report": f.report,
                    "recorded_at": f.recorded_at.isoformat() if f.recorded_at else None,
                }
                for f in CommitteeFollowUp.objects.filter(checklist__household=household).select_related("follow_up")
            ],
        },
    )


def erase(sender, household, **kwargs) -> None:
    """Notes and reports are blanked; the dated records stay, anonymous, for the committees' figures."""
    Referral.objects.filter(household=household).update(note="")
    Visit.objects.filter(household=household).update(homes="", report="")
    WelcomeAction.objects.filter(checklist__household=household).update(note="")
    CommitteeFollowUp.objects.filter(checklist__household=household).update(report="")
