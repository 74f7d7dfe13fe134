"""Housing workflows: load what the matching needs in a few queries, send proposals, record answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from sohosolo.accounts.models import Role, RoleKind
from sohosolo.audit.log import log_action
from sohosolo.housing import matching
from sohosolo.housing.models import Answer, HousingOffer, MatchingWeights, Proposal, ProposalItem, Status
from sohosolo.lib.emails import send_email, send_email_to_user
from sohosolo.lib.geo import distance_km
from sohosolo.privacy.consents import has_consent
from sohosolo.prospects.models import FOLLOWED_STAGES, FileNews, Household, Interaction
from sohosolo.prospects.services import tell_advisor
from sohosolo.territory.models import SERVICES, Hub, Territory, Village

NEED_FIELDS = {
    "needs_broadband": "broadband",
    "needs_coworking": "coworking",
    "needs_school": "school",
    "needs_childcare": "childcare",
    "needs_partner_job": "partner_job",
    "needs_health_care": "health_care",
}
WISH_FIELDS = ["tenure", "housing_type", "rooms", "budget", "max_distance_km", "village_size", *NEED_FIELDS]
# Answer links work this long; the personal space can show the proposal again with a fresh link.
PROPOSAL_LINK_DAYS = 180
# While an offer stays unconfirmed, its volunteers are asked again after this many days.
REMIND_AGAIN_DAYS = 30


def wish_from(values: dict, village_ids=()) -> matching.Wish:
    """The matching's view of a household, from its fields (a model's __dict__ or a values() row)."""
    return matching.Wish(
        tenure=values.get("tenure") or "",
        housing_type=values.get("housing_type") or "",
        rooms=values.get("rooms"),
        budget=values.get("budget"),
        max_distance_km=values.get("max_distance_km"),
        village_size=values.get("village_size") or "",
        needs=frozenset(need for field, need in NEED_FIELDS.items() if values.get(field)),
        village_ids=frozenset(village_ids),
    )


def wish_for(household: Household) -> matching.Wish:
    village_ids = household.villages_of_interest.values_list("pk", flat=True)
    return wish_from(household.__dict__, village_ids)


def weights_for(territory: Territory) -> matching.Weights:
    saved = MatchingWeights.for_territory(territory)
    return matching.Weights(
        **{name: getattr(saved, name) for name in [*MatchingWeights.WEIGHT_FIELDS, "budget_tolerance_percent"]}
    )


def load_places(territory: Territory) -> dict[int, matching.Place]:
    """The territory's partner villages on the public site, with their distances: two queries."""
    hubs = list(Hub.objects.filter(territory=territory).values_list("name", "latitude", "longitude"))
    main_town = territory.main_town.name if territory.main_town_id else ""
    service_fields = [name for name, _label in SERVICES]
    rows = (
        Village.objects.public()
        .filter(territory=territory)
        .values(
            "pk",
            "name",
            "broadband",
            "distance_main_town_km",
            "commune__population",
            "commune__latitude",
            "commune__longitude",
            *service_fields,
        )
    )

    places = {}
    for row in rows:
        distances = []
        if row["distance_main_town_km"] is not None and main_town:
            distances.append((main_town, row["distance_main_town_km"]))
        if row["commune__latitude"] is not None:
            lat, lon = row["commune__latitude"], row["commune__longitude"]
            distances += [(name, round(distance_km(lat, lon, hlat, hlon), 1)) for name, hlat, hlon in hubs]
        places[row["pk"]] = matching.Place(
            id=row["pk"],
            name=row["name"],
            population=row["commune__population"],
            distances=tuple(distances),
            services=frozenset(field.removeprefix("has_") for field in service_fields if row[field]),
            broadband=row["broadband"],
        )
    return places


def load_homes(territory: Territory) -> list[matching.Home]:
    """The territory's available offers: one query."""
    rows = HousingOffer.objects.filter(territory=territory, status=Status.AVAILABLE).values_list(
        "pk", "village_id", "title", "tenure", "kind", "rooms", "bedrooms", "price", "charges"
    )
    return [matching.Home(*row) for row in rows]


@dataclass
class Ranking:
    villages: list[matching.Match]
    offers: list[matching.Match]

    @property
    def suggested_villages(self) -> list[matching.Match]:
        return [m for m in self.villages if not m.excluded]

    @property
    def excluded_villages(self) -> list[matching.Match]:
        return [m for m in self.villages if m.excluded]

    @property
    def suggested_offers(self) -> list[matching.Match]:
        return [m for m in self.offers if not m.excluded]

    @property
    def excluded_offers(self) -> list[matching.Match]:
        return [m for m in self.offers if m.excluded]


def rank_for(wish: matching.Wish, territory: Territory) -> Ranking:
    """Villages and available offers of `territory` ranked for `wish`: five queries, whatever the number of offers."""
    weights = weights_for(territory)
    places = load_places(territory)
    villages = matching.rank_villages(wish, list(places.values()), weights)
    offers = matching.rank_offers(wish, load_homes(territory), places, weights)
    matching.count_fitting_offers(villages, offers)
    return Ranking(villages, offers)


def rank_for_household(household: Household) -> Ranking:
    return rank_for(wish_for(household), household.territory)


def prospects_for_offer(offer: HousingOffer, limit: int = 20) -> list[tuple[Household, matching.Match]]:
    """Reverse matching: the households followed now in the offer's territory that it suits, the best first."""
    territory = offer.territory
    places = load_places(territory)
    place = places.get(offer.village_id)
    if place is None:
        return []
    weights = weights_for(territory)
    home = matching.Home(
        offer.pk,
        offer.village_id,
        offer.title,
        offer.tenure,
        offer.kind,
        offer.rooms,
        offer.bedrooms,
        offer.price,
        offer.charges,
    )
    households = Household.objects.followed_now().filter(territory=territory).values("pk", *WISH_FIELDS)
    interests: dict[int, set[int]] = {}
    through = Household.villages_of_interest.through
    for household_id, village_id in through.objects.filter(
        household__territory=territory, household__stage__in=FOLLOWED_STAGES
    ).values_list("household_id", "village_id"):
        interests.setdefault(household_id, set()).add(village_id)
    scored = []
    for row in households:
        match = matching.score_offer(wish_from(row, interests.get(row["pk"], ())), home, place, weights)
        if not match.excluded:
            scored.append((match.score, -row["pk"], row["pk"], match))
    scored.sort(reverse=True)
    top = scored[:limit]
    by_pk = Household.objects.prefetch_related("members").in_bulk([pk for _s, _n, pk, _m in top])
    return [(by_pk[pk], match) for _s, _n, pk, match in top if pk in by_pk]


# --- Proposals ----------------------------------------------------------------------------------------------------


class ProposalRefused(Exception):
    pass


def volunteers_of(village: Village):
    return [
        role.user
        for role in Role.objects.filter(village=village, kind=RoleKind.VOLUNTEER, user__is_active=True).select_related(
            "user"
        )
    ]


@transaction.atomic
def send_proposal(
    household: Household, villages: list[Village], offers: list[HousingOffer], message: str, actor
) -> Proposal:
    """Send a selection to the prospect (email in their language with their personal link), write the timeline, and
    tell the committees of the villages concerned if the prospect agreed to sharing."""
    contact = household.main_contact
    if contact is None or not contact.email:
        raise ProposalRefused("no email")
    if not villages and not offers:
        raise ProposalRefused("nothing selected")
    ranking = rank_for_household(household)
    matches = {(m.kind, m.id): m for m in ranking.villages + ranking.offers}
    proposal = Proposal.objects.create(
        territory=household.territory,
        household=household,
        sent_by=actor,
        sent_to=contact.email,
        language=household.language,
        message=message,
    )
    with translation.override(household.language):
        items = []
        for kind, things in (("village", villages), ("offer", offers)):
            for thing in things:
                match = matches.get((kind, thing.pk))
                items.append(
                    ProposalItem(
                        proposal=proposal,
                        village=thing if kind == "village" else None,
                        offer=thing if kind == "offer" else None,
                        score=match.score if match else 0,
                        reasons=prospect_reasons(match) if match else [],
                    )
                )
        ProposalItem.objects.bulk_create(items)
    with translation.override(household.language):
        link = settings.SITE_URL + proposal.answer_url()
    send_email(
        contact.email,
        "housing-proposal",
        {
            "first_name": contact.first_name,
            "territory": household.territory,
            "villages": villages,
            "offers": offers,
            "message": message,
            "link": link,
            "advisor": actor,
        },
        language=household.language,
    )
    names = [v.name for v in villages] + [f"{o.title} ({o.village.name})" for o in offers]
    with translation.override(settings.LANGUAGE_CODE):
        household.record(
            Interaction.Kind.PROPOSAL,
            translation.gettext("Proposal sent by email: %(items)s") % {"items": "; ".join(names)},
            author=actor,
            data={"proposal": proposal.pk},
        )
    Household.objects.filter(pk=household.pk).update(last_contact_on=timezone.localdate())
    log_action(actor, "proposal.sent", household, {"proposal": proposal.pk, "items": names})
    if has_consent(household, "sharing"):
        concerned = {v.pk: v for v in villages} | {o.village_id: o.village for o in offers}
        for village in concerned.values():
            tell_committee(
                village,
                "housing-proposal-committee",
                # No name yet: the consent covers the villages they are interested in, which they will answer.
                {"offers": [o for o in offers if o.village_id == village.pk]},
            )
    return proposal


def prospect_reasons(match: matching.Match) -> list[dict]:
    """The reasons shown to the prospect with an item, as codes and values: worded in the language of the page that
    shows them (ProposalItem.reason_texts). "Nothing known" says nothing to them."""
    return [
        {"code": reason.code, "good": reason.good, "values": list(reason.values)}
        for reason in match.reasons
        if not reason.code.startswith("nothing_known")
    ]


def tell_committee(village: Village, email: str, context: dict) -> int:
    """Email each volunteer of `village` (only call it for households who agreed to sharing)."""
    url = settings.SITE_URL + reverse("prospects:village_list", args=[village.territory.code, village.slug])
    volunteers = volunteers_of(village)
    for user in volunteers:
        send_email_to_user(user, email, {"village": village, "url": url, **context})
    return len(volunteers)


@transaction.atomic
def record_answers(proposal: Proposal, answers: dict[int, tuple[str, str]]) -> list[ProposalItem]:
    """Store the prospect's answers {item id: (answer, comment)}; a new village of interest is added to the file;
    the timeline says what they answered and the committees (with consent) hear of the interest."""
    household = proposal.household
    now = timezone.now()
    changed = []
    items = proposal.items.select_related("village__territory", "offer__village__territory")
    for item in items:
        if item.pk not in answers:
            continue
        answer, comment = answers[item.pk]
        if answer not in (Answer.INTERESTED, Answer.NOT_INTERESTED):
            continue
        if item.answer == answer and item.comment == comment:
            continue
        item.answer, item.comment, item.answered_at = answer, comment, now
        item.save(update_fields=["answer", "comment", "answered_at"])
        changed.append(item)
    if not changed:
        return []
    interested = [item for item in changed if item.answer == Answer.INTERESTED]
    new_places = [item.place for item in interested]
    if new_places:
        household.villages_of_interest.add(*new_places)
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            f"{item}: {item.get_answer_display().lower()}" + (f" — « {item.comment} »" if item.comment else "")
            for item in changed
        ]
        household.record(
            Interaction.Kind.PROPOSAL,
            translation.gettext("Answer to the proposal of %(date)s:")
            % {"date": timezone.localtime(proposal.sent_at).strftime("%d/%m/%Y")}
            + "\n"
            + "\n".join(lines),
            data={"proposal": proposal.pk, "answers": {item.pk: item.answer for item in changed}},
        )
    Household.objects.filter(pk=household.pk).update(last_contact_on=timezone.localdate())
    log_action(None, "proposal.answered", household, {"proposal": proposal.pk, "answers": len(changed)})
    tell_advisor(
        household,
        FileNews.Kind.PROPOSAL_ANSWERED,
        detail=", ".join(str(item) for item in changed),
        proposal=proposal.pk,
    )
    if interested and has_consent(household, "sharing"):
        first_name = household.main_contact.first_name if household.main_contact else ""
        by_village: dict[int, list[ProposalItem]] = {}
        for item in interested:
            by_village.setdefault(item.place.pk, []).append(item)
        for village_items in by_village.values():
            village = village_items[0].place
            tell_committee(
                village,
                "housing-interest-committee",
                {"household": household, "first_name": first_name, "items": village_items},
            )
    return changed


# --- Offers not updated: the village's volunteers are asked to confirm them ---------------------------------------


def remind_stale_offers(now=None) -> int:
    """Ask the volunteers of each village to confirm (or update) its offers not updated for 60 days, and again every
    30 days while nobody does. Each offer is claimed before its email goes, so that two workers never send it twice.
    Returns the number of emails queued."""
    now = now or timezone.now()
    due = Q(reminder_sent_at__isnull=True) | Q(reminder_sent_at__lt=now - timedelta(days=REMIND_AGAIN_DAYS))
    claimed: dict[int, list[HousingOffer]] = {}
    for offer in HousingOffer.objects.stale(now).filter(due).select_related("village__territory", "created_by"):
        if HousingOffer.objects.filter(pk=offer.pk).filter(due).update(reminder_sent_at=now):
            claimed.setdefault(offer.village_id, []).append(offer)
    sent = 0
    for offers in claimed.values():
        village = offers[0].village
        recipients = volunteers_of(village)
        if not recipients:
            recipients = [o.created_by for o in offers[:1] if o.created_by and o.created_by.is_active]
        for user in recipients:
            links = [(offer, settings.SITE_URL + offer.get_absolute_url()) for offer in offers]
            send_email_to_user(user, "housing-confirm-offers", {"village": village, "offers": links})
            sent += 1
    return sent
