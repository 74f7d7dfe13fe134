"""The web import in a real browser: an advisor uploads a spreadsheet written in their team's words, checks the value
table (the suggested choices, the unsure and unknown values), changes a choice (htmx refreshes the check without
reloading the page), runs the import and reads the report; the mapping page on a 375 px phone screen."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, shot, sign_in

TEAM_HEADERS = ["Prénom", "Nom", "E-mail", "Étape", "Activité", "Origine du contact", "Conseiller"]
SMALL_PHONE = {"width": 375, "height": 812}
# The selects that are wider than the screen, or too narrow to show their chosen label whole (its text measured in
# the select's font, against the select's inner width less room for the arrow).
CUT_CHOICES = """els => {
  const ctx = document.createElement('canvas').getContext('2d');
  return els.filter(el => {
    const style = getComputedStyle(el);
    ctx.font = style.font;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
    const right = el.getBoundingClientRect().right;
    return right > document.documentElement.clientWidth || ctx.measureText(el.selectedOptions[0].text).width > room;
  }).map(el => el.selectedOptions[0].text);
}"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def team_file(world) -> bytes:
    """A team's spreadsheet: their words for the stage, activity and source, advisors by initial, and a bad email."""
    first, last = world.users["advisor_a"].full_name.split(" ", 1)
    advisor = f"{first[0]}. {last}"  # "J. Advisor"
    remote, consultant, meeting = "Télétravail salarié", "Consultant en informatique", "Réunion d'information"
    rows = [
        ["Hélène", "Léger", "helene@example.fr", "En veille", remote, meeting, advisor],
        ["Tom", "Baker", "tom@example.co.uk", "Suivi", consultant, meeting, "P. Nobody"],
        ["Léa", "Roux", "lea@example.fr", "En veille", consultant, "Salon", ""],
        ["Paul", "Petit", "pas-une-adresse", "En veille", remote, "Salon", advisor],  # rejected: line 5
    ]
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(TEAM_HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload_team_file(page, live_server, world) -> None:
    """From the upload page to the mapping page, in "valid rows only" mode."""
    page.goto(live_server.url + reverse("prospects:import_upload", args=[world.territory_a.code]))
    page.locator("input[name=file]").set_input_files(
        {"name": "equipe.csv", "mimeType": "text/csv", "buffer": team_file(world)}
    )
    page.locator("input[name=mode][value=valid_only]").check()
    page.locator("form.import-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/candidats/import/\d+/colonnes/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Colonnes et vérification")


def value_select(page, value: str):
    """The choice of the value table for a value of the file, found by its (visually hidden) label."""
    return page.locator("#import-preview .import-values").get_by_label(f"« {value} » importé comme", exact=True)


def value_row(page, value: str):
    return page.locator(".import-values-table tbody tr", has=page.locator(f'th[scope=row]:text-is("{value}")'))


def test_advisor_maps_a_teams_words_changes_a_value_and_reads_the_report(live_world, page, live_server):
    from sohosolo.prospects.models import Household, ImportJob

    advisor = live_world.users["advisor_a"]
    sign_in(page, live_server, advisor)
    upload_team_file(page, live_server, live_world)
    mapping_url = page.url

    values = page.locator("#import-preview section.import-values")
    expect(values.get_by_role("heading", level=3)).to_have_text("Valeurs des colonnes")
    # One table per choice column, each value once with its count. Each caption says the file's header, and the
    # field's name only when it differs (not "Étape (Étape)").
    captions = values.locator("table.import-values-table caption")
    expect(captions).to_have_text(["Étape", "Activité", "Origine du contact", "Conseiller"])
    expect(value_row(page, "En veille").locator("td").first).to_have_text("3")
    expect(value_row(page, "Réunion d'information").locator("td").first).to_have_text("2")

    # The suggestions are chosen: sure ones without a tag, unsure ones "to check", unknown ones "not recognised".
    expect(value_select(page, "En veille")).to_have_value("on_hold")
    expect(value_select(page, "Télétravail salarié")).to_have_value("remote_employee")
    expect(value_select(page, "J. Advisor")).to_have_value(str(advisor.pk))
    expect(value_select(page, "Réunion d'information")).to_have_value("meeting")
    expect(value_row(page, "En veille").locator(".tag")).to_have_count(0)
    expect(value_row(page, "Consultant en informatique").locator(".tag.warning")).to_have_text("suggestion, à vérifier")
    expect(value_row(page, "P. Nobody").locator(".tag")).to_have_text("non reconnu")
    expect(value_select(page, "P. Nobody")).to_have_value("")
    expect(page.locator("#import-preview .import-counts")).to_contain_text(re.compile(r"1\s+rejetées"))
    shot(page, "import-mapping-desktop")
    assert_accessible(page)

    # The team's « Réunion d'information » are their partner's meetings: chosen with select_option, which fires
    # "change" as a person's choice does; htmx posts the form and swaps the check, in the same document.
    page.evaluate("window.__sameDocument = true; document.getElementById('import-preview').dataset.stale = '1'")
    value_select(page, "Réunion d'information").select_option("partner")
    expect(page.locator("#import-preview")).not_to_have_attribute("data-stale", "1")  # the fresh section is in
    expect(page.locator("#preview-status")).to_contain_text("Vérification mise à jour : 3 nouveaux dossiers")
    expect(value_select(page, "Réunion d'information")).to_have_value("partner")
    expect(value_select(page, "En veille")).to_have_value("on_hold")  # the others are kept
    assert page.url == mapping_url
    assert page.evaluate("window.__sameDocument === true"), "changing a value reloaded the page"
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.UPLOADED  # a check, nothing imported yet
    assert job.values["Origine du contact"]["Réunion d'information"] == "partner"
    assert not Household.objects.exists()
    shot(page, "import-mapping-changed-desktop")
    assert_accessible(page)

    page.get_by_role("button", name="Lancer l'import").click()
    page.wait_for_url(re.compile(r"/candidats/import/\d+/$"))
    status = page.locator("#import-status")
    expect(status.get_by_role("heading", level=2)).to_have_text("Import terminé")
    report = status.locator("dl.import-report")
    expect(report.locator("div", has=page.locator("dt", has_text="Nouveaux dossiers")).locator("dd")).to_have_text("3")
    expect(status.get_by_role("heading", level=3)).to_have_text("Rejets par motif")
    expect(status.locator("ul.import-groups")).to_contain_text("Adresse e-mail non valide")
    for name, fmt in (("Excel (.xlsx)", "xlsx"), ("CSV", "csv")):
        href = reverse("prospects:import_rejected", args=[live_world.territory_a.code, job.pk, fmt])
        expect(status.get_by_role("link", name=name, exact=True)).to_have_attribute("href", href)
    expect(status.locator("table.import-rejected-table tbody tr")).to_have_count(1)
    expect(status.locator("table.import-rejected-table tbody th")).to_have_text("5")
    shot(page, "import-job-desktop")
    assert_accessible(page)

    # The change made in the browser is what was imported.
    helene = Household.objects.get(members__email="helene@example.fr")
    tom = Household.objects.get(members__email="tom@example.co.uk")
    lea = Household.objects.get(members__email="lea@example.fr")
    assert (helene.source, helene.stage, helene.activity, helene.advisor) == (
        "partner",
        "on_hold",
        "remote_employee",
        advisor,
    )
    assert tom.source == "partner" and tom.advisor is None and "P. Nobody" in tom.notes
    assert lea.source != "partner"
    assert not Household.objects.filter(members__last_name="Petit").exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.report["written"] is True


def test_the_mapping_page_fits_a_375_px_phone_screen(live_world, browser, live_server):
    context = browser.new_context(
        locale="fr-FR", viewport=SMALL_PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_server, live_world.users["advisor_a"])
        upload_team_file(page, live_server, live_world)
        expect(page.locator("#import-preview .import-values")).to_be_visible()

        def assert_document_fits(what: str) -> None:
            scroll_width, client_width = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert scroll_width <= client_width, f"{what} scrolls sideways: {scroll_width}px > {client_width}px"

        assert_document_fits("the mapping page on a 375 px phone")
        # What is wider than the screen scrolls inside its .table-wrap, never the page.
        too_wide = page.evaluate(
            """() => [...document.querySelectorAll('main *')]
                .filter(el => !el.closest('.table-wrap') && el.getBoundingClientRect().right
                        > document.documentElement.clientWidth + 0.5)
                .map(el => el.tagName + (el.className ? '.' + el.className : ''))"""
        )
        assert not too_wide, f"outside the scrolling tables, wider than the screen: {too_wide}"
        # Each column's and each value's choice fits the screen and shows the chosen label whole: it is what the
        # advisor checks.
        expect(page.locator("table.import-columns select")).to_have_count(len(TEAM_HEADERS))
        cut = page.locator("table.import-columns select, table.import-values-table select").evaluate_all(CUT_CHOICES)
        assert not cut, f"on a 375 px phone, these choices are cut off: {cut}"
        # Laid out for the phone, the tables are still data tables in Chromium's accessibility tree (what a screen
        # reader is given), not layout tables: rows, row headers and cells.
        nodes = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
        roles = [(n.get("role", {}).get("value"), n.get("name", {}).get("value")) for n in nodes if not n["ignored"]]
        tables = [name for role, name in roles if role == "table"]
        assert [name for name in tables if name in TEAM_HEADERS] == [
            "Étape",
            "Activité",
            "Origine du contact",
            "Conseiller",
        ]
        assert "Colonnes du fichier" in tables, tables
        row_headers = {name for role, name in roles if role == "rowheader"}
        assert {"En veille", "Réunion d'information", "P. Nobody", "Origine du contact"} <= row_headers, row_headers
        assert ("columnheader", "Importée comme") in roles and ("cell", "3") in roles
        shot(page, "import-mapping-phone-375")
        assert_accessible(page)

        value_select(page, "Réunion d'information").select_option("partner")
        expect(value_select(page, "Réunion d'information")).to_have_value("partner")
        expect(page.locator("#preview-status")).to_contain_text("Vérification mise à jour")
        assert_document_fits("the mapping page refreshed by htmx on a 375 px phone")
        shot(page, "import-mapping-phone-375-changed")
    finally:
        context.close()
