from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from sohosolo.territory.communes import COMMUNES_FILE, commune_values, communes_csv, load_communes, read_rows
from sohosolo.territory.models import Commune


def test_the_shipped_file_holds_every_french_commune_with_its_town_hall():
    rows = list(read_rows())
    assert len(rows) > 34_000
    located = sum(1 for row in rows if row["latitude"] and row["longitude"])
    assert located / len(rows) >= 0.99
    gers = {row["insee_code"]: row for row in rows if row["departement"] == "32"}
    assert 450 <= len(gers) <= 465
    auch = gers["32013"]
    assert auch["name"] == "Auch" and "32000" in auch["postcodes"].split()
    assert auch["region_name"] == "Occitanie" and auch["epci_name"]
    assert auch["outline"].startswith("[[[") and float(auch["latitude"]) == pytest.approx(43.647, abs=0.01)


@pytest.mark.django_db(transaction=True)
def test_loading_all_communes_into_an_empty_database_takes_under_30_seconds_and_is_idempotent():
    began = time.monotonic()
    report = load_communes()
    elapsed = time.monotonic() - began
    assert elapsed < 30, f"{elapsed:.1f} s"
    assert report.created == Commune.objects.count() > 34_000
    located = Commune.objects.filter(latitude__isnull=False, longitude__isnull=False).count()
    assert located / Commune.objects.count() >= 0.99
    assert load_communes().skipped  # the same file again: nothing to do
    forced = load_communes(force=True)
    assert forced.created == forced.updated == 0 and forced.unchanged == report.created


def test_loading_updates_the_communes_that_changed(db, tmp_path):
    rows = list(read_rows(departements=["32"]))[:3]
    path = tmp_path / "communes.csv.gz"
    path.write_bytes(communes_csv(rows))
    assert load_communes(path).created == 3
    rows[0] = rows[0] | {"population": "99999", "phone": "05 00 00 00 00"}
    path.write_bytes(communes_csv(rows))
    report = load_communes(path)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    changed = Commune.objects.get(pk=rows[0]["insee_code"])
    assert changed.population == 99999 and changed.town_hall_phone == "05 00 00 00 00"


def test_load_communes_command_for_one_departement(db):
    call_command("load_communes", "--departement", "32", verbosity=0)
    assert Commune.objects.exclude(departement="32").count() == 0
    assert Commune.objects.filter(departement="32").count() > 450
    assert commune_values(next(read_rows(COMMUNES_FILE, ["32"])))["population"] > 0


def test_every_value_of_the_shipped_file_fits_its_column():
    """SQLite ignores column lengths; PostgreSQL refuses a value that is too long. Catch it on either."""
    from sohosolo.territory.communes import FIELDS

    longest: dict[str, int] = {}
    for row in read_rows():
        for column, value in row.items():
            longest[column] = max(longest.get(column, 0), len(value))
    for column, field_name in FIELDS.items():
        field = Commune._meta.get_field(field_name)
        if getattr(field, "max_length", None) and field.get_internal_type() == "CharField":
            assert longest[column] <= field.max_length, (column, longest[column], field.max_length)
