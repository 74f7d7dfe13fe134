"""The club in a real browser: the directory and its map on a phone, a member's space, and an introduction from the
advisor's side to the member's answer — every page checked with axe and for sideways scrolling."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, assert_accessible, assert_no_sideways_scroll, shot, sign_in

SMALL_PHONE = {"width": 375, "height": 800}


@pytest.fixture
def small_phone(browser):
    context, page = _new_page(browser, SMALL_PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


def make_network(world):
    from sohosolo.network.models import MemberProfile, Partner, PartnerContact, Skill
    from sohosolo.privacy.consents import record_consents
    from sohosolo.prospects.models import Household, Person

    profile = MemberProfile.objects.create(
        user=world.users["member"],
        territory=world.territory_a,
        visibility="public",
        activity="freelancer",
        headline="Web designer",
        commune_id="32208",
        bio="Settled in Lectoure in 2019.",
        member_since=date(2019, 5, 1),
        is_mentor=True,
        mentor_topics="Freelancing from a village",
    )
    profile.skills.set(Skill.from_names(["Web design", "Photography"]))
    profile.refresh_search_text()
    partner = Partner.objects.create(
        territory=world.territory_a, name="Soulé & Associés", kind="accountant", services="Premier rendez-vous offert"
    )
    PartnerContact.objects.create(partner=partner, full_name="Nathalie", user=world.users["partner"])
    household = Household.objects.create(territory=world.territory_a, activity="freelancer")
    Person.objects.create(
        household=household, is_main_contact=True, first_name="Hélène", last_name="Léger", email="helene@example.fr"
    )
    record_consents(household, {"follow_up": True}, "fr", source="test")
    return profile, household


def test_directory_with_its_map_on_a_small_phone(live_world, small_phone, live_server):
    make_network(live_world)
    page = small_phone
    page.goto(live_server.url + "/club/")
    expect(page.get_by_role("heading", name="Thomas Member")).to_be_visible()
    page.locator("#village-map").wait_for()
    expect(page.locator("#village-map")).to_have_attribute("data-markers", "1")
    assert_accessible(page)
    assert_no_sideways_scroll(page, "the directory")
    shot(page, "network-directory-phone")
    page.locator("#id_skill").fill("photo")
    page.locator("form.filters-form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Thomas Member")).to_be_visible()
    page.get_by_role("link", name="Thomas Member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thomas Member")
    assert_accessible(page)
    assert_no_sideways_scroll(page, "a member's profile")
    page.goto(live_server.url + "/partenaires/")
    expect(page.get_by_text("Premier rendez-vous offert")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page, "the partners page")
    shot(page, "network-partners-phone")


def test_advisor_introduces_a_prospect_and_the_member_accepts(live_world, page, browser, live_server):
    from django.core import mail

    profile, household = make_network(live_world)
    sign_in(page, live_server, live_world.users["advisor_a"])
    page.goto(f"{live_server.url}/territoires/gers/candidats/{household.pk}/")
    page.get_by_role("link", name="Mettre en relation avec un membre ou un partenaire").click()
    assert_accessible(page)
    shot(page, "network-introduce")
    page.get_by_label("Parrainage").check()
    page.get_by_label("Membre du club").select_option(str(profile.pk))
    page.get_by_label("Objet").fill("Se lancer en indépendant à Lectoure")
    page.get_by_role("button", name="Proposer la mise en relation").click()
    page.wait_for_url(re.compile(rf"/candidats/{household.pk}/$"))
    expect(page.locator("#introductions-title + ul")).to_contain_text("Thomas Member")

    # The prospect answers from the link in the email, on a phone.
    link = next(m for m in mail.outbox if m.to == ["helene@example.fr"])
    answer = re.search(r"https?://\S*/mise-en-relation/\S+", link.body).group(0)
    context, prospect = _new_page(browser, {"width": 375, "height": 800}, is_mobile=True, has_touch=True)
    prospect.goto(re.sub(r"^https?://[^/]+", live_server.url, answer))
    assert_accessible(prospect)
    assert_no_sideways_scroll(prospect, "the prospect's answer page")
    prospect.get_by_role("button", name="J'accepte").click()
    expect(prospect.get_by_role("status")).to_contain_text("Vous avez accepté")
    shot(prospect, "network-answer-phone")
    context.close()

    # The member accepts in their space (in English, their language).
    context, member = _new_page(browser, {"width": 1280, "height": 900})
    sign_in(member, live_server, live_world.users["member"])
    member.goto(live_server.url + "/en/club/mises-en-relation/")
    assert_accessible(member)
    member.get_by_role("link", name="Hélène").click()
    member.get_by_role("button", name="Accept").click()
    expect(member.get_by_text("helene@example.fr")).to_be_visible()
    assert_accessible(member)
    shot(member, "network-member-introduction")
    context.close()

    page.reload()
    expect(page.locator("main")).to_contain_text("acceptée par les deux parties")
