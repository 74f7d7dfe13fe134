"""The demo housing offers: spread over the partner villages, in the Gers' proportions and prices."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.db.models import Q
from django.utils import timezone
from faker import Faker

from sohosolo.accounts.models import Role, RoleKind, User
from sohosolo.housing.demo import load_housing
from sohosolo.housing.models import HousingOffer, Proposal, Status, Tenure
from sohosolo.prospects.demo import load_prospects
from sohosolo.prospects.models import Interaction
from sohosolo.territory.models import Commune, Territory, Village
from tests.conftest import sign_in_verified

COMMUNES = [  # the main town first, then the partner villages
    ("32013", "Auch", 22428, 43.6471, 0.5838),
    ("32208", "Lectoure", 3670, 43.9340, 0.6198),
    ("32233", "Marciac", 1213, 43.5240, 0.1606),
    ("32132", "Fleurance", 6238, 43.8484, 0.6631),
    ("32256", "Mirande", 3400, 43.5149, 0.4036),
    ("32330", "Montréal", 1200, 43.9526, 0.2033),
    ("32425", "Simorre", 690, 43.4485, 0.7354),
]


@pytest.fixture
def gers(db, on_demo_day) -> Territory:
    communes = [
        Commune.objects.create(insee_code=c, name=n, departement="32", population=p, latitude=lat, longitude=lon)
        for c, n, p, lat, lon in COMMUNES
    ]
    territory = Territory.objects.create(code="gers", name="Soho Solo Gers", departement="32", main_town=communes[0])
    for i, commune in enumerate(communes[1:]):
        village = Village.objects.create(territory=territory, commune=commune, has_school=i % 2 == 0)
        volunteer = User.objects.create_user(email=f"v{i}@example.fr", password="x", full_name=f"Volunteer {i}")
        Role.objects.create(user=volunteer, kind=RoleKind.VOLUNTEER, village=village, territory=territory)
    advisor = User.objects.create_user(email="advisor@example.fr", password="x", full_name="Advisor")
    rng = random.Random(32)
    fake = Faker("fr_FR")
    fake.seed_instance(32)
    load_prospects(territory, [advisor], rng, fake, timezone.localdate(), 0.05)
    return territory


def load(territory: Territory, seed: int = 32) -> dict:
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    return load_housing(territory, rng, fake, timezone.localdate(), timezone.now())


def test_offers_in_every_village_in_realistic_proportions_and_prices(gers):
    counts = load(gers)
    offers = list(HousingOffer.objects.filter(territory=gers))
    assert counts["housing offers"] == len(offers) >= 6 * 3
    by_village = Counter(o.village.name for o in offers)
    assert set(by_village) == {name for _c, name, *_rest in COMMUNES[1:]}
    assert by_village["Fleurance"] > by_village["Simorre"]  # larger towns have more on the market
    rentals = [o for o in offers if o.tenure == Tenure.RENT]
    sales = [o for o in offers if o.tenure == Tenure.SALE]
    assert 0.3 < len(rentals) / len(offers) < 0.75
    assert sum(o.kind in ("house", "farmhouse") for o in offers) > len(offers) / 2
    assert all(200 <= o.price <= 2500 for o in rentals)
    assert all(30_000 <= o.price <= 900_000 for o in sales)
    assert not [o for o in rentals if o.energy_class == "G"]
    assert all(o.bedrooms <= o.rooms for o in offers)
    statuses = Counter(o.status for o in offers)
    assert statuses[Status.AVAILABLE] > len(offers) / 3
    assert HousingOffer.objects.stale().exists()  # so that the reminders have something to do
    assert all(o.owner_name and o.description_fr for o in offers)
    assert HousingOffer.objects.public().exists()


def test_some_prospects_received_proposals_in_their_timeline(gers):
    counts = load(gers)
    assert counts["housing proposals"] == Proposal.objects.count() > 0
    proposal = Proposal.objects.first()
    assert proposal.items.exists()
    assert Interaction.objects.filter(household=proposal.household, kind="proposal").exists()


def test_the_demo_offers_are_the_same_every_time(gers):
    load(gers)
    first = list(HousingOffer.objects.order_by("pk").values_list("village__name", "title", "tenure", "price"))
    HousingOffer.objects.all().delete()
    Proposal.objects.all().delete()
    load(gers)
    assert list(HousingOffer.objects.order_by("pk").values_list("village__name", "title", "tenure", "price")) == first


def test_a_demo_prospect_gets_villages_and_offers_with_reasons_and_exclusions(gers, client):
    from django.urls import reverse

    from sohosolo.prospects.models import FOLLOWED_STAGES, Household

    load(gers)
    advisor = User.objects.get(email="advisor@example.fr")
    Role.objects.create(user=advisor, kind=RoleKind.ADVISOR, territory=gers)
    sign_in_verified(client, advisor)
    # The first followed renter with a budget whose distance wish the fixture's villages (21 to 46 km from Auch) can
    # meet: the demo prospects change with the day they are generated, the villages here do not.
    household = (
        Household.objects.filter(territory=gers, stage__in=FOLLOWED_STAGES, tenure="rent")
        .exclude(budget=None)
        .filter(Q(max_distance_km=None) | Q(max_distance_km__gte=30))
        .order_by("pk")
        .first()
    )
    response = client.get(reverse("housing:matching", args=["gers", household.pk]))
    assert response.status_code == 200
    context = response.context
    assert context["villages"] and context["offers"]
    assert all(match.reasons for match, _village in context["villages"])
    assert all(any(r.good for r in match.reasons) for match, _offer in context["offers"])
    assert context["excluded_offer_count"] > 0  # at least the offers for sale, for a household that rents
    assert all(match.exclusions for match, _offer in context["excluded_offers"])
