"""Exporting the filtered list (CSV, XLSX): logged, refused on a wrong filter, never a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from sohosolo.accounts.models import Role, RoleKind
from sohosolo.audit.models import ActionLog
from sohosolo.prospects.importing import import_prospects
from sohosolo.prospects.models import Household, Person
from sohosolo.territory.models import Commune
from tests.factories import make_household


def test_export_of_the_filtered_list_to_csv_and_xlsx_is_logged(world, client_for):
    import io

    from openpyxl import load_workbook

    make_household(world.territory_a)
    make_household(world.territory_a, first_name="Paul", last_name="Martin", stage="dropped", stage_reason="Moved")
    client = client_for("advisor_a")
    response = client.get(reverse("prospects:export", args=["gers", "csv"]), {"stage": "new"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff") and "Léger" in text and "Martin" not in text
    assert text.splitlines()[0].split(";")[1] in ("Prénom", "First name")
    xlsx = client.get(reverse("prospects:export", args=["gers", "xlsx"]))
    rows = list(load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.values)
    assert len(rows) == 3 and {rows[1][2], rows[2][2]} == {"Léger", "Martin"}
    assert ActionLog.objects.filter(action="prospects.exported").count() == 2
    assert client.get(reverse("prospects:export", args=["gers", "pdf"])).status_code == 404
    assert client_for("advisor_b").get(reverse("prospects:export", args=["gers", "csv"])).status_code == 404


def test_export_refuses_a_wrong_filter_instead_of_exporting_everything(world, client_for):
    make_household(world.territory_a)
    response = client_for("advisor_a").get(
        reverse("prospects:export", args=["gers", "csv"]), {"first_contact_from": "31/02/2026"}
    )
    assert response.status_code == 302
    assert not ActionLog.objects.filter(action="prospects.exported").exists()


def test_exported_values_never_become_spreadsheet_formulas(world, client_for):
    make_household(world.territory_a, first_name='=HYPERLINK("http://evil.example")', last_name="X")
    text = b"".join(
        client_for("advisor_a").get(reverse("prospects:export", args=["gers", "csv"])).streaming_content
    ).decode()
    assert "'=HYPERLINK" in text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_export_imports_into_another_territory_with_every_exported_field_kept(world, client_for, tmp_path, language):
    """The round trip: the list exported from the Gers imports into the Lot, and the Lot's export says the same
    thing, but for the number (the new file's own; the Gers number is kept as its external reference)."""
    advisor = world.users["advisor_a"]
    advisor.language = language
    advisor.save()
    Role.objects.create(user=advisor, kind=RoleKind.ADVISOR, territory=world.territory_b)
    lectoure = Commune.objects.get(insee_code="32208")
    gers = world.territory_a
    make_household(
        gers, phone="05 62 00 11 22", current_town="Toulouse", current_country="France", source="fair", activity="craft"
    )
    make_household(
        gers,
        first_name="Paul",
        last_name="Martin",
        email="paul.martin@example.org",
        phone="+44 20 7946 0958",
        current_town="Bristol",
        current_country="Royaume-Uni",
        stage="on_hold",
        stage_reason="Attend la vente de sa maison",
        advisor=advisor,
        activity="remote_employee",
        sector="Informatique",
        source="meeting",
        first_contact_on=date(2015, 3, 2),
        last_contact_on=date(2016, 1, 20),
    )
    make_household(
        gers,
        first_name="Zoé",
        last_name="Dubœuf",
        current_town="Paris",
        stage="settled",
        advisor=advisor,
        first_contact_on=date(2019, 5, 4),
        last_contact_on=date(2020, 9, 1),
        settled_on=date(2020, 9, 1),
        settled_commune=lectoure,
        settled_people=4,
        activity="takeover",
        source="word_of_mouth",
    )
    client = client_for("advisor_a")

    def export(code: str) -> list[list[str]]:
        response = client.get(reverse("prospects:export", args=[code, "csv"]))
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        header, *rows = csv.reader(io.StringIO(text), delimiter=";")
        return [header, *sorted(rows, key=lambda row: row[2])]

    exported = export("gers")
    path = tmp_path / "export.csv"
    path.write_text("\n".join(";".join(f'"{cell}"' for cell in row) for row in exported), encoding="utf-8")
    report = import_prospects(path, world.territory_b, mode="valid_only")
    assert (report.created, report.rejected, report.attached) == (3, [], 0)

    imported = export("lot")
    assert imported[0] == exported[0]  # the same headers
    for before, after in zip(exported[1:], imported[1:], strict=True):
        assert after[1:] == before[1:]
        assert Household.objects.get(pk=after[0]).external_ref == before[0]
    # the export's mark that keeps "+44 …" as text is not part of the imported phone
    assert Person.objects.get(household__territory=world.territory_b, last_name="Martin").phone == "+44 20 7946 0958"
