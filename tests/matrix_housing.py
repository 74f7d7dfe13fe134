"""Permission matrix lines for the housing app (merged into tests/test_permissions.py's EXPECTED)."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, every, only

# The offer is in village A1: the team and A1's volunteers may change it; A2's volunteers (same territory) only see it.
VOLUNTEERS_A = {"volunteer_a1": 200, "volunteer_a2": 200}
EDITORS = TEAM_A | {"volunteer_a1": 200}


def offer_args(w) -> list:
    return [w.territory_a.code, w.offer.pk]


EXPECTED: dict = {
    "housing:public_list": (lambda w: [], every(200)),
    "housing:public_detail": (offer_args, every(200)),
    "housing:proposal_answer": (lambda w: [w.proposal.token], every(200)),  # the signed token is the key
    "housing:offer_list": (lambda w: [w.territory_a.code], only(TEAM_A | VOLUNTEERS_A)),
    "housing:offer_create": (lambda w: [w.territory_a.code], only(TEAM_A | VOLUNTEERS_A)),
    "housing:weights": (
        lambda w: [w.territory_a.code],
        only({"platform_admin": 200, "manager_a": 200, "advisor_a": 403}),
    ),
    "housing:offer_detail": (offer_args, only(TEAM_A | VOLUNTEERS_A)),
    "housing:offer_edit": (offer_args, only(EDITORS)),
    "housing:offer_photos": (offer_args, only(EDITORS)),
    # POST only: a GET learns nothing (405); the POST scoping is tested in tests/test_housing.py.
    "housing:offer_status": (offer_args, every(405, anonymous=302)),
    "housing:offer_confirm": (offer_args, every(405, anonymous=302)),
    "housing:offer_photo_delete": (lambda w: [*offer_args(w), 1], every(405, anonymous=302)),
    "housing:matching": (lambda w: [w.territory_a.code, w.household.pk], only(TEAM_A)),
    "housing:proposal_send": (lambda w: [w.territory_a.code, w.household.pk], only(STAFF_POST_ONLY)),
}


def build(world) -> None:
    """An available public offer in village A1 and a proposal of it to world.household."""
    from sohosolo.housing.models import HousingOffer, Proposal, ProposalItem

    world.offer = HousingOffer.objects.create(
        village=world.village_a1,
        title="Maison de village",
        tenure="rent",
        kind="house",
        rooms=4,
        bedrooms=3,
        living_area_m2=95,
        price=650,
        description_fr="Une maison.",
        owner_name="Jean Propriétaire",
        owner_phone="06 12 34 56 78",
        status="available",
    )
    world.proposal = Proposal.objects.create(territory=world.territory_a, household=world.household)
    ProposalItem.objects.create(proposal=world.proposal, offer=world.offer, score=80)
