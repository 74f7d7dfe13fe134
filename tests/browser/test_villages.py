"""The partner villages in a real browser: the public list with its Leaflet map and filters, a village's page, the
offline SVG map, and a volunteer editing their village's page. There is no internet: tile requests are made to fail at
once, the map then says so and still places its markers."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, shot
from tests.conftest import PASSWORD

TILES = "**/tile.openstreetmap.org/**"


def no_tiles(page) -> None:
    """Tile requests fail at once (as offline), so that the map's notice shows up deterministically and fast."""
    page.route(TILES, lambda route: route.abort())


def assert_no_sideways_scroll(page, what: str) -> None:
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{what} scrolls sideways: {scroll_width}px > {inner_width}px"


def test_public_list_shows_the_villages_on_the_map_and_filters_them(live_world, page, live_server):
    no_tiles(page)
    page.goto(live_server.url + "/villages/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator('#village-map[data-markers="3"]')).to_be_attached()
    expect(page.locator("#village-map .leaflet-interactive")).to_have_count(3)
    expect(page.locator("#village-map + p.map-notice")).to_be_visible()
    cards = page.locator("ul.village-cards > li.card h3 a")
    expect(cards).to_have_text(["Lectoure", "Marciac", "Martel"])
    expect(cards.first).to_have_attribute("href", "/villages/gers/lectoure/")
    # The offline maps are offered for each territory with public villages.
    expect(page.locator('a[href="/villages/gers/carte.svg"]')).to_have_count(1)
    expect(page.locator('a[href="/villages/lot/carte.svg"]')).to_have_count(1)
    shot(page, "villages-fr-desktop")
    assert_accessible(page)

    page.locator("select[name=size]").select_option("small")  # fewer than 500 inhabitants: none in the world
    page.locator("form.filters-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/villages/\?.*size=small"))
    expect(page.locator("select[name=size]")).to_have_value("small")
    expect(page.locator("ul.village-cards > li.card")).to_have_count(0)
    expect(page.locator("ul.village-cards > li.notice")).to_be_visible()
    expect(page.locator('#village-map[data-markers="0"]')).to_be_attached()
    expect(page.locator("#village-map .leaflet-interactive")).to_have_count(0)
    shot(page, "villages-fr-desktop-filtered-empty")
    assert_accessible(page)


def test_english_village_page_shows_distances_and_its_place_on_the_map(live_world, page, live_server):
    no_tiles(page)
    page.goto(live_server.url + "/en/villages/gers/lectoure/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lectoure")
    distances = page.locator("section", has=page.get_by_role("heading", name="Distances as the crow flies"))
    expect(distances).to_be_visible()
    expect(distances.locator("li", has_text="Auch")).to_have_text(re.compile(r"Auch: \d+ km"))
    expect(page.locator('#village-map[data-markers="1"]')).to_be_attached()
    expect(page.locator("#village-map .leaflet-interactive")).to_have_count(1)
    expect(page.locator("#village-map + p.map-notice")).to_be_visible()
    expect(page.locator('a[href="/en/villages/gers/carte.svg"]')).to_have_count(1)
    shot(page, "village-lectoure-en-desktop")
    assert_accessible(page)


def test_offline_svg_map_links_to_the_public_pages_of_the_villages(live_world, page, live_server):
    response = page.goto(live_server.url + "/villages/gers/carte.svg")
    assert response is not None and response.ok
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = response.text()
    assert svg.lstrip().startswith(("<svg", "<?xml"))
    assert 'href="/villages/gers/lectoure/"' in svg
    assert 'href="/villages/gers/marciac/"' in svg
    assert "/villages/lot/martel/" not in svg  # another territory's village
    # The browser renders it as an image with links to follow.
    expect(page.locator('svg a[href="/villages/gers/lectoure/"]')).to_have_count(1)
    # Chromium cannot take a full-page screenshot of a bare SVG document: show it as the image it is meant to be.
    page.goto(live_server.url + "/villages/")
    page.evaluate("""() => new Promise((resolve, reject) => {
        const img = new Image();
        img.onload = resolve;
        img.onerror = () => reject(new Error("the SVG map does not load as an image"));
        img.alt = "";
        img.src = "/villages/gers/carte.svg";
        document.body.replaceChildren(img);
    })""")
    assert page.locator("body > img").evaluate("img => img.naturalWidth") > 0
    shot(page, "villages-gers-map-svg")


def test_volunteer_edits_the_village_page_and_the_public_sees_it(live_world, page, live_server):
    no_tiles(page)
    presentation = "Bastide gasconne perchée sur son éperon, marché le vendredi et cafés en terrasse."
    page.goto(live_server.url + "/compte/connexion/")
    page.locator("input[name=username]").fill(live_world.users["volunteer_a1"].email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/espace/$"))

    page.goto(live_server.url + "/territoires/gers/villages/lectoure/modifier/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lectoure")
    shot(page, "village-edit-fr-desktop")
    assert_accessible(page)

    page.locator("textarea[name=presentation_fr]").fill(presentation)
    page.locator("input[name=has_coworking]").check()
    page.locator("main form button.primary[type=submit]").click()
    page.wait_for_url(live_server.url + "/territoires/gers/villages/lectoure/")
    expect(page.locator(".messages .message-success")).to_contain_text("Lectoure")
    shot(page, "village-committee-fr-desktop")
    assert_accessible(page)

    page.goto(live_server.url + "/villages/gers/lectoure/")
    main = page.get_by_role("main")
    expect(main).to_contain_text(presentation)
    expect(main.locator(".tags .tag")).to_have_text([re.compile(r"^(Espace de coworking|Coworking space)$")])
    shot(page, "village-lectoure-fr-desktop")
    assert_accessible(page)

    # The list shows the new service on the village's card, and the service filter now finds it alone.
    page.goto(live_server.url + "/villages/?service=has_coworking")
    expect(page.locator("ul.village-cards > li.card h3 a")).to_have_text(["Lectoure"])
    expect(page.locator("ul.village-cards > li.card .tags .tag")).to_have_count(1)
    expect(page.locator("input[name=service][value=has_coworking]")).to_be_checked()
    expect(page.locator('#village-map[data-markers="1"]')).to_be_attached()
    shot(page, "villages-fr-desktop-coworking")
    assert_accessible(page)

    # The English page falls back on the French presentation.
    page.goto(live_server.url + "/en/villages/gers/lectoure/")
    expect(page.get_by_role("main")).to_contain_text(presentation)
    expect(page.get_by_role("main").locator(".tags .tag")).to_have_text(["Coworking space"])


def test_village_list_and_page_fit_a_phone_screen(live_world, phone_page, live_server):
    page = phone_page
    no_tiles(page)
    for path, lang, markers, name in (
        ("/villages/", "fr", 3, "villages-fr-phone"),
        ("/en/villages/", "en", 3, "villages-en-phone"),
        ("/villages/gers/lectoure/", "fr", 1, "village-lectoure-fr-phone"),
    ):
        page.goto(live_server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator(f'#village-map[data-markers="{markers}"]')).to_be_attached()
        expect(page.locator("#village-map + p.map-notice")).to_be_visible()
        box = page.locator("#village-map").bounding_box()
        assert box is not None and box["height"] >= 200, f"the map of {path} is too small on a phone: {box}"
        assert_no_sideways_scroll(page, f"{path} on a phone")
        shot(page, name)
        assert_accessible(page)
