"""A household's housing proposals in its data export, and blanked at erasure (offers' owners are not prospects)."""

from __future__ import annotations

from sohosolo.housing.models import Proposal, ProposalItem
from sohosolo.privacy.personal_data import SpaceItem


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
                        "reasons": item.reason_texts,
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


def space_items(sender, household, **kwargs) -> list:
    """The proposals still open to an answer, in the household's personal space (privacy/personal_data.py)."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    items = []
    for proposal in household.proposals.filter(revoked=False).prefetch_related("items").order_by("-sent_at")[:20]:
        waiting = sum(1 for item in proposal.items.all() if not item.answer)
        status = (
            ngettext("%(count)s answer awaited", "%(count)s answers awaited", waiting) % {"count": waiting}
            if waiting
            else _("Answered")
        )
        title = _("Villages and homes proposed on %(date)s") % {"date": date_format(proposal.sent_at, "DATE_FORMAT")}
        items.append(SpaceItem(title=title, url=proposal.answer_url(), status=status))
    return items
