"""Prospects in a real browser: a visitor sends their settling project, an advisor finds the file, writes in its
timeline and plans a follow-up without leaving the page (htmx), their day and the board by stage, and a phone screen.

The public form refuses what is sent less than 4 seconds after the page was loaded (a robot's speed): the tests wait a
little longer than that before sending it, as a person would."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll, shot, sign_in
from tests.factories import make_household

FORM_FILL_WAIT_MS = 4500  # the form's minimum filling time (MIN_FILL_SECONDS = 4), and a margin


def fill_application(page) -> None:
    page.locator("input[name=first_name]").fill("Hélène")
    page.locator("input[name=last_name]").fill("Léger")
    page.locator("input[name=email]").fill("helene.leger@example.co.uk")
    page.locator("input[name=consent_follow_up]").check()
    page.locator("input[name=consent_sharing]").check()
    page.get_by_label("Lectoure", exact=True).check()


def test_visitor_sends_their_project_in_english_and_a_missing_consent_is_explained(live_world, page, live_server):
    from sohosolo.prospects.models import Household

    form_url = live_server.url + "/en/mon-projet/gers/"
    page.goto(form_url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My settling project")
    expect(page.locator("input[name=language]:checked, select[name=language]")).to_have_value("en")
    fill_application(page)
    expect(page.get_by_label("Lectoure", exact=True)).to_be_checked()
    shot(page, "apply-en-desktop")
    assert_accessible(page)

    page.wait_for_timeout(FORM_FILL_WAIT_MS)
    page.locator("form.application-form button[type=submit]").click()
    page.wait_for_url(form_url + "merci/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your project is on its way")
    shot(page, "applied-en-desktop")
    assert_accessible(page)

    household = Household.objects.get()
    assert household.territory == live_world.territory_a and household.language == "en"
    assert [v.name for v in household.villages_of_interest.all()] == ["Lectoure"]
    assert household.members.get(is_main_contact=True).full_name == "Hélène Léger"

    # Again, without the agreement to be followed: the page says so at the top and next to the box.
    page.goto(form_url)
    fill_application(page)
    page.locator("input[name=consent_follow_up]").uncheck()
    page.wait_for_timeout(FORM_FILL_WAIT_MS)
    page.locator("form.application-form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page).to_have_url(form_url)
    expect(page.get_by_role("alert").first).to_contain_text("Some answers need a look")
    consent = page.locator("fieldset.consents")
    consent_error = consent.locator(
        ".check.consent:has(input[name=consent_follow_up]) + .errorlist, "
        ".check.consent:has(input[name=consent_follow_up]) .errorlist"
    )
    expect(consent_error).to_have_text("We can follow your project only with this agreement.")
    # Screen readers hear the message with the box: it is marked invalid and described by the message.
    follow_up_box = page.locator("input[name=consent_follow_up]")
    expect(follow_up_box).to_have_attribute("aria-invalid", "true")
    error_id = consent_error.get_attribute("id")
    assert error_id and error_id in (follow_up_box.get_attribute("aria-describedby") or "").split()
    expect(page.locator(".errorlist")).to_have_count(1)  # only this mistake: the rest was right
    # What was typed is kept.
    expect(page.locator("input[name=first_name]")).to_have_value("Hélène")
    expect(page.locator("input[name=consent_sharing]")).to_be_checked()
    shot(page, "apply-en-desktop-errors")
    assert_accessible(page)
    assert Household.objects.count() == 1


def test_advisor_finds_the_file_and_fills_its_timeline_without_reloading(live_world, page, live_server):
    household = make_household(live_world.territory_a, advisor=live_world.users["advisor_a"])
    advisor = live_world.users["advisor_a"]
    sign_in(page, live_server, advisor)

    list_url = live_server.url + "/territoires/gers/candidats/"
    page.goto(list_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Prospects|Candidats"))
    shot(page, "prospects-list-desktop")
    assert_accessible(page)

    search = page.get_by_role("search")
    search.locator("input[name=q]").fill("helene")
    search.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/territoires/gers/candidats/\?.*q=helene"))
    file_link = page.locator("table tbody a", has_text="Hélène Léger")
    expect(file_link).to_have_count(1)
    shot(page, "prospects-list-search-desktop")
    file_link.click()

    file_url = live_server.url + household.get_absolute_url()
    page.wait_for_url(file_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hélène Léger")
    shot(page, "prospect-file-desktop")
    assert_accessible(page)

    # Set a mark on the page: a full reload would wipe it out.
    page.evaluate("window.__sameDocument = true")
    timeline = page.locator("#timeline")
    summary = "Premier appel : projet solide, visite de Lectoure en mai."
    exchange = timeline.locator("form", has=page.locator("textarea[name=summary]"))
    exchange.locator("select[name=kind]").select_option("call")
    exchange.locator("textarea[name=summary]").fill(summary)
    exchange.get_by_role("button", name=re.compile(r"Add to the timeline|Ajouter à l.historique")).click()
    expect(timeline.locator("ol.timeline")).to_contain_text(summary)
    expect(page.locator("#timeline textarea[name=summary]")).to_have_value("")  # a fresh form for the next one
    assert page.url == file_url
    assert page.evaluate("window.__sameDocument === true"), "adding an exchange reloaded the page"

    due = timezone.localdate() + timedelta(days=3)
    title = "Envoyer la liste des villages"
    follow_up = page.locator("#timeline form", has=page.locator("input[name=title]"))
    follow_up.locator("input[name=title]").fill(title)
    follow_up.locator("input[name=due_on]").fill(due.isoformat())
    follow_up.locator("select[name=assignee]").select_option(str(advisor.pk))
    follow_up.locator("button[type=submit]").click()
    item = page.locator("#timeline ul.follow-ups > li", has_text=title)
    expect(item).to_be_visible()
    expect(item).to_contain_text(due.strftime("%d/%m/%Y"))
    expect(item).not_to_have_class(re.compile(r"\bdone\b"))
    shot(page, "prospect-file-follow-up-desktop")

    item.get_by_role("button", name=re.compile(r"^(Done|Fait)\b")).click()
    expect(item).to_have_class(re.compile(r"\bdone\b"))
    expect(item).to_contain_text("✓")
    expect(item.get_by_role("button")).to_have_count(0)
    assert page.url == file_url
    assert page.evaluate("window.__sameDocument === true"), "marking the follow-up done reloaded the page"
    shot(page, "prospect-file-done-desktop")
    assert_accessible(page)

    household.refresh_from_db()
    follow_up_row = household.follow_ups.get()
    assert follow_up_row.done_at is not None and follow_up_row.done_by == advisor
    assert household.interactions.filter(kind="call", summary=summary).exists()


def test_my_day_and_the_board_by_stage_are_accessible(live_world, page, live_server):
    make_household(live_world.territory_a, advisor=live_world.users["advisor_a"])
    sign_in(page, live_server, live_world.users["advisor_a"])

    page.goto(live_server.url + "/espace/ma-journee/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    new = page.locator("section[aria-labelledby=new-title]")
    expect(new.get_by_role("link", name="Hélène Léger")).to_be_visible()
    shot(page, "my-day-desktop")
    assert_accessible(page)

    page.goto(live_server.url + "/territoires/gers/candidats/tableau/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    column = page.locator("section.board-column[aria-labelledby=column-new]")
    expect(column.get_by_role("heading", level=2)).to_contain_text(re.compile(r"New|Nouveau"))
    expect(column.get_by_role("link", name="Hélène Léger")).to_be_visible()
    expect(column.locator("select[name=stage]")).to_have_value("new")
    for other in ("first_interview", "follow_up", "visit"):
        expect(page.locator(f"section.board-column[aria-labelledby=column-{other}]")).not_to_contain_text("Hélène")
    shot(page, "prospects-board-desktop")
    assert_accessible(page)


def test_the_form_and_the_file_fit_a_phone_screen(live_world, phone_page, live_server):
    page = phone_page
    page.goto(live_server.url + "/en/mon-projet/gers/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("form.application-form")).to_be_visible()
    assert_no_sideways_scroll(page, "the application form on a phone")
    shot(page, "apply-en-phone")
    assert_accessible(page)

    page.goto(live_server.url + "/mon-projet/gers/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_no_sideways_scroll(page, "the French application form on a phone")
    shot(page, "apply-fr-phone")

    household = make_household(live_world.territory_a, advisor=live_world.users["advisor_a"])
    sign_in(page, live_server, live_world.users["advisor_a"])
    page.goto(live_server.url + household.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Hélène Léger")
    assert_no_sideways_scroll(page, "the prospect's file on a phone")
    shot(page, "prospect-file-phone")
    assert_accessible(page)

    page.goto(live_server.url + "/territoires/gers/candidats/")
    assert_no_sideways_scroll(page, "the prospects list on a phone")
    shot(page, "prospects-list-phone")


def test_an_advisor_opens_a_file_from_a_call_and_is_warned_of_a_duplicate_while_typing(live_world, page, live_server):
    """A call: the advisor types the caller's details; before saving, the page shows the file this person already
    has, and the advisor opens it instead. A second caller, new, gets a file in well under a minute."""
    import time

    from sohosolo.prospects.models import Household

    existing = make_household(live_world.territory_a, first_name="Élodie", last_name="Marchand", phone="0612345678")
    sign_in(page, live_server, live_world.users["advisor_a"])
    page.goto(live_server.url + "/territoires/gers/candidats/")
    page.get_by_role("link", name="Nouveau candidat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau candidat")
    page.get_by_label("Prénom *", exact=True).fill("Elodie")
    page.get_by_label("Nom *", exact=True).fill("Marchand")
    page.get_by_label("Téléphone").press_sequentially("06 12 34 56 78")
    warning = page.locator("#duplicates")
    expect(warning).to_contain_text("a peut-être déjà un dossier")
    shot(page, "new-prospect-duplicate")
    assert_accessible(page)
    warning.get_by_role("link").first.click()
    page.wait_for_url(live_server.url + existing.get_absolute_url())
    assert Household.objects.filter(members__last_name="Marchand").count() == 1

    started = time.monotonic()
    page.goto(live_server.url + "/territoires/gers/candidats/nouveau/")
    page.get_by_label("Prénom *", exact=True).fill("Yann")
    page.get_by_label("Nom *", exact=True).fill("Le Goff")
    page.get_by_label("Téléphone").fill("07 11 22 33 44")
    page.get_by_label("Ville où la personne habite").fill("Rennes")
    page.get_by_label("Première note").fill("Menuisier, cherche un atelier près de Condom.")
    page.locator("input[name=consent_follow_up]").check()
    expect(page.locator("#duplicates")).not_to_contain_text("dossier")
    page.get_by_role("button", name="Ouvrir le dossier").click()
    page.wait_for_url(re.compile(r"/territoires/gers/candidats/\d+/$"))
    assert time.monotonic() - started < 60
    expect(page.get_by_role("heading", level=1)).to_contain_text("Yann Le Goff")
    expect(page.locator("#timeline")).to_contain_text("Menuisier")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/territoires/gers/candidats/nouveau/?salon=1")
    assert_no_sideways_scroll(page, "the fair-mode entry form")
    shot(page, "new-prospect-fair-phone")
