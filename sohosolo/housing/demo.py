"""Demo housing offers across a territory's partner villages, in the proportions and prices of the Gers, and a few
proposals already answered.

Sources of the orders of magnitude (2025–2026): rents of about 8 €/m² a month for a flat and 7 €/m² for a house in
the Gers, more in Auch and its area; sale prices about 1,600 €/m² for a house, less for old farmhouses to renovate
and in the smallest villages. Houses are most of the market; old stone houses often have a poor energy class, and a
home of class G may no longer be let in France since 2025.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone, translation

from sohosolo.accounts.models import RoleKind, User
from sohosolo.committees.models import Visit
from sohosolo.housing.models import (
    OPEN_STATUSES,
    Answer,
    EnergyClass,
    HousingOffer,
    OfferKind,
    OfferStatusChange,
    Proposal,
    ProposalItem,
    Status,
    Tenure,
)
from sohosolo.housing.services import prospect_reasons, rank_for, wish_from
from sohosolo.prospects.models import Household, Interaction, Person
from sohosolo.territory.models import Territory, Village

KINDS = [  # kind, weight, rooms range, m² per room range
    (OfferKind.HOUSE, 56, (3, 6), (20, 30)),
    (OfferKind.FLAT, 20, (1, 4), (18, 25)),
    (OfferKind.FARMHOUSE, 12, (4, 8), (25, 40)),
    (OfferKind.ROOM, 4, (1, 1), (12, 18)),
    (OfferKind.COMMERCIAL, 8, (3, 5), (25, 35)),
]
ENERGY = [("A", 1), ("B", 3), ("C", 12), ("D", 30), ("E", 27), ("F", 15), ("G", 10), ("", 2)]
STATUSES = [
    (Status.AVAILABLE, 60),
    (Status.RESERVED, 10),
    ("closed", 15),
    (Status.DRAFT, 8),
    (Status.WITHDRAWN, 7),
]
RENT_PER_M2 = {OfferKind.FLAT: 8.5, OfferKind.ROOM: 14.0, OfferKind.HOUSE: 7.2, OfferKind.FARMHOUSE: 6.3}
SALE_PER_M2 = {OfferKind.FLAT: 1350, OfferKind.HOUSE: 1600, OfferKind.FARMHOUSE: 1250, OfferKind.COMMERCIAL: 1150}

TITLES = {
    OfferKind.HOUSE: [
        ("Maison de village en pierre", "Stone village house"),
        ("Maison avec jardin près de l'école", "House with garden near the school"),
        ("Maison de plain-pied avec terrasse", "Single-storey house with terrace"),
        ("Maison gasconne rénovée", "Renovated Gascon house"),
    ],
    OfferKind.FLAT: [
        ("Appartement au cœur du village", "Flat in the heart of the village"),
        ("Appartement lumineux sur la place", "Bright flat on the square"),
        ("Appartement au-dessus de la mairie", "Flat above the town hall"),
    ],
    OfferKind.FARMHOUSE: [
        ("Corps de ferme avec dépendances", "Farmhouse with outbuildings"),
        ("Ferme gersoise à rafraîchir", "Gers farmhouse to refresh"),
    ],
    OfferKind.ROOM: [("Chambre meublée chez l'habitant", "Furnished room in a family home")],
    OfferKind.COMMERCIAL: [
        ("Ancienne boulangerie avec logement", "Former bakery with living quarters"),
        ("Local commercial et maison attenante", "Shop premises and adjoining house"),
    ],
}
DETAILS = [
    ("Cuisine équipée, séjour avec cheminée.", "Fitted kitchen, living room with fireplace."),
    ("Chauffage par pompe à chaleur, double vitrage.", "Heat pump, double glazing."),
    (
        "Vue dégagée sur les coteaux et les Pyrénées par beau temps.",
        "Open view on the hills, and the Pyrenees on clear days.",
    ),
    ("Garage et atelier, idéal pour un artisan.", "Garage and workshop, ideal for a craftsperson."),
    ("Bureau au calme, fibre au village.", "Quiet study; fibre in the village."),
    ("À deux pas des commerces et du marché.", "A stone's throw from the shops and the market."),
    ("Travaux de rafraîchissement à prévoir.", "Some refreshing work to plan."),
]


def pick(rng: random.Random, weighted: list[tuple]) -> tuple:
    return rng.choices(weighted, weights=[row[1] for row in weighted])[0]


def _offer(village: Village, rng: random.Random, fake, today: date) -> HousingOffer:
    kind, _w, rooms_range, area_range = pick(rng, KINDS)
    rooms = rng.randint(*rooms_range)
    area = max(10, rooms * rng.randint(*area_range))
    tenure = Tenure.RENT if kind == OfferKind.ROOM else (Tenure.SALE if rng.random() < 0.45 else Tenure.RENT)
    if kind in (OfferKind.FARMHOUSE, OfferKind.COMMERCIAL) and rng.random() < 0.7:
        tenure = Tenure.SALE
    energy = pick(rng, ENERGY)[0]
    if tenure == Tenure.RENT and energy == EnergyClass.G:
        energy = EnergyClass.F  # a G home may not be let any more
    # Larger towns and those near Auch cost more; the smallest villages less.
    population = village.commune.population or 500
    factor = 0.85 + min(0.35, population / 20000) + (0.1 if (village.distance_main_town_km or 50) < 20 else 0)
    factor *= rng.uniform(0.9, 1.12)
    if tenure == Tenure.RENT:
        price = int(round(area * RENT_PER_M2.get(kind, 7.0) * factor / 10) * 10)
        charges = rng.choice([0, 0, 20, 30, 40, 50]) if kind != OfferKind.ROOM else 0
    else:
        # Even a studio in the smallest village sells for some 30,000 € (notary fees and land apart).
        price = max(30_000, int(round(area * SALE_PER_M2.get(kind, 1500) * factor / 1000) * 1000))
        if kind == OfferKind.FARMHOUSE:
            price += rng.choice([20, 40, 60]) * 1000  # the land and outbuildings
        charges = 0
    title_fr, title_en = rng.choice(TITLES[kind])
    details = rng.sample(DETAILS, 2)
    land = None if kind in (OfferKind.FLAT, OfferKind.ROOM) else rng.choice([300, 500, 800, 1200, 2500, 5000, 12000])
    if kind == OfferKind.FARMHOUSE:
        land = rng.choice([5000, 10000, 20000, 40000])
    bedrooms = 1 if rooms <= 2 else rooms - 1 - (rng.random() < 0.3)
    description_fr = (
        f"{title_fr} de {area} m² à {village.name}, {rooms} pièce{'s' if rooms > 1 else ''} dont "
        f"{bedrooms} chambre{'s' if bedrooms > 1 else ''}. {details[0][0]} {details[1][0]}"
    )
    description_en = (
        f"{title_en} of {area} m² in {village.name}, {rooms} room{'s' if rooms > 1 else ''} with "
        f"{bedrooms} bedroom{'s' if bedrooms > 1 else ''}. {details[0][1]} {details[1][1]}"
    )
    return HousingOffer(
        village=village,
        territory_id=village.territory_id,
        title=f"{title_fr} — {rooms} pièces" if rooms > 1 else title_fr,
        tenure=tenure,
        kind=kind,
        rooms=rooms,
        bedrooms=bedrooms,
        living_area_m2=area,
        land_m2=land,
        price=price,
        charges=charges,
        energy_class=energy,
        available_from=today + timedelta(days=rng.choice([0, 0, 15, 30, 60, 90])),
        furnished=kind == OfferKind.ROOM or rng.random() < 0.08,
        description_fr=description_fr,
        description_en=description_en if rng.random() < 0.8 else "",
        owner_name=fake.name(),
        owner_phone=fake.phone_number(),
        owner_email=fake.email() if rng.random() < 0.6 else "",
        is_public=rng.random() < 0.85,
    )


def load_housing(territory: Territory, rng: random.Random, fake, today: date, now: datetime) -> dict[str, int]:
    """Offers in every partner village (more in the larger ones), with statuses and dates; a few proposals to the
    territory's followed prospects, some answered. Load the prospects first."""
    villages = list(territory.villages.public().select_related("commune", "territory").order_by("name"))
    volunteers = {
        village_id: user_id
        for user_id, village_id in User.objects.filter(
            roles__kind=RoleKind.VOLUNTEER, roles__village__territory=territory
        ).values_list("pk", "roles__village_id")
    }
    offers = []
    for village in villages:
        count = 2 + min(8, (village.commune.population or 300) // 700) + rng.randint(0, 2)
        offers += [_offer(village, rng, fake, today) for _i in range(count)]
    plans = []
    for offer in offers:
        status = pick(rng, STATUSES)[0]
        if status == "closed":
            status = Status.LET if offer.tenure == Tenure.RENT else Status.SOLD
        offer.status = status
        offer.created_by_id = volunteers.get(offer.village_id)
        created = now - timedelta(days=rng.randint(5, 400))
        # Most offers are kept up to date; about one open offer in eight was last touched over 60 days ago.
        updated = now - timedelta(days=rng.randint(70, 150) if rng.random() < 0.12 else rng.randint(0, 55))
        updated = max(updated, created)
        offer.status_changed_at = updated
        plans.append((created, updated))
    HousingOffer.objects.bulk_create(offers, batch_size=500)
    changes = []
    for offer, (created, updated) in zip(offers, plans, strict=True):
        offer.created_at, offer.updated_at = created, updated
        changes.append(OfferStatusChange(offer=offer, status=Status.DRAFT, changed_at=created))
        if offer.status != Status.DRAFT:
            if offer.status in (Status.LET, Status.SOLD, Status.RESERVED):
                changes.append(OfferStatusChange(offer=offer, status=Status.AVAILABLE, changed_at=created))
            changes.append(OfferStatusChange(offer=offer, status=offer.status, changed_at=updated))
    HousingOffer.objects.bulk_update(offers, ["created_at", "updated_at"], batch_size=500)
    OfferStatusChange.objects.bulk_create(changes, batch_size=1000)
    proposals = demo_proposals(territory, rng, now)
    link_visits_to_offers(territory, offers)
    return {"housing offers": len(offers), "housing proposals": proposals}


def link_visits_to_offers(territory: Territory, offers: list[HousingOffer]) -> None:
    """The committees' visits (loaded before the offers) show one or two open offers of their village that were
    already listed on the day; one visit in three only free-text homes. Deterministic: the shared rng is untouched."""

    open_by_village: dict[int, list[HousingOffer]] = {}
    for offer in offers:
        if offer.status in OPEN_STATUSES:
            open_by_village.setdefault(offer.village_id, []).append(offer)
    links = []
    for index, visit in enumerate(Visit.objects.filter(village__territory=territory).order_by("pk")):
        listed = [o for o in open_by_village.get(visit.village_id, []) if o.created_at <= visit.starts_at]
        if index % 3 == 2 or not listed:
            continue
        for offer in (listed[index % len(listed)], listed[(index + 1) % len(listed)])[: 1 + index % 2]:
            links.append(Visit.offers.through(visit_id=visit.pk, housingoffer_id=offer.pk))
    Visit.offers.through.objects.bulk_create(links, ignore_conflicts=True)


def demo_proposals(territory: Territory, rng: random.Random, now: datetime) -> int:
    """About a dozen followed prospects received a selection from their advisor in the last weeks."""
    households = list(
        Household.objects.followed_now()
        .filter(territory=territory)
        .exclude(tenure="")
        .filter(members__is_main_contact=True, members__email__gt="")
        .filter(first_contact_on__lte=timezone.localtime(now).date() - timedelta(days=7))
        .order_by("pk")[:400]
    )
    chosen = rng.sample(households, min(12, len(households)))
    through = Household.villages_of_interest.through
    interests: dict[int, set[int]] = {}
    for household_id, village_id in through.objects.filter(household__in=chosen).values_list(
        "household_id", "village_id"
    ):
        interests.setdefault(household_id, set()).add(village_id)
    emails = dict(
        Person.objects.filter(household__in=chosen, is_main_contact=True).values_list("household_id", "email")
    )
    made = 0
    for household in chosen:
        ranking = rank_for(wish_from(household.__dict__, interests.get(household.pk, ())), territory)
        villages = ranking.suggested_villages[:2]
        offers = ranking.suggested_offers[:2]
        if not villages and not offers:
            continue
        # Sent once the advisor knows them: from the day after their first contact.
        known = timezone.make_aware(datetime.combine(household.first_contact_on + timedelta(days=1), time(10)))
        sent_at = max(now - timedelta(days=rng.randint(3, 45)), known)
        proposal = Proposal.objects.create(
            territory=territory,
            household=household,
            sent_by_id=household.advisor_id,
            sent_at=sent_at,
            sent_to=emails.get(household.pk, ""),
            language=household.language,
        )
        items = []
        with translation.override(household.language):
            for match in villages + offers:
                answered = rng.random() < 0.6
                items.append(
                    ProposalItem(
                        proposal=proposal,
                        village_id=match.id if match.kind == "village" else None,
                        offer_id=match.id if match.kind == "offer" else None,
                        score=match.score,
                        reasons=prospect_reasons(match),
                        answer=rng.choice([Answer.INTERESTED, Answer.NOT_INTERESTED]) if answered else "",
                        answered_at=min(now, sent_at + timedelta(days=rng.randint(1, 3))) if answered else None,
                    )
                )
        ProposalItem.objects.bulk_create(items)
        names = [m.name for m in villages + offers]
        with translation.override(settings.LANGUAGE_CODE):
            Interaction.objects.create(
                household=household,
                kind=Interaction.Kind.PROPOSAL,
                occurred_at=sent_at,
                author_id=household.advisor_id,
                summary=translation.gettext("Proposal sent by email: %(items)s") % {"items": "; ".join(names)},
                data={"proposal": proposal.pk},
            )
        made += 1
    return made
