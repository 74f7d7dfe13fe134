"""Attendance in a real browser, on a small phone (375 px wide): an advisor taps "Present" at the door, the row changes
in place (htmx, no reload), and the prospect's file shows the attendance in its timeline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, assert_accessible, assert_no_sideways_scroll, shot, sign_in
from tests.factories import make_household

SMALL_PHONE = {"width": 375, "height": 800}


@pytest.fixture
def small_phone(browser):
    """A fresh 375×800 touch page, the narrowest screen the team uses at the door."""
    context, page = _new_page(browser, SMALL_PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


def test_advisor_takes_attendance_on_a_phone_and_the_timeline_shows_it(live_world, small_phone, live_server):
    from sohosolo.events.models import Event, Registration

    page = small_phone
    household = make_household(live_world.territory_a, advisor=live_world.users["advisor_a"])
    start = timezone.now() - timedelta(minutes=20)  # the meeting has just begun
    event = Event.objects.create(
        territory=live_world.territory_a,
        kind="info_meeting",
        title_fr="Réunion d'information",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        address="CCI du Gers, 1 place Jean-David",
        commune_id="32013",
        capacity=20,
    )
    helene = Registration.objects.create(
        event=event, name="Hélène Léger", email="helene.leger@example.fr", people=2, household=household
    )
    paul = Registration.objects.create(event=event, name="Paul-Alexandre Martin-Dupuis", email="paul@example.fr")

    sign_in(page, live_server, live_world.users["advisor_a"])
    url = f"{live_server.url}/territoires/gers/evenements/{event.pk}/presences/"
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    rows = page.locator("ul.attendance-list > li")
    expect(rows).to_have_count(2)
    assert_no_sideways_scroll(page, "the attendance page on a 375-px phone")
    shot(page, "attendance-phone")
    assert_accessible(page)

    page.evaluate("window.__sameDocument = true")  # a full reload would wipe it out
    row = page.locator(f"#registration-{helene.pk}")
    present = row.get_by_role("button", name=re.compile(r"^(Present|Présent)"))
    box = present.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 120, f"the button is too small to tap: {box}"
    present.tap()
    expect(row.get_by_role("button", name=re.compile(r"^(Present|Présent)"))).to_have_attribute("aria-pressed", "true")
    expect(row).to_have_class(re.compile(r"\battendance-present\b"))
    expect(row.locator(".attendance-state")).to_contain_text("✓")
    expect(page.locator("#attendance-counts .present dd")).to_have_text("1")
    expect(page.locator(f"#registration-{paul.pk}")).to_have_class(re.compile(r"\battendance-unmarked\b"))
    assert page.url == url
    assert page.evaluate("window.__sameDocument === true"), "marking present reloaded the page"
    assert_no_sideways_scroll(page, "the attendance page after a tap")
    shot(page, "attendance-phone-present")
    assert_accessible(page)

    helene.refresh_from_db()
    assert helene.attendance == "present"

    page.goto(live_server.url + household.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Hélène Léger")
    entry = page.locator("#timeline ol.timeline > li", has_text="Réunion d'information")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(re.compile(r"Attended|Participation|Présent|Event attended|Événement"))
    expect(entry).to_contain_text(timezone.localtime(start).strftime("%d/%m/%Y"))
    assert_no_sideways_scroll(page, "the prospect's file on a 375-px phone")
    shot(page, "attendance-prospect-timeline-phone")
