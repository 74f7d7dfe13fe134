"""The personal space in a real browser on a 375-px phone: ask for a link, open it, read the data, withdraw a consent;
the managers' pages (rights request, access log) and the legal pages, each checked with axe."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, assert_accessible, assert_no_sideways_scroll, shot, sign_in
from tests.privacy_helpers import EMAIL, full_household, link_from

SMALL_PHONE = {"width": 375, "height": 800}


@pytest.fixture
def small_phone(browser):
    context, page = _new_page(browser, SMALL_PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


def check(page, name: str) -> None:
    assert_no_sideways_scroll(page, name)
    shot(page, f"privacy-{name}")
    assert_accessible(page)


def test_prospect_opens_their_space_on_a_phone(live_world, small_phone, live_server):
    from sohosolo.privacy.consents import has_consent

    household = full_household(live_world)
    page = small_phone
    page.goto(live_server.url + "/mon-espace/")
    check(page, "space-ask")
    page.get_by_label(re.compile("adresse e-mail", re.I)).fill(EMAIL)
    page.locator("main button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("messagerie|e-mail|courriel", re.I))
    check(page, "space-sent")
    page.goto(live_server.url + link_from(mail.outbox[-1]))
    check(page, "space-open")
    page.locator("main button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gwendoline")
    check(page, "space")
    page.get_by_role("link", name="Lire mes données").click()
    page.wait_for_url("**/mon-espace/mes-donnees/")
    expect(page.locator("main")).to_contain_text(EMAIL)
    check(page, "space-data")
    page.go_back()
    page.get_by_role("button", name=re.compile("Retirer mon consentement.*comités")).click()
    expect(page.locator(".messages")).to_contain_text("retiré")
    assert not has_consent(household, "sharing")
    page.get_by_role("link", name="Mettre à jour mon projet").click()
    page.wait_for_url("**/mon-espace/projet/")  # the next page, loaded, before it is measured
    check(page, "space-project")
    page.get_by_role("link", name="Annuler").click()
    page.wait_for_url("**/mon-espace/")
    page.get_by_role("link", name="Demander la suppression de mon dossier").click()
    page.wait_for_url("**/mon-espace/suppression/")
    check(page, "space-erase")


def test_manager_pages_and_legal_pages(live_world, page, live_server):
    from sohosolo.privacy.models import RightsRequest

    household = full_household(live_world)
    request = RightsRequest.objects.create(territory=live_world.territory_a, household=household, kind="erasure")
    for path, name in (("/confidentialite/", "notice"), ("/mentions-legales/", "legal"), ("/accessibilite/", "a11y")):
        page.goto(live_server.url + path)
        check(page, name)
    sign_in(page, live_server, live_world.users["manager_a"])
    page.goto(f"{live_server.url}/territoires/gers/droits/")
    check(page, "requests")
    page.goto(f"{live_server.url}/territoires/gers/droits/{request.pk}/")
    check(page, "request")
    page.goto(f"{live_server.url}/territoires/gers/journal/")
    check(page, "access-log")
    page.goto(f"{live_server.url}/territoires/gers/droits/nouvelle/")
    check(page, "request-form")
