"""Welcome committees in a real browser: a volunteer records a visit on a 375-px phone and the advisor reads it in the
prospect's timeline; a newcomer's welcome checklist ticked on the phone; the advisor refers a prospect; the team's
figures."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll, shot, sign_in

PHONE_375 = {"width": 375, "height": 812}


def phone(browser):
    context = browser.new_context(
        locale="fr-FR", viewport=PHONE_375, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def shared_household(world):
    from sohosolo.privacy.consents import record_consents
    from sohosolo.prospects.models import Household, Person

    household = Household.objects.create(
        territory=world.territory_a, advisor=world.users["advisor_a"], activity="freelancer", current_town="Bristol"
    )
    Person.objects.create(household=household, is_main_contact=True, first_name="Hélène", last_name="Léger")
    household.villages_of_interest.add(world.village_a1)
    record_consents(household, {"follow_up": True, "sharing": True}, "fr", source="test")
    return household


def test_a_visit_recorded_on_a_phone_shows_in_the_prospects_timeline(live_world, browser, page, live_server):
    from sohosolo.committees.services import plan_visit

    household = shared_household(live_world)
    plan_visit(
        household,
        live_world.village_a1,
        timezone.now() - timedelta(hours=3),
        [live_world.users["volunteer_a1"]],
        "Maison de village, rue Nationale",
        live_world.users["advisor_a"],
    )
    context, mobile = phone(browser)
    try:
        sign_in(mobile, live_server, live_world.users["volunteer_a1"])
        mobile.get_by_role("link", name="Orientations, visites et nouveaux arrivants").click()
        expect(mobile.get_by_role("heading", level=1)).to_have_text("Le comité de Lectoure en action")
        assert_no_sideways_scroll(mobile, "the committee's page")
        assert_accessible(mobile)
        shot(mobile, "committees-dashboard-phone")

        mobile.locator("section", has_text="Visites à enregistrer").get_by_role(
            "link", name=re.compile("Hélène")
        ).click()
        expect(mobile.get_by_role("heading", level=1)).to_have_text("Visite de Lectoure")
        expect(mobile.get_by_text("Maison de village, rue Nationale")).to_be_visible()
        assert_no_sideways_scroll(mobile, "the visit page")
        assert_accessible(mobile)
        # Sent without an answer: the page says what is missing, nothing is recorded.
        mobile.get_by_role("button", name="Enregistrer la visite").tap()
        expect(mobile.get_by_text("Dites comment la visite s'est passée.")).to_be_visible()
        # A few taps.
        mobile.get_by_text("Bien passée", exact=True).tap()
        mobile.get_by_text("Très intéressés", exact=True).tap()
        mobile.get_by_label("Quelques mots").fill("Coup de cœur pour la maison de la rue Nationale")
        shot(mobile, "committees-visit-phone")
        mobile.get_by_role("button", name="Enregistrer la visite").tap()
        expect(mobile.get_by_text("Merci : la visite est enregistrée et le conseiller la verra.")).to_be_visible()
        assert_no_sideways_scroll(mobile, "the committee's page after recording")
    finally:
        context.close()

    sign_in(page, live_server, live_world.users["advisor_a"])
    page.goto(live_server.url + household.get_absolute_url())
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Visite de Lectoure")
    expect(timeline).to_contain_text("Bien passée ; intérêt : Très intéressés.")
    expect(timeline).to_contain_text("Coup de cœur pour la maison de la rue Nationale")
    expect(page.locator(".committee-panel")).to_contain_text("Bien passée, très intéressés")
    shot(page, "committees-prospect-panel-desktop")
    assert_accessible(page)


def test_a_newcomers_welcome_ticked_on_a_phone_is_seen_by_the_advisor(live_world, browser, page, live_server):
    from sohosolo.committees.services import create_welcome_checklist
    from sohosolo.prospects.models import Household

    household = shared_household(live_world)
    Household.objects.filter(pk=household.pk).update(
        stage="settled", settled_on=date(2026, 11, 2), settled_commune_id="32208", settled_people=2
    )
    household.refresh_from_db()
    create_welcome_checklist(household, live_world.village_a1)
    context, mobile = phone(browser)
    try:
        sign_in(mobile, live_server, live_world.users["volunteer_a1"])
        mobile.goto(live_server.url + "/territoires/gers/villages/lectoure/comite/")
        mobile.locator("section", has_text="Nouveaux arrivants").get_by_role("link", name=re.compile("Hélène")).click()
        expect(mobile.get_by_role("heading", level=1)).to_have_text("Accueil de Hélène à Lectoure")
        assert_no_sideways_scroll(mobile, "the welcome checklist")
        assert_accessible(mobile)
        item = mobile.locator("li", has_text="Présentation à la mairie")
        item.get_by_label("Quelques mots (facultatif)").fill("Reçus par le maire")
        item.get_by_role("button", name=re.compile("Marquer comme fait")).tap()
        expect(mobile.get_by_text("Fait : Présentation à la mairie.")).to_be_visible()
        shot(mobile, "committees-checklist-phone")
    finally:
        context.close()

    sign_in(page, live_server, live_world.users["advisor_a"])
    page.goto(live_server.url + household.get_absolute_url())
    expect(page.locator(".committee-panel")).to_contain_text("Présentation à la mairie — fait par Bernard Volunteer")
    expect(page.locator("ol.timeline")).to_contain_text("Reçus par le maire")


def test_the_advisor_refers_a_prospect_and_sees_the_committees_activity(live_world, page, live_server):
    household = shared_household(live_world)
    household.villages_of_interest.clear()
    sign_in(page, live_server, live_world.users["advisor_a"])
    page.goto(live_server.url + household.get_absolute_url())
    page.get_by_role("link", name="Orienter vers des villages").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Orienter")
    assert_accessible(page)
    page.get_by_label("Lectoure").check()
    page.get_by_label("Note pour le comité").fill("Cherchent une longère")
    shot(page, "committees-refer-desktop")
    page.get_by_role("button", name="Orienter").click()
    expect(page.get_by_text("Orienté vers Lectoure : les comités ont été prévenus par courriel.")).to_be_visible()
    expect(page.locator(".committee-panel")).to_contain_text("Lectoure")

    page.goto(live_server.url + "/territoires/gers/comites/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activité des comités")
    expect(page.locator("tr", has_text="Lectoure")).not_to_contain_text("silencieux")
    expect(page.locator("tr", has_text="Marciac")).to_contain_text("silencieux")
    assert_accessible(page)
    shot(page, "committees-activity-desktop")


def test_the_advisor_plans_a_visit_on_a_phone_village_first_then_its_volunteers(live_world, browser, live_server):
    from sohosolo.committees.models import Visit

    household = shared_household(live_world)
    context, mobile = phone(browser)
    try:
        sign_in(mobile, live_server, live_world.users["advisor_a"])
        mobile.goto(f"{live_server.url}/territoires/gers/candidats/{household.pk}/visite/")
        # Step one: the village only (the household's own chosen already), no volunteer listed yet.
        expect(mobile.locator("select[name=village]")).to_have_value("lectoure")
        expect(mobile.locator("input[name=guides]")).to_have_count(0)
        mobile.locator("form[method=get] button[type=submit]").tap()
        # Step two: that village's volunteers only.
        expect(mobile.locator("input[name=guides]")).to_have_count(1)
        expect(mobile.get_by_text("Monique Volunteer")).to_have_count(0)
        assert_no_sideways_scroll(mobile, "the advisor's visit form")
        assert mobile.evaluate("document.documentElement.scrollHeight") < 2500
        assert_accessible(mobile)
        shot(mobile, "committees-household-visit-phone")
        mobile.locator("input[name=starts_at]").fill(
            (timezone.localtime() + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
        )
        mobile.get_by_label("Bernard Volunteer").check()
        mobile.get_by_role("button", name="Prévoir la visite").tap()
        expect(mobile.locator(".committee-panel")).to_contain_text("Lectoure")
    finally:
        context.close()
    visit = Visit.objects.get()
    assert visit.village == live_world.village_a1 and list(visit.guides.all()) == [live_world.users["volunteer_a1"]]
