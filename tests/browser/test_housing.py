"""Housing in a real browser: a volunteer publishes an offer from a phone, the public sees it without the owner's
contact, an advisor sends a selection from the matching page and the prospect answers from a phone."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from sohosolo.housing.models import HousingOffer, Proposal
from sohosolo.privacy.consents import record_consents
from sohosolo.prospects.models import Household, Person
from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll, shot, sign_in

OWNER_PHONE = "06 11 22 33 44"
PHONE_WIDTH = 390


def fits_the_phone(page, what: str) -> None:
    """No sideways scroll, measured against the phone's width (a mobile browser widens its layout to the content)."""
    assert_no_sideways_scroll(page, what)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} is {width}px wide on a {PHONE_WIDTH}px phone"


def test_volunteer_publishes_an_offer_from_a_phone(live_world, phone_page, live_server):
    page = phone_page
    sign_in(page, live_server, live_world.users["volunteer_a1"])
    page.goto(live_server.url + "/territoires/gers/logements/nouvelle/")
    fits_the_phone(page, "the offer form")
    assert_accessible(page)
    page.get_by_label("Titre").fill("Maison en pierre avec jardin")
    page.get_by_label("Location ou vente").select_option("rent")
    page.get_by_label("Type").select_option("house")
    page.get_by_label("Nombre de pièces").fill("4")
    page.get_by_label(re.compile(r"^Chambres")).fill("5")  # more bedrooms than rooms: said next to the field
    page.get_by_label("Surface habitable (m²)").fill("95")
    page.get_by_label("Prix (€)").fill("680")
    page.get_by_label("Classe énergie (DPE)").select_option("D")
    page.get_by_label("Description en français").fill("Belle maison au cœur du village, jardin clos.")
    page.get_by_label("Nom du propriétaire").fill("Jean Propriétaire")
    page.get_by_label("Téléphone du propriétaire").fill(OWNER_PHONE)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_text("plus de chambres que de pièces")).to_be_visible()
    shot(page, "housing-offer-form-phone-error")
    page.get_by_label(re.compile(r"^Chambres")).fill("3")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(r"/territoires/gers/logements/\d+/$"))
    page.get_by_label("Nouveau statut").select_option("available")
    page.get_by_role("button", name="Changer").click()
    expect(page.get_by_text("L'offre est maintenant : Disponible.")).to_be_visible()
    fits_the_phone(page, "the offer page")
    assert_accessible(page)
    shot(page, "housing-offer-detail-phone")

    page.context.clear_cookies()
    page.goto(live_server.url + "/logements/")
    expect(page.get_by_role("link", name="Maison en pierre avec jardin")).to_be_visible()
    assert OWNER_PHONE not in page.content()
    fits_the_phone(page, "the public listing")
    # The filters come before the results on a phone (they came after all of them).
    filters = page.locator(".filters-form").bounding_box()
    results = page.locator("#list-title").bounding_box()
    assert filters["y"] < results["y"]
    assert_accessible(page)
    shot(page, "housing-public-list-phone")
    page.get_by_role("link", name="Maison en pierre avec jardin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maison en pierre avec jardin")
    assert OWNER_PHONE not in page.content()
    assert_accessible(page)
    page.goto(live_server.url + "/villages/gers/lectoure/")
    expect(page.get_by_role("heading", name="Logements à louer ou à acheter")).to_be_visible()
    fits_the_phone(page, "the village page")
    assert HousingOffer.objects.get().status == "available"


def test_advisor_sends_a_selection_and_the_prospect_answers(live_world, page, phone_page, live_server):
    world = live_world
    offer = HousingOffer.objects.create(
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
        owner_phone=OWNER_PHONE,
        status="available",
    )
    household = Household.objects.create(
        territory=world.territory_a, stage="follow_up", tenure="rent", rooms=4, budget=700, language="en"
    )
    Person.objects.create(household=household, is_main_contact=True, first_name="Helen", email="helen@example.co.uk")
    record_consents(household, {"follow_up": True, "sharing": True}, "en", source="test")

    sign_in(page, live_server, world.users["advisor_a"])
    page.goto(live_server.url + f"/territoires/gers/candidats/{household.pk}/")
    page.get_by_role("link", name="Villages et logements pour eux").click()
    expect(page.get_by_text("Dans le budget : 650 € par mois pour 700 €")).to_be_visible()
    assert_accessible(page)
    shot(page, "housing-matching-desktop")
    page.get_by_label(re.compile(r"Maison de village, Lectoure")).check()
    page.get_by_label(re.compile(r"^Marciac")).check()
    page.get_by_label("Un mot pour le candidat").fill("Two ideas for your move.")
    page.get_by_role("button", name="Envoyer la proposition").click()
    expect(page.get_by_text("La proposition est envoyée au candidat par e-mail.")).to_be_visible()

    proposal = Proposal.objects.get()
    assert any(m.to == ["helen@example.co.uk"] for m in mail.outbox)
    phone = phone_page
    phone.goto(live_server.url + "/en" + proposal.answer_url())
    expect(phone.get_by_role("heading", level=1)).to_have_text("Villages and homes proposed to you")
    fits_the_phone(phone, "the answer page")
    assert_accessible(phone)
    shot(phone, "housing-answer-phone-en")
    phone.get_by_role("group", name=re.compile("Maison de village")).get_by_label("Interested", exact=True).check()
    phone.get_by_role("group", name=re.compile("Marciac")).get_by_label("Not interested").check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_text("Thank you, your answers are sent to your advisor.")).to_be_visible()

    page.goto(live_server.url + f"/territoires/gers/logements/{offer.pk}/")
    proposed = page.locator("section", has=page.get_by_role("heading", name="Proposée à"))
    expect(proposed).to_contain_text("Intéressé")
    page.goto(live_server.url + f"/territoires/gers/candidats/{household.pk}/")
    expect(page.get_by_text(re.compile("Réponse à la proposition du"))).to_be_visible()


def test_team_pages_are_accessible_on_a_phone(live_world, phone_page, live_server):
    page = phone_page
    HousingOffer.objects.create(
        village=live_world.village_a2,
        title="Ferme gersoise à rafraîchir avec dépendances et grand terrain",
        tenure="sale",
        kind="farmhouse",
        rooms=7,
        bedrooms=5,
        living_area_m2=210,
        price=265_000,
        description_fr="Une ferme.",
        owner_name="Marie Propriétaire",
        owner_phone=OWNER_PHONE,
        status="available",
        is_public=False,
    )
    sign_in(page, live_server, live_world.users["manager_a"])
    for path, name in [
        ("/territoires/gers/logements/", "list"),
        ("/territoires/gers/logements/ponderation/", "weights"),
    ]:
        page.goto(live_server.url + path)
        fits_the_phone(page, path)
        if name == "list":
            # Each row is a card: the status is on screen, not in a column scrolled out of sight.
            status = page.locator("td[data-label='Statut']").first.bounding_box()
            assert status["x"] + status["width"] <= PHONE_WIDTH
            expect(page.get_by_role("link", name="Pondération des critères")).to_be_visible()
        assert_accessible(page)
        shot(page, f"housing-{name}-phone")
    page.get_by_label(re.compile(r"^Budget")).fill("11")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_be_visible()
