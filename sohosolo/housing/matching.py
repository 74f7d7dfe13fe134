"""Matching: how well a partner village or a housing offer suits a household, with the reasons in plain words.

Pure and deterministic: plain data in (a household's wish, facts about villages and offers, a territory's weights),
scores and reasons out; no database, no clock. `sohosolo/housing/services.py` loads the data in a few queries.

Each criterion the household expressed gives a fraction between 0 and 1 of its weight; the score is the weighted
mean, out of 100. Criteria the household said nothing about do not count. Some answers rule an option out
altogether (a sale for a household that wants to rent, a price far over the budget, a home too small, a village far
beyond the distance wished): the option is then listed among the exclusions, with what excluded it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Household's village size wish → the range of inhabitants it means (as the application form words it).
SIZE_RANGES = {"small": (0, 499), "medium": (500, 2000), "large": (2001, 10**9)}
SIZE_ORDER = ["small", "medium", "large"]
# Budgets under this amount are monthly rents; above, purchase prices (the application asks for "budget (€)").
PURCHASE_BUDGET_FROM = 10_000
# Beyond this share over the largest distance wished, a village is ruled out.
DISTANCE_SLACK = 0.5
# Main town within this distance: a partner may find a job there.
EMPLOYMENT_AREA_KM = 25
BROADBAND_FRACTION = {"fibre": 1.0, "good": 0.8, "average": 0.3, "poor": 0.0, "": 0.5}
# Offer kinds that count as a house, and as a flat, for the household's "type of home".
HOUSE_KINDS = {"house", "farmhouse", "commercial"}
FLAT_KINDS = {"flat"}


@dataclass(frozen=True)
class Wish:
    """What a household asked for (Household fields, see Household and the application form)."""

    tenure: str = ""  # rent, buy, either
    housing_type: str = ""  # house, apartment, any
    rooms: int | None = None
    budget: int | None = None
    max_distance_km: int | None = None
    village_size: str = ""  # small, medium, large, any
    needs: frozenset[str] = frozenset()  # broadband, coworking, school, childcare, partner_job, health_care
    village_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Place:
    """A partner village: `distances` are (place name, km), the main town first."""

    id: int
    name: str
    population: int | None = None
    distances: tuple[tuple[str, float], ...] = ()
    services: frozenset[str] = frozenset()  # school, childcare, coworking, doctor, pharmacy, shops, station…
    broadband: str = ""


class Home(NamedTuple):
    """A housing offer on the market (a named tuple: ten thousand of them are made from database rows at once)."""

    id: int
    village_id: int
    title: str
    tenure: str  # rent, sale
    kind: str
    rooms: int
    bedrooms: int
    price: int
    charges: int = 0

    @property
    def cost(self) -> int:
        return self.price + self.charges if self.tenure == "rent" else self.price


@dataclass(frozen=True)
class Weights:
    budget: int = 8
    rooms: int = 6
    housing_type: int = 4
    village_size: int = 3
    distance: int = 6
    services: int = 6
    broadband: int = 7
    interest: int = 5
    budget_tolerance_percent: int = 15


def number(value: float) -> str:
    return number_format(round(value), force_grouping=True)


def euros(amount: int) -> str:
    return f"{number(amount)} €"


def km(distance: float) -> str:
    return number(distance)


def money(amount: int, tenure: str) -> str:
    return _("%(amount)s a month") % {"amount": euros(amount)} if tenure == "rent" else euros(amount)


class Reason(NamedTuple):
    """One reason, kept as a code and its values; `text` words it in the active language when it is shown (so that
    ranking ten thousand offers formats nothing)."""

    code: str
    good: bool
    values: tuple = ()

    @property
    def text(self) -> str:
        return REASON_TEXTS[self.code](*self.values)

    def __str__(self) -> str:
        return self.text


def _rooms_text(rooms: int, bedrooms: int) -> str:
    return (
        ngettext("%(rooms)s room", "%(rooms)s rooms", rooms) % {"rooms": rooms}
        + " "
        + (ngettext("(%(n)s bedroom)", "(%(n)s bedrooms)", bedrooms) % {"n": bedrooms})
    )


REASON_TEXTS = {
    "tenure_ok_rent": lambda: _("To rent, as wished"),
    "tenure_ok_sale": lambda: _("For sale, as wished"),
    "tenure_sale_for_renter": lambda: _("For sale, and they want to rent"),
    "tenure_rent_for_buyer": lambda: _("To rent, and they want to buy"),
    "budget_ok": lambda tenure, cost, budget: (
        _("Within budget: %(cost)s for %(budget)s") % {"cost": money(cost, tenure), "budget": euros(budget)}
    ),
    "budget_over": lambda tenure, cost, budget, percent: (
        _("%(percent)s %% over budget: %(cost)s for %(budget)s")
        % {"percent": percent, "cost": money(cost, tenure), "budget": euros(budget)}
    ),
    "budget_far_over": lambda tenure, cost, budget: (
        _("%(cost)s, far over the %(budget)s budget") % {"cost": money(cost, tenure), "budget": euros(budget)}
    ),
    "rooms_ok": lambda rooms, bedrooms, wished: (
        _("%(home)s, %(wished)s wished") % {"home": _rooms_text(rooms, bedrooms), "wished": wished}
    ),
    "rooms_short": lambda rooms, bedrooms, wished: (
        _("%(home)s: one room fewer than the %(wished)s wished")
        % {"home": _rooms_text(rooms, bedrooms), "wished": wished}
    ),
    "rooms_too_few": lambda rooms, bedrooms, wished: (
        _("%(home)s: too small, %(wished)s rooms wished") % {"home": _rooms_text(rooms, bedrooms), "wished": wished}
    ),
    "type_house_ok": lambda: _("A house, as wished"),
    "type_flat_ok": lambda: _("A flat, as wished"),
    "type_not_house": lambda: _("Not a house, and they want one"),
    "type_not_flat": lambda: _("Not a flat, and they want one"),
    "size_ok": lambda population: (
        _("%(population)s inhabitants: the size of village wished") % {"population": number(population)}
    ),
    "size_near": lambda population: (
        _("%(population)s inhabitants: not quite the size of village wished") % {"population": number(population)}
    ),
    "size_far": lambda population: (
        _("%(population)s inhabitants: far from the size of village wished") % {"population": number(population)}
    ),
    "distance_ok": lambda place, distance, wished: (
        _("%(place)s at %(km)s km, within the %(wished)s km wished")
        % {"km": km(distance), "place": place, "wished": wished}
    ),
    "distance_over": lambda place, distance, wished: (
        _("%(place)s at %(km)s km — more than the %(wished)s km wished")
        % {"km": km(distance), "place": place, "wished": wished}
    ),
    "distance_far": lambda place, distance, wished: (
        _("%(place)s at %(km)s km — far more than the %(wished)s km wished")
        % {"km": km(distance), "place": place, "wished": wished}
    ),
    "service_school": lambda: _("School in the village"),
    "no_school": lambda: _("No school in the village"),
    "service_childcare": lambda: _("Childcare in the village"),
    "no_childcare": lambda: _("No childcare in the village"),
    "service_coworking": lambda: _("Coworking space in the village"),
    "no_coworking": lambda: _("No coworking space in the village"),
    "service_health": lambda: _("Doctor or pharmacy in the village"),
    "no_health": lambda: _("No doctor nor pharmacy in the village"),
    "partner_job_ok": lambda place, distance: (
        _("%(place)s, to find a job, %(km)s km away") % {"place": place, "km": km(distance)}
    ),
    "partner_job_far": lambda place, distance: (
        _("%(place)s, to find a job, is %(km)s km away") % {"place": place, "km": km(distance)}
    ),
    "broadband_fibre": lambda: _("Fibre broadband"),
    "broadband_good": lambda: _("Good broadband"),
    "broadband_average": lambda: _("Only average broadband (ADSL)"),
    "broadband_poor": lambda: _("Poor broadband"),
    "broadband_unknown": lambda: _("Broadband quality not known"),
    "interest_yes": lambda: _("One of the villages they chose"),
    "interest_no": lambda: _("Not among the villages they chose"),
    "offers_fit": lambda count: (
        ngettext("%(count)s available offer suits them", "%(count)s available offers suit them", count)
        % {"count": count}
    ),
    "nothing_known": lambda: _("Their wishes are not known yet"),
    "nothing_known_village": lambda: _("They said nothing yet of the village they wish for"),
}


@dataclass(slots=True)
class Match:
    """A village or an offer for a household: its score out of 100, the reasons, and what excluded it if anything.

    An offer's reasons are its own, then its village's (`place_reasons`, shared by the offers of a village)."""

    kind: str  # "village" or "offer"
    id: int
    name: str
    score: int
    own_reasons: list[Reason] = field(default_factory=list)
    exclusions: list[Reason] = field(default_factory=list)
    village_id: int | None = None
    place_reasons: list[Reason] | tuple = ()

    @property
    def reasons(self) -> list[Reason]:
        return [*self.own_reasons, *self.place_reasons]

    @property
    def excluded(self) -> bool:
        return bool(self.exclusions)

    @property
    def good_reasons(self) -> list[Reason]:
        return [r for r in self.reasons if r.good]

    @property
    def bad_reasons(self) -> list[Reason]:
        return [r for r in self.reasons if not r.good]


@dataclass
class _Tally:
    """The weighted criteria of one option, while it is being scored."""

    points: float = 0.0
    total: int = 0
    reasons: list[Reason] = field(default_factory=list)
    exclusions: list[Reason] = field(default_factory=list)

    def add(self, weight: int, fraction: float, reason: Reason | None) -> None:
        self.points += weight * fraction
        self.total += weight
        if reason is not None:
            self.reasons.append(reason)

    @property
    def score(self) -> int:
        # Nothing to compare: a neutral middle score, said as such in the reasons.
        return round(100 * self.points / self.total) if self.total else 50


def size_class(population: int) -> str:
    return next(name for name, (low, high) in SIZE_RANGES.items() if low <= population <= high)


def _village_criteria(wish: Wish, place: Place, weights: Weights, tally: _Tally) -> None:
    if wish.village_size in SIZE_RANGES and place.population is not None:
        gap = abs(SIZE_ORDER.index(size_class(place.population)) - SIZE_ORDER.index(wish.village_size))
        code, fraction = [("size_ok", 1.0), ("size_near", 0.5), ("size_far", 0.0)][gap]
        tally.add(weights.village_size, fraction, Reason(code, gap == 0, (place.population,)))

    if wish.max_distance_km and place.distances:
        name, distance = min(place.distances, key=lambda pair: (pair[1], pair[0]))
        # Compared as shown (whole kilometres): "30 km" is never "more than the 30 km wished".
        distance = round(distance)
        wished = wish.max_distance_km
        values = (name, distance, wished)
        if distance <= wished:
            tally.add(weights.distance, 1.0, Reason("distance_ok", True, values))
        elif distance <= wished * (1 + DISTANCE_SLACK):
            tally.add(weights.distance, 1 - (distance - wished) / (wished * DISTANCE_SLACK), None)
            tally.reasons.append(Reason("distance_over", False, values))
        else:
            tally.add(weights.distance, 0.0, None)
            tally.exclusions.append(Reason("distance_far", False, values))

    needs = [need for need in ("school", "childcare", "coworking", "health_care", "partner_job") if need in wish.needs]
    if needs:
        met = 0
        for need in needs:
            if need == "health_care":
                ok = bool({"doctor", "pharmacy"} & place.services)
                tally.reasons.append(Reason("service_health" if ok else "no_health", ok))
            elif need == "partner_job":
                if not place.distances:
                    continue
                town, distance = place.distances[0]
                ok = round(distance) <= EMPLOYMENT_AREA_KM
                tally.reasons.append(Reason("partner_job_ok" if ok else "partner_job_far", ok, (town, distance)))
            else:
                ok = need in place.services
                tally.reasons.append(Reason(f"service_{need}" if ok else f"no_{need}", ok))
            met += ok
        tally.add(weights.services, met / len(needs), None)

    if "broadband" in wish.needs:
        quality = place.broadband if place.broadband in BROADBAND_FRACTION else ""
        fraction = BROADBAND_FRACTION[quality]
        tally.add(weights.broadband, fraction, Reason(f"broadband_{quality or 'unknown'}", fraction >= 0.8))

    if wish.village_ids:
        chosen = place.id in wish.village_ids
        tally.add(weights.interest, 1.0 if chosen else 0.0, Reason("interest_yes" if chosen else "interest_no", chosen))


def _home_criteria(wish: Wish, home: Home, weights: Weights) -> tuple[float, int, list[Reason], Reason | None]:
    """Points, total weight and reasons of the offer's own criteria, or what excludes it (then the rest is skipped:
    this runs for every offer of a territory)."""
    points, total, reasons = 0.0, 0, []
    tenure = home.tenure
    if wish.tenure == "rent" and tenure == "sale":
        return 0, 0, reasons, Reason("tenure_sale_for_renter", False)
    if wish.tenure == "buy" and tenure == "rent":
        return 0, 0, reasons, Reason("tenure_rent_for_buyer", False)
    if wish.tenure in ("rent", "buy"):
        reasons.append(Reason(f"tenure_ok_{tenure}", True))

    budget = wish.budget
    # A monthly budget says nothing of a sale price, nor a purchase budget of a rent.
    if budget and (budget >= PURCHASE_BUDGET_FROM) == (tenure == "sale"):
        cost = home.price + home.charges if tenure == "rent" else home.price
        tolerance = weights.budget_tolerance_percent / 100
        total += weights.budget
        if cost <= budget:
            points += weights.budget
            reasons.append(Reason("budget_ok", True, (tenure, cost, budget)))
        elif tolerance and cost <= budget * (1 + tolerance):
            over = (cost - budget) / budget
            points += weights.budget * 0.5 * (1 - over / tolerance)
            reasons.append(Reason("budget_over", False, (tenure, cost, budget, max(1, round(100 * over)))))
        else:
            return 0, 0, reasons, Reason("budget_far_over", False, (tenure, cost, budget))

    if wish.rooms:
        values = (home.rooms, home.bedrooms, wish.rooms)
        total += weights.rooms
        if home.rooms >= wish.rooms:
            points += weights.rooms
            reasons.append(Reason("rooms_ok", True, values))
        elif home.rooms == wish.rooms - 1:
            points += weights.rooms * 0.4
            reasons.append(Reason("rooms_short", False, values))
        else:
            return 0, 0, reasons, Reason("rooms_too_few", False, values)

    if wish.housing_type == "house":
        ok = home.kind in HOUSE_KINDS
        total += weights.housing_type
        points += weights.housing_type if ok else 0
        reasons.append(Reason("type_house_ok" if ok else "type_not_house", ok))
    elif wish.housing_type == "apartment":
        ok = home.kind in FLAT_KINDS
        total += weights.housing_type
        points += weights.housing_type if ok else weights.housing_type * 0.2
        reasons.append(Reason("type_flat_ok" if ok else "type_not_flat", ok))
    return points, total, reasons, None


def _village_tally(wish: Wish, place: Place, weights: Weights) -> _Tally:
    tally = _Tally()
    _village_criteria(wish, place, weights, tally)
    return tally


def score_village(wish: Wish, place: Place, weights: Weights) -> Match:
    tally = _village_tally(wish, place, weights)
    if not tally.total and not tally.reasons and not tally.exclusions:
        tally.reasons.append(Reason("nothing_known_village", False))
    return Match("village", place.id, place.name, tally.score, tally.reasons, tally.exclusions, place.id)


def score_offer(wish: Wish, home: Home, place: Place, weights: Weights, village: _Tally | None = None) -> Match:
    """The offer's own criteria (tenure, budget, rooms, type) and its village's (`village`: already computed).
    An excluded offer says the first thing that excluded it."""
    village = village or _village_tally(wish, place, weights)
    if village.exclusions:
        return Match("offer", home.id, home.title, 0, [], village.exclusions, home.village_id)
    points, total, reasons, exclusion = _home_criteria(wish, home, weights)
    if exclusion is not None:
        return Match("offer", home.id, home.title, 0, reasons, [exclusion], home.village_id)
    points += village.points
    total += village.total
    if not total and not reasons and not village.reasons:
        reasons.append(Reason("nothing_known", False))
    # Nothing to compare: a neutral middle score, said as such in the reasons.
    score = round(100 * points / total) if total else 50
    return Match("offer", home.id, home.title, score, reasons, [], home.village_id, village.reasons)


def _order(match: Match) -> tuple:
    return (match.excluded, -match.score, match.name, match.id)


def rank_villages(wish: Wish, places: list[Place], weights: Weights) -> list[Match]:
    """Every village, the best first; excluded ones last."""
    return sorted((score_village(wish, place, weights) for place in places), key=_order)


def rank_offers(wish: Wish, homes: list[Home], places: dict[int, Place], weights: Weights) -> list[Match]:
    """Every offer, the best first; excluded ones last. Offers of a village not in `places` are left out."""
    villages = {pk: _village_tally(wish, place, weights) for pk, place in places.items()}
    suggested, excluded = [], []
    for home in homes:
        village = villages.get(home.village_id)
        if village is not None:
            match = score_offer(wish, home, places[home.village_id], weights, village)
            (excluded if match.exclusions else suggested).append(match)
    # Excluded offers are many and only listed: by number, which is cheaper than by score and name.
    suggested.sort(key=_order)
    excluded.sort(key=attrgetter("id"))
    return suggested + excluded


def count_fitting_offers(villages: list[Match], offers: list[Match]) -> None:
    """Add to each village the number of its offers that are not excluded (a reason, without weight)."""
    counts: dict[int, int] = {}
    for offer in offers:
        if not offer.excluded:
            counts[offer.village_id] = counts.get(offer.village_id, 0) + 1
    for village in villages:
        if counts.get(village.id):
            village.own_reasons.append(Reason("offers_fit", True, (counts[village.id],)))
