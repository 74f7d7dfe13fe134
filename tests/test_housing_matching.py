"""The matching, pure: a household's wish against villages and offers, with scores, reasons and exclusions.

Table-driven: each line is a situation an advisor would recognise, and what the matching must say about it."""

from __future__ import annotations

import pytest
from django.utils import translation

from sohosolo.housing.matching import (
    Home,
    Place,
    Weights,
    Wish,
    count_fitting_offers,
    rank_offers,
    rank_villages,
    score_offer,
    score_village,
)

LECTOURE = Place(
    id=1,
    name="Lectoure",
    population=3670,
    distances=(("Auch", 32.0), ("Gare d'Agen", 30.5), ("Aéroport Toulouse-Blagnac", 85.0)),
    services=frozenset({"school", "doctor", "pharmacy", "shops", "coworking"}),
    broadband="fibre",
)
MARCIAC = Place(
    id=2,
    name="Marciac",
    population=1213,
    distances=(("Auch", 38.4), ("Gare d'Agen", 95.0)),
    services=frozenset({"school", "shops"}),
    broadband="average",
)
HAMLET = Place(id=3, name="Saint-Orens", population=140, distances=(("Auch", 62.0),), broadband="")
HOUSE = Home(
    id=10, village_id=1, title="Maison", tenure="rent", kind="house", rooms=4, bedrooms=3, price=680, charges=20
)
FLAT = Home(id=11, village_id=1, title="Appartement", tenure="rent", kind="flat", rooms=2, bedrooms=1, price=420)
FARM = Home(id=12, village_id=2, title="Ferme", tenure="sale", kind="farmhouse", rooms=6, bedrooms=4, price=235_000)
W = Weights()


def texts(reasons) -> list[str]:
    return [reason.text for reason in reasons]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("wish", "home", "place", "reason", "good"),
    [
        (Wish(budget=700), HOUSE, LECTOURE, "Within budget: 700 € a month for 700 €", True),
        (Wish(budget=650), HOUSE, LECTOURE, "8 % over budget: 700 € a month for 650 €", False),
        (Wish(rooms=4), HOUSE, LECTOURE, "4 rooms (3 bedrooms), 4 wished", True),
        (Wish(rooms=5), HOUSE, LECTOURE, "4 rooms (3 bedrooms): one room fewer than the 5 wished", False),
        (Wish(housing_type="house"), FARM, MARCIAC, "A house, as wished", True),
        (Wish(housing_type="house"), FLAT, LECTOURE, "Not a house, and they want one", False),
        (Wish(tenure="rent"), HOUSE, LECTOURE, "To rent, as wished", True),
        (Wish(budget=250_000), FARM, MARCIAC, "Within budget: 235,000 € for 250,000 €", True),
        (Wish(needs=frozenset({"school"})), FARM, MARCIAC, "School in the village", True),
        (Wish(needs=frozenset({"coworking"})), FARM, MARCIAC, "No coworking space in the village", False),
        (Wish(needs=frozenset({"health_care"})), HOUSE, LECTOURE, "Doctor or pharmacy in the village", True),
        (Wish(needs=frozenset({"broadband"})), HOUSE, LECTOURE, "Fibre broadband", True),
        (Wish(needs=frozenset({"broadband"})), FARM, MARCIAC, "Only average broadband (ADSL)", False),
        (Wish(needs=frozenset({"partner_job"})), FARM, MARCIAC, "Auch, to find a job, is 38 km away", False),
        (Wish(max_distance_km=35), HOUSE, LECTOURE, "Gare d'Agen at 30 km, within the 35 km wished", True),
        (Wish(max_distance_km=30), FARM, MARCIAC, "Auch at 38 km — more than the 30 km wished", False),
        (Wish(village_size="large"), HOUSE, LECTOURE, "3,670 inhabitants: the size of village wished", True),
        (Wish(village_size="small"), FARM, MARCIAC, "1,213 inhabitants: not quite the size of village wished", False),
        (Wish(village_ids=frozenset({1})), HOUSE, LECTOURE, "One of the villages they chose", True),
        (Wish(village_ids=frozenset({1})), FARM, MARCIAC, "Not among the villages they chose", False),
    ],
)
def test_each_criterion_gives_its_reason_in_plain_words(wish, home, place, reason, good):
    match = score_offer(wish, home, place, W)
    assert not match.excluded
    assert reason in texts(match.good_reasons if good else match.bad_reasons)


@pytest.mark.parametrize(
    ("wish", "home", "place", "exclusion"),
    [
        (Wish(tenure="rent"), FARM, MARCIAC, "For sale, and they want to rent"),
        (Wish(tenure="buy"), HOUSE, LECTOURE, "To rent, and they want to buy"),
        (Wish(budget=500), HOUSE, LECTOURE, "700 € a month, far over the 500 € budget"),
        (Wish(rooms=4), FLAT, LECTOURE, "2 rooms (1 bedroom): too small, 4 rooms wished"),
        (Wish(max_distance_km=30), HOUSE, HAMLET, "Auch at 62 km — far more than the 30 km wished"),
    ],
)
def test_what_rules_an_offer_out_is_said(wish, home, place, exclusion):
    match = score_offer(wish, home, place, W)
    assert match.excluded
    assert exclusion in texts(match.exclusions)


@pytest.mark.parametrize(
    "wish",
    [
        Wish(budget=800),  # a monthly budget says nothing of a sale price
        Wish(tenure="either"),  # either tenure: no exclusion for a sale, and no tenure reason
    ],
)
def test_criteria_that_do_not_apply_are_left_out(wish):
    match = score_offer(wish, FARM, MARCIAC, W)
    assert not match.excluded
    assert match.reasons == [] or texts(match.reasons) == ["Their wishes are not known yet"]
    assert match.score == 50


@pytest.mark.parametrize(
    ("wish", "score"),
    [
        (Wish(budget=700, rooms=4, housing_type="house"), 100),  # everything as wished
        (Wish(budget=700, rooms=5, housing_type="house"), 80),  # rooms 0.4 × 6 → (8 + 2.4 + 4) / 18
        (Wish(budget=700, rooms=4, housing_type="apartment"), 82),  # not a flat: 0.2 × 4 → (8 + 6 + 0.8) / 18
        (Wish(), 50),  # nothing known: neutral
    ],
)
def test_score_is_the_weighted_share_of_what_fits(wish, score):
    assert score_offer(wish, HOUSE, LECTOURE, W).score == score


def test_nothing_known_is_said_rather_than_guessed():
    match = score_village(Wish(), LECTOURE, W)
    assert texts(match.reasons) == ["They said nothing yet of the village they wish for"]


def test_weights_change_the_order():
    """A household wanting a school and fibre, and a small village: services against size."""
    wish = Wish(village_size="medium", needs=frozenset({"school", "broadband", "coworking"}))
    by_services = rank_villages(wish, [LECTOURE, MARCIAC], Weights(village_size=1, services=10, broadband=10))
    by_size = rank_villages(wish, [LECTOURE, MARCIAC], Weights(village_size=10, services=1, broadband=1))
    assert [m.name for m in by_services] == ["Lectoure", "Marciac"]
    assert [m.name for m in by_size] == ["Marciac", "Lectoure"]


def test_zero_weights_ignore_a_criterion_but_keep_its_reason():
    match = score_village(Wish(needs=frozenset({"broadband"})), MARCIAC, Weights(broadband=0))
    assert match.score == 50
    assert "Only average broadband (ADSL)" in texts(match.reasons)


def test_ranking_is_deterministic_best_first_excluded_last():
    wish = Wish(tenure="rent", budget=700, rooms=2)
    homes = [FARM, FLAT, HOUSE, Home(13, 1, "Appartement", "rent", "flat", 2, 1, 420)]
    places = {1: LECTOURE, 2: MARCIAC}
    first = rank_offers(wish, homes, places, W)
    assert [(m.id, m.excluded) for m in first] == [(11, False), (13, False), (10, False), (12, True)]
    assert [m.id for m in rank_offers(wish, list(reversed(homes)), places, W)] == [m.id for m in first]


def test_villages_say_how_many_offers_suit():
    wish = Wish(tenure="rent")
    villages = rank_villages(wish, [LECTOURE, MARCIAC], W)
    offers = rank_offers(wish, [HOUSE, FLAT, FARM], {1: LECTOURE, 2: MARCIAC}, W)
    count_fitting_offers(villages, offers)
    lectoure = next(m for m in villages if m.id == 1)
    marciac = next(m for m in villages if m.id == 2)
    assert "2 available offers suit them" in texts(lectoure.reasons)
    assert not any("suit" in t for t in texts(marciac.reasons))


def test_reasons_are_worded_in_french_for_the_team():
    with translation.override("fr"):
        match = score_offer(Wish(max_distance_km=30, budget=650), HOUSE, MARCIAC, W)
        assert "Auch à 38 km — plus que les 30 km souhaités" in texts(match.reasons)
        assert any(text.startswith("8 % au-dessus du budget") for text in texts(match.reasons))


def test_a_distance_is_compared_as_it_is_shown():
    """30.4 km is shown "30 km": it must not be "more than the 30 km wished" (review finding)."""
    place = Place(id=4, name="Gare d'Agen", population=900, distances=(("Gare d'Agen", 30.4),))
    match = score_village(Wish(max_distance_km=30), place, W)
    assert texts(match.good_reasons) == ["Gare d'Agen at 30 km, within the 30 km wished"]
    assert not match.bad_reasons and match.score == 100
    job = score_village(Wish(needs=frozenset({"partner_job"})), Place(id=5, name="X", distances=(("Auch", 25.3),)), W)
    assert texts(job.good_reasons) == ["Auch, to find a job, 25 km away"]
