"""A household's housing proposals in its data export, and blanked at erasure (offers' owners are not prospects)."""

from __future__ import annotations

from sohosolo.housing.models import Proposal, ProposalItem


def collect(sender, household, **kwargs) -> tuple[str, list]:
    proposals = household.proposals.prefetch_related("items__village", "items__offer__village").order_by("sent_at")
    return (
        "housing_proposals",
        [
            {
                "sent_at": proposal.sent_at.isoformat(),
                "sent_to": proposal.sent_to,
                "message": proposal.message,
                "items": [
                    {
                        "village": item.place.name,
                        "offer": item.offer.title if item.offer_id else None,
                        "reasons": item.reasons,
                        "answer": item.answer,
                        "answered_at": item.answered_at.isoformat() if item.answered_at else None,
                        "comment": item.comment,
                    }
                    for item in proposal.items.all()
                ],
            }
            for proposal in proposals
        ],
    )


def erase(sender, household, **kwargs) -> None:
    """Keep what was proposed and answered (anonymous figures); blank the words and the address; kill the link."""
    Proposal.objects.filter(household=household).update(message="", sent_to="", revoked=True)
    ProposalItem.objects.filter(proposal__household=household).update(comment="")
