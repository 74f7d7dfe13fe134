"""Permission matrix lines for the housing app: public offers, the offers of the team and the villages, matching and
proposals (see tests/matrix_site.py for the format, tests/test_permissions.py runs them)."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, every, only

# The offer is in village A1: the team and A1's volunteers may change it; A2's volunteers (same territory) only see it.
VOLUNTEERS_A = {"volunteer_a1": 200, "volunteer_a2": 200}
EDITORS = TEAM_A | {"volunteer_a1": 200}
OUTSIDERS = ("advisor_b",)  # staff of territory B
# For the offer of village A1: territory B's staff, and a volunteer of village A2 (who sees A's offers, not edits).
OUTSIDERS_OF_A1 = ("advisor_b", "volunteer_a2")


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
    # POST only: a GET learns nothing (405); see POST below.
    "housing:offer_status": (offer_args, every(405, anonymous=302)),
    "housing:offer_confirm": (offer_args, every(405, anonymous=302)),
    "housing:offer_photo_delete": (lambda w: [*offer_args(w), 1], every(405, anonymous=302)),
    "housing:matching": (lambda w: [w.territory_a.code, w.household.pk], only(TEAM_A)),
    "housing:proposal_send": (lambda w: [w.territory_a.code, w.household.pk], only(STAFF_POST_ONLY)),
}

OFFER_DATA = {
    "title": "Maison pirate",
    "tenure": "rent",
    "kind": "flat",
    "rooms": 2,
    "bedrooms": 1,
    "living_area_m2": 40,
    "price": 500,
    "charges": 0,
    "description_fr": "Piratée.",
    "owner_name": "Intrus",
    "owner_phone": "06 00 00 00 00",
}


def offer_data(w) -> dict:
    return OFFER_DATA | {"village": w.village_a1.pk}


def photo_upload(w) -> dict:
    from tests.matrix_territory import png_upload

    return {"image": png_upload(), "description": "Intrus"}


WEIGHTS = dict.fromkeys(
    ["budget", "rooms", "housing_type", "village_size", "distance", "services", "broadband", "interest"], 1
) | {"budget_tolerance_percent": 50}

POST: dict = {
    "housing:offer_create": (lambda w: [w.territory_a.code], OUTSIDERS, offer_data),
    "housing:weights": (lambda w: [w.territory_a.code], OUTSIDERS, WEIGHTS),
    "housing:offer_edit": (offer_args, OUTSIDERS_OF_A1, offer_data),
    "housing:offer_status": (offer_args, OUTSIDERS_OF_A1, {"status": "withdrawn"}),
    "housing:offer_confirm": (offer_args, OUTSIDERS_OF_A1, {}),
    "housing:offer_photos": (offer_args, OUTSIDERS_OF_A1, photo_upload),
    "housing:offer_photo_delete": (lambda w: [*offer_args(w), w.offer_photo.pk], OUTSIDERS_OF_A1, {}),
    "housing:proposal_send": (
        lambda w: [w.territory_a.code, w.household.pk],
        OUTSIDERS,
        lambda w: {"offers": [w.offer.pk], "villages": [w.village_a1.pk], "message": "Une maison pour vous"},
    ),
}

POST_EXEMPT: dict[str, str] = {
    "housing:proposal_answer": "public: the prospect answers a proposal; its signed token in the URL is the key",
}


def build(world) -> None:
    """An available public offer in village A1 with a photo, and a proposal of it to world.household."""
    from sohosolo.housing.models import HousingOffer, OfferPhoto, Proposal, ProposalItem
    from tests.matrix_territory import MATRIX_PHOTO

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
    world.offer_photo = OfferPhoto.objects.create(
        offer=world.offer, image=MATRIX_PHOTO, thumbnail=MATRIX_PHOTO, description="Façade"
    )
    world.proposal = Proposal.objects.create(territory=world.territory_a, household=world.household)
    ProposalItem.objects.create(proposal=world.proposal, offer=world.offer, score=80)
