"""The results dashboard in a real browser: a manager opens the year's figures on a phone, reads a chart's table,
sets a goal and sees the progress; the pages pass axe-core and never scroll sideways."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll, shot, sign_in


def make_results(world) -> None:
    """A few files of the Gers: contacts through the year, two households settled in Lectoure."""
    from sohosolo.prospects.models import Household, Stage

    for month in range(1, 13):
        Household.objects.create(
            territory=world.territory_a, first_contact_on=date(2025, month, 10), source="website", activity="craft",
            current_country="France", current_town="Paris",
        )  # fmt: skip
    for people in (2, 4):
        Household.objects.create(
            territory=world.territory_a, first_contact_on=date(2025, 2, 1), stage=Stage.SETTLED,
            settled_on=date(2025, 6, 1), settled_commune_id="32208", settled_people=people,
            current_country="Royaume-Uni", current_town="Bristol",
        )  # fmt: skip


def test_manager_reads_the_results_on_a_phone_and_sets_a_goal(live_world, phone_page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = phone_page
    make_results(live_world)
    sign_in(page, live_server, live_world.users["manager_a"])
    page.goto(f"{live_server.url}/territoires/gers/resultats/?annee=2025")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("2025"))
    expect(page.locator("#figure-new-contacts .figure-value")).to_have_text("14")
    expect(page.locator("#figure-settled .figure-value")).to_have_text("2")
    assert_no_sideways_scroll(page, "the results dashboard on a phone")
    page.locator("details.chart-table summary").first.click()
    expect(page.get_by_role("table", name=re.compile("par mois"))).to_be_visible()
    shot(page, "results-dashboard-phone")
    assert_accessible(page)

    page.get_by_role("link", name="Objectifs par année").click()
    page.get_by_label("Année").fill("2025")
    page.get_by_label("Nouveaux contacts").fill("20")
    page.get_by_label("Familles installées").fill("4")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("cell", name=re.compile("2 sur 4"))).to_be_visible()
    assert_no_sideways_scroll(page, "the goals page on a phone")
    shot(page, "results-goals-phone")
    assert_accessible(page)

    page.goto(f"{live_server.url}/territoires/gers/resultats/?annee=2025")
    expect(page.get_by_text("2 familles installées sur les 4 visées pour 2025 : 50 %.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("XLSX").check()
    page.get_by_label("Anglais").check()
    page.get_by_role("button", name="Rédiger le rapport").click()
    expect(page.get_by_text("Le rapport est prêt.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger sohosolo-gers-2025-en.xlsx")).click()
    assert download.value.suggested_filename == "sohosolo-gers-2025-en.xlsx"
    shot(page, "results-report-phone")
    assert_accessible(page)


def test_the_dashboard_says_on_a_phone_when_its_figures_are_behind(live_world, phone_page, live_server, monkeypatch):
    """After a large import, the worker counts the files: the dashboard shows what it has and says so, readably."""
    from sohosolo.results import stats

    page = phone_page
    make_results(live_world)
    monkeypatch.setattr(stats, "INLINE_LIMIT", 3)  # the 14 new files are "many" here
    sign_in(page, live_server, live_world.users["manager_a"])
    page.goto(f"{live_server.url}/territoires/gers/resultats/?annee=2025")
    expect(page.get_by_role("status").filter(has_text="en cours de prise en compte")).to_be_visible()
    assert_no_sideways_scroll(page, "the results dashboard with its notice")
    assert_accessible(page)
    shot(page, "results-figures-behind-phone")
