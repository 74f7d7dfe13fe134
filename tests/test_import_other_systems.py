"""Files exported from the CRMs the territories used before (CiviCRM contacts, Odoo CRM leads) import as they come,
with `import_prospects FILE --territory gers`: every person kept, households rebuilt, nothing lost, nothing twice.

The sample files in tests/data/ follow the exports' own column titles and formats; the expectations below are read
from the same files, so that a row added there is checked here.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from sohosolo.lib.text import phone_key
from sohosolo.prospects.models import Household, Interaction, Person, Source, Stage

DATA = Path(__file__).parent / "data"
CIVICRM = DATA / "civicrm_contacts.csv"
ODOO = DATA / "odoo_leads.csv"

# Both systems write countries by their English name; the platform keeps them in French.
COUNTRIES_IN_FRENCH = {"France": "France", "Belgium": "Belgique", "United Kingdom": "Royaume-Uni"}
# CiviCRM names the household of an Individual through the relationship, "<relationship>-<field of the other contact>".
CIVICRM_HOUSEHOLD = "Household Member of-Household Name"
# A "Contact Source" of the CiviCRM file that means nothing to the platform's list of sources.
UNKNOWN_SOURCE = "Liste Accueil Actifs 2020"


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def import_file(path: Path) -> str:
    out = io.StringIO()
    call_command("import_prospects", str(path), "--territory", "gers", stdout=out)
    return out.getvalue()


def person_of(email: str) -> Person:
    return Person.objects.select_related("household", "household__advisor").get(email=email.strip().lower())


def day_of(value: str) -> date:
    """Both exports write date and time as "2021-03-05 14:12:09"."""
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").date()


def mentions_number(text: str, number: str) -> bool:
    """`number` is written in `text`, whatever its spacing or prefix ("+33 6 11 22 33 44" or "06 11 22 33 44")."""
    return re.sub(r"\D", "", number)[-9:] in re.sub(r"\D", "", text)


def kept_as_tag_or_note(household: Household, value: str) -> bool:
    return value in household.notes or household.tags.filter(name=value).exists()


def snapshot() -> tuple:
    """What a second import of the same file must leave exactly as it was."""
    return (
        Household.objects.count(),
        Person.objects.count(),
        Interaction.objects.count(),
        sorted(
            Household.objects.values_list(
                "pk", "updated_at", "external_ref", "stage", "advisor_id", "source", "notes", "first_contact_on"
            )
        ),
        sorted(Person.objects.values_list("pk", "household_id", "first_name", "last_name", "email", "phone")),
    )


# CiviCRM: a contact export of Individuals with their household relationship, and one Organization among them.


def civicrm_individuals() -> list[dict[str, str]]:
    return [row for row in rows_of(CIVICRM) if row["Contact Type"] == "Individual"]


def civicrm_families() -> dict[str, list[dict[str, str]]]:
    families = defaultdict(list)
    for row in civicrm_individuals():
        if row[CIVICRM_HOUSEHOLD]:
            families[row[CIVICRM_HOUSEHOLD]].append(row)
    return families


def test_the_civicrm_sample_is_what_the_tests_expect():
    rows = rows_of(CIVICRM)
    assert len(rows) >= 10
    assert [row["Contact Type"] for row in rows].count("Organization") == 1
    families = civicrm_families()
    assert len(families) == 2 and all(len(members) == 2 for members in families.values())
    assert {row["Country"] for row in rows} == set(COUNTRIES_IN_FRENCH)
    assert UNKNOWN_SOURCE in {row["Contact Source"] for row in rows}


def test_every_civicrm_individual_becomes_a_person(world):
    import_file(CIVICRM)

    individuals = civicrm_individuals()
    assert Person.objects.count() == len(individuals)
    for row in individuals:
        person = person_of(row["Email"])
        assert (person.first_name, person.last_name) == (row["First Name"], row["Last Name"])
        assert person.email == row["Email"].lower()
        assert phone_key(person.phone) == phone_key(row["Phone"]) != ""
        assert person.kind == Person.Kind.ADULT
        assert person.household.territory == world.territory_a


def test_a_civicrm_organization_is_not_a_prospect(world):
    import_file(CIVICRM)

    (organization,) = [row for row in rows_of(CIVICRM) if row["Contact Type"] == "Organization"]
    assert not Person.objects.filter(email=organization["Email"].lower()).exists()
    assert not Person.objects.filter(last_name=organization["Organization Name"]).exists()
    assert not Household.objects.filter(external_ref=organization["Contact ID"]).exists()


def test_civicrm_household_members_make_one_household(world):
    import_file(CIVICRM)

    families = civicrm_families()
    singles = len(civicrm_individuals()) - sum(len(members) for members in families.values())
    assert Household.objects.count() == singles + len(families)
    for name, rows in families.items():
        households = {person_of(row["Email"]).household for row in rows}
        assert len(households) == 1, name
        (household,) = households
        members = list(household.members.all())
        assert sorted(m.email for m in members) == sorted(row["Email"].lower() for row in rows)
        assert all(m.kind == Person.Kind.ADULT for m in members)
        assert household.possible_duplicate is False
        assert household.current_town == rows[0]["City"]
        assert household.current_country == COUNTRIES_IN_FRENCH[rows[0]["Country"]]
        # The household was first in touch when the first of its members was.
        assert household.first_contact_on == min(day_of(row["Created Date"]) for row in rows)
        # It is found again from either member's contact ID.
        assert household.external_ref
        assert any(row["Contact ID"] in household.external_ref for row in rows)


def test_civicrm_town_country_first_contact_and_contact_id_are_kept(world):
    import_file(CIVICRM)

    in_families = {row["Contact ID"] for members in civicrm_families().values() for row in members}
    for row in civicrm_individuals():
        household = person_of(row["Email"]).household
        assert household.current_town == row["City"]
        assert household.current_country == COUNTRIES_IN_FRENCH[row["Country"]]
        assert household.possible_duplicate is False
        if row["Contact ID"] not in in_families:
            assert household.external_ref == row["Contact ID"]
            assert household.first_contact_on == day_of(row["Created Date"])


def test_a_civicrm_source_the_platform_does_not_know_is_kept_in_the_notes(world):
    import_file(CIVICRM)

    for row in civicrm_individuals():
        household = person_of(row["Email"]).household
        if row["Contact Source"] == UNKNOWN_SOURCE:
            assert UNKNOWN_SOURCE in household.notes
        elif row["Contact Source"]:
            # Known to the platform (a website, a fair…) or, failing that, written down: never lost.
            assert household.source not in ("", Source.OTHER) or row["Contact Source"] in household.notes
        if row["Note(s)"]:
            assert row["Note(s)"] in household.notes


# Odoo CRM: a list export of crm.lead, with the fields' labels as column titles.


def odoo_rows() -> list[dict[str, str]]:
    return rows_of(ODOO)


def test_the_odoo_sample_is_what_the_tests_expect():
    rows = odoo_rows()
    assert len(rows) >= 8
    assert all(row["External ID"].startswith("__export__.crm_lead_") for row in rows)
    assert {"Marie Dupont", "DUPONT Jean"} <= {row["Contact Name"] for row in rows}
    assert any(not row["Phone"] and row["Mobile"] for row in rows)
    assert any(row["Phone"] and row["Mobile"] for row in rows)
    assert {"New", "Qualified"} <= {row["Stage"] for row in rows}
    assert {"Julien Advisor", "Mitchell Admin"} <= {row["Salesperson"] for row in rows}


def test_every_odoo_lead_becomes_a_household(world):
    import_file(ODOO)

    rows = odoo_rows()
    assert Household.objects.count() == Person.objects.count() == len(rows)
    for row in rows:
        person = person_of(row["Email"])
        assert person.email == row["Email"].lower()
        assert person.kind == Person.Kind.ADULT
        household = person.household
        assert household.territory == world.territory_a
        assert household.external_ref == row["External ID"]
        assert household.current_town == row["City"]
        assert household.current_country == COUNTRIES_IN_FRENCH[row["Country"]]
        assert household.first_contact_on == day_of(row["Created on"])
        assert household.possible_duplicate is False


def test_an_odoo_contact_name_is_split_into_first_and_last_name(world):
    import_file(ODOO)

    marie = person_of("marie.dupont@example.fr")
    assert (marie.first_name, marie.last_name) == ("Marie", "Dupont")
    # Odoo users often type the family name first, in capitals.
    jean = person_of("jean.dupont@example.fr")
    assert (jean.first_name.casefold(), jean.last_name.casefold()) == ("jean", "dupont")
    for row in odoo_rows():
        person = person_of(row["Email"])
        assert f"{person.first_name} {person.last_name}".casefold() in {
            row["Contact Name"].casefold(),
            " ".join(reversed(row["Contact Name"].split(" ", 1))).casefold(),
        }


def test_an_odoo_lead_s_phone_is_its_phone_or_else_its_mobile(world):
    import_file(ODOO)

    for row in odoo_rows():
        person = person_of(row["Email"])
        assert phone_key(person.phone) == phone_key(row["Phone"] or row["Mobile"]) != ""
        if row["Phone"] and row["Mobile"]:
            # One phone per person: the mobile is not lost for all that.
            assert mentions_number(person.household.notes, row["Mobile"]), row["Contact Name"]


def test_odoo_stages_become_the_platform_s_stages(world):
    import_file(ODOO)

    expected = {"New": Stage.NEW, "Qualified": Stage.FIRST_INTERVIEW}
    for row in odoo_rows():
        if row["Stage"] in expected:
            assert person_of(row["Email"]).household.stage == expected[row["Stage"]], row["Contact Name"]


def test_an_odoo_salesperson_becomes_the_advisor_when_they_are_one(world):
    import_file(ODOO)

    for row in odoo_rows():
        household = person_of(row["Email"]).household
        if row["Salesperson"] == "Julien Advisor":
            assert household.advisor == world.users["advisor_a"]
        elif row["Salesperson"] == "Mitchell Admin":
            # Nobody of that name on the platform: no advisor, but the name is written down.
            assert household.advisor is None
            assert (
                "Mitchell Admin" in household.notes
                or Interaction.objects.filter(household=household, summary__contains="Mitchell Admin").exists()
            )
        else:
            assert household.advisor is None


def test_odoo_tags_are_kept(world):
    import_file(ODOO)

    for row in odoo_rows():
        if row["Tags"]:
            household = person_of(row["Email"]).household
            assert kept_as_tag_or_note(household, row["Tags"]), row["Contact Name"]


# Both: importing the same export again (the usual "did it work? let's run it once more") does nothing.


@pytest.mark.parametrize("path", [CIVICRM, ODOO], ids=["civicrm", "odoo"])
def test_importing_the_same_export_twice_changes_nothing(world, path):
    import_file(path)
    before = snapshot()
    assert before[0] > 0

    import_file(path)

    assert snapshot() == before
