"""Visits show the village's housing offers: planned by the committee or the advisor, named in the timeline, listed on
the offer's page, exported with the household's data."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from sohosolo.committees.models import Visit
from sohosolo.committees.services import plan_visit, record_visit
from sohosolo.housing.models import HousingOffer, Status
from sohosolo.privacy.personal_data import collect_household_data, erase_household_data
from sohosolo.prospects.models import Household, Interaction
from tests.factories import make_household
from tests.test_committees import ABOUT, committee_url


def make_offer(village, title="Maison de village", **fields) -> HousingOffer:
    values = {
        "title": title,
        "tenure": "rent",
        "kind": "house",
        "rooms": 4,
        "bedrooms": 3,
        "living_area_m2": 95,
        "price": 650,
        "owner_name": "Jean Propriétaire",
        "status": Status.AVAILABLE,
    }
    return HousingOffer.objects.create(village=village, **(values | fields))


def when(days: int = 3) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def offers(world):
    return {
        "house": make_offer(world.village_a1, "Maison en pierre près de l'école"),
        "farm": make_offer(world.village_a1, "Ferme à rénover", tenure="sale", price=185000, status=Status.RESERVED),
        "draft": make_offer(world.village_a1, "Brouillon", status=Status.DRAFT),
        "let": make_offer(world.village_a1, "Déjà louée", status=Status.LET),
        "marciac": make_offer(world.village_a2, "Appartement à Marciac"),
    }


def test_the_committee_plans_a_visit_with_offers_of_its_village_only(world, client_for, offers):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    household.villages_of_interest.add(world.village_a1)
    volunteer = client_for("volunteer_a1")
    page = volunteer.get(committee_url("visit_plan")).text
    # The village's open offers only (available or reserved), with their price.
    text = html.unescape(page)
    assert "Maison en pierre près de l'école — 650 €" in text and "Ferme à rénover — 185" in text
    for hidden in ("Brouillon", "Déjà louée", "Appartement à Marciac"):
        assert hidden not in text

    data = {"household": household.pk, "starts_at": when(), "guides": [world.users["volunteer_a1"].pk]}
    with translation.override("en"):
        english = committee_url("visit_plan")
    refused = volunteer.post(english, data | {"offers": [offers["marciac"].pk]})
    assert refused.status_code == 400 and not Visit.objects.exists()
    assert "This offer is not one of the open offers of Lectoure" in html.unescape(refused.text)
    assert volunteer.post(committee_url("visit_plan"), data | {"offers": [offers["draft"].pk]}).status_code == 400

    response = volunteer.post(
        committee_url("visit_plan"), data | {"offers": [offers["house"].pk, offers["farm"].pk], "homes": "Mairie"}
    )
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert set(visit.offers.all()) == {offers["house"], offers["farm"]} and visit.homes == "Mairie"
    entry = household.interactions.get(kind=Interaction.Kind.NOTE, data__visit=visit.pk)
    assert "Maison en pierre près de l'école (650 €" in entry.summary
    assert "Ferme à rénover (185" in entry.summary

    # The visit page lists them, linked to the offer's intranet page.
    page = html.unescape(volunteer.get(committee_url("visit", visit.pk)).text)
    assert offers["house"].get_absolute_url() in page and "Ferme à rénover" in page and "Mairie" in page

    # Recording the visit names the offers in the timeline too.
    record_visit(visit, "well", "high", "Coup de cœur pour la maison", world.users["volunteer_a1"])
    entry = household.interactions.get(kind=Interaction.Kind.VISIT)
    assert "Maison en pierre près de l'école" in entry.summary and "Coup de cœur" in entry.summary


def test_the_advisor_plans_a_visit_with_offers_of_the_chosen_village(world, client_for, offers):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    advisor = client_for("advisor_a")
    url = reverse("committees:household_visit", args=["gers", household.pk])
    # Only the chosen village's open offers are offered.
    page = html.unescape(advisor.get(url + "?village=marciac").text)
    assert "Appartement à Marciac — 650 €" in page and "Maison en pierre" not in page and "Brouillon" not in page
    page = html.unescape(advisor.get(url + "?village=lectoure").text)
    assert "Maison en pierre près de l'école" in page and "Appartement à Marciac" not in page
    data = {
        "village": world.village_a1.slug,
        "starts_at": when(5),
        "guides": [world.users["volunteer_a1"].pk],
        "offers": [offers["house"].pk, offers["marciac"].pk],
    }
    with translation.override("en"):
        english = reverse("committees:household_visit", args=["gers", household.pk])
    refused = advisor.post(english, data)
    assert refused.status_code == 400 and not Visit.objects.exists()
    assert "This offer is not one of the open offers of Lectoure: choose among the list." in html.unescape(refused.text)
    # An offer of another territory is not even a choice.
    other_territory = make_offer(world.village_b1, "Ailleurs")
    data["offers"] = [other_territory.pk]
    assert advisor.post(url, data).status_code == 400 and not Visit.objects.exists()

    data["offers"] = [offers["house"].pk]
    assert advisor.post(url, data).status_code == 302
    visit = Visit.objects.get()
    assert list(visit.offers.all()) == [offers["house"]]
    entry = household.interactions.get(kind=Interaction.Kind.NOTE, data__visit=visit.pk)
    assert "Maison en pierre près de l'école" in entry.summary
    # The guide's email lists the offer.
    (email,) = mail.outbox
    assert "Maison en pierre près de l'école" in email.body
    # The advisor sees it on the prospect's file.
    assert "Maison en pierre près de l'école" in html.unescape(advisor.get(household.get_absolute_url()).text)


def test_the_offer_page_lists_its_visits_for_the_team_and_its_village(world, client_for, offers):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    household.villages_of_interest.add(world.village_a1)
    visit = plan_visit(
        household, world.village_a1, timezone.now() + timedelta(days=2), [], "", None, offers=[offers["house"]]
    )
    url = offers["house"].get_absolute_url()
    team = html.unescape(client_for("advisor_a").get(url).text)
    assert 'id="offer-visits-title"' in team and "Hélène Léger" in team and household.get_absolute_url() in team
    committee = html.unescape(client_for("volunteer_a1").get(url).text)
    assert "Hélène" in committee and "Léger" not in committee
    assert committee_url("visit", visit.pk) in committee
    # Another village's volunteers see the offer, not who visits it.
    other = html.unescape(client_for("volunteer_a2").get(url).text)
    assert 'id="offer-visits-title"' not in other and "Hélène" not in other
    # A household that withdrew its sharing consent leaves the committee's list.
    from sohosolo.privacy.consents import record_consents

    record_consents(household, {"sharing": False}, "fr", source="test")
    assert "Hélène" not in client_for("volunteer_a1").get(url).text


def test_plan_visit_refuses_an_offer_of_another_village(world, offers):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    with pytest.raises(ValueError):
        plan_visit(household, world.village_a1, timezone.now(), [], "", None, offers=[offers["marciac"]])
    assert not Visit.objects.exists()


def test_the_export_names_the_offers_of_the_visits(world, offers):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    plan_visit(household, world.village_a1, timezone.now(), [], "", None, offers=[offers["house"], offers["farm"]])
    sections = dict(result for _receiver, result in collect_household_data.send(sender=Household, household=household))
    (visit,) = sections["committees"]["visits"]
    assert visit["offers"] == ["Ferme à rénover", "Maison en pierre près de l'école"]
    # Erasure keeps the link (the offer is the owner's, not the household's data); the visit stays for the figures.
    erase_household_data.send(sender=Household, household=household)
    assert Visit.objects.get().offers.count() == 2


def test_the_visit_page_reads_its_offers_in_one_query(world, client_for, offers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    household.villages_of_interest.add(world.village_a1)
    client = client_for("volunteer_a1")
    counts = []
    for linked in ([offers["house"]], [offers["house"], offers["farm"], make_offer(world.village_a1, "Studio")]):
        visit = plan_visit(household, world.village_a1, timezone.now(), [], "", None, offers=linked)
        client.get(committee_url("visit", visit.pk))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(committee_url("visit", visit.pk)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
