"""A visitor's journey through the real pages, in a real browser: language switch, sign-in, keyboard, phone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, pass_second_factor, shot
from tests.conftest import PASSWORD


def test_visitor_switches_to_english_and_an_advisor_signs_in(live_world, page, live_server):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_be_visible()
    shot(page, "home-fr-desktop")
    assert_accessible(page)

    page.get_by_role("button", name="English").click()
    page.wait_for_url(live_server.url + "/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Work from home")
    shot(page, "home-en-desktop")
    assert_accessible(page)

    page.get_by_role("navigation").get_by_role("link", name="Sign in").click()
    page.wait_for_url(re.compile(r"/en/compte/connexion/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    shot(page, "login-en-desktop")
    assert_accessible(page)

    page.locator("input[name=username]").fill(live_world.users["advisor_a"].email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    pass_second_factor(page, live_world.users["advisor_a"])
    page.wait_for_url(re.compile(r"/en/espace/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    roles = page.locator("section", has=page.get_by_role("heading", name="Your roles"))
    expect(roles).to_contain_text("Advisor")
    expect(roles).to_contain_text("Soho Solo Gers")
    expect(roles).not_to_contain_text("Soho Solo Lot")
    shot(page, "staff-home-en-desktop")
    assert_accessible(page)


def test_french_sign_in_page_is_accessible(live_world, page, live_server):
    page.goto(live_server.url + "/compte/connexion/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shot(page, "login-fr-desktop")
    assert_accessible(page)


def test_first_tab_reaches_the_skip_link_and_enter_moves_focus_to_main(live_world, page, live_server):
    for path, lang in (("/", "fr"), ("/en/", "en")):
        page.goto(live_server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        page.keyboard.press("Tab")
        skip = page.locator("a.skip-link")
        expect(skip).to_be_focused()
        expect(skip).to_be_visible()  # shown on focus, not only to screen readers
        expect(skip).to_have_attribute("href", "#main")
        if lang == "en":
            expect(skip).to_have_text("Skip to content")
        shot(page, f"skip-link-{lang}-desktop")
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()


def test_home_page_fits_a_phone_screen(live_world, phone_page, live_server):
    page = phone_page
    for path, lang in (("/", "fr"), ("/en/", "en"), ("/en/compte/connexion/", "en"), ("/compte/connexion/", "fr")):
        page.goto(live_server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"{path} scrolls sideways on a phone: {scroll_width}px > {inner_width}px"
        name = "home" if path in ("/", "/en/") else "login"
        shot(page, f"{name}-{lang}-phone")
        assert_accessible(page)


def test_signed_in_staff_home_fits_a_phone_screen(live_world, phone_page, live_server):
    page = phone_page
    page.goto(live_server.url + "/compte/connexion/")
    page.locator("input[name=username]").fill(live_world.users["advisor_a"].email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    pass_second_factor(page, live_world.users["advisor_a"])
    page.wait_for_url(re.compile(r"/espace/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("main")).to_contain_text("Soho Solo Gers")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, (
        f"the staff home scrolls sideways on a phone: {scroll_width}px > {inner_width}px"
    )
    shot(page, "staff-home-fr-phone")
    assert_accessible(page)
