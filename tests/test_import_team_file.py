"""A programme team's own spreadsheet imports as it is: its headers, its words, its former advisors, its families.

The file is shaped like a chamber of commerce team's (Windows-1252, `;`, 648 rows, 2008–2010): headers such as « N° »,
« Date 1er contact », « Conjoint(e) », « Enfants (âges) », « Nb pers. »; values in the team's words (« Télétravail
salarié », « En veille », « Réunion d'information »); advisors as initials, some of people who have left; duplicates by
email case, phone format and accent-folded names; and a handful of truly bad rows.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max
from django.utils import translation

from sohosolo.accounts.models import RoleKind
from sohosolo.lib.text import fold
from sohosolo.prospects.importing import import_prospects
from sohosolo.prospects.models import Activity, Household, Interaction, Person, Source, Stage
from sohosolo.results.stats import Period, key_figures
from tests.factories import make_user

HEADERS = [
    "N°",
    "Date 1er contact",
    "Nom",
    "Prénom",
    "Conjoint(e)",
    "Enfants (âges)",
    "Nb pers.",
    "Tél.",
    "E-mail",
    "Ville",
    "Pays",
    "Origine du contact",
    "Activité",
    "Étape",
    "Conseiller",
    "Date d'installation",
    "Commune d'installation",
    "Commentaire",
]
# The team's words, and what they mean on the platform.
STAGES = {
    "Nouveau contact": Stage.NEW,
    "1er entretien": Stage.FIRST_INTERVIEW,
    "Suivi": Stage.FOLLOW_UP,
    "Visite / séjour découverte": Stage.VISIT,
    "En veille": Stage.ON_HOLD,
    "Abandon": Stage.DROPPED,
}
ACTIVITIES = {
    "Télétravail salarié": Activity.REMOTE_EMPLOYEE,
    "Indépendant / freelance": Activity.FREELANCER,
    "Consultant": Activity.CONSULTING,
    "Artisan d'art": Activity.CRAFT,
    "Création d'entreprise": Activity.CREATION,
    "Reprise": Activity.TAKEOVER,
    "": "",
}
SOURCES = {
    "Réunion d'information": Source.MEETING,
    "Salon": Source.FAIR,
    "Site internet": Source.WEBSITE,
    "Presse": Source.PRESS,
    "Bouche à oreille": Source.WORD_OF_MOUTH,
    "Partenaire": Source.PARTNER,
}
SETTLED_WORDS = ["Installé(e)", "Installés", "installée"]
COMMUNES = {"Auch": "32013", "LECTOURE": "32208", "Marciac (32)": "32233", "Lectoure": "32208"}
FIRST_NAMES = ["Hélène", "Jérôme", "Agnès", "François", "Léa", "Noël", "Zoé", "Loïc", "Cécile", "Benoît", "Maëlle"]
LAST_NAMES = ["Léger", "Dupré", "Bézier", "Martin", "Lefèvre", "Garçon", "Dubœuf", "Hérault", "Moreau", "Pétain"]
TOWNS = [
    ("Toulouse", "France"),
    ("Paris", "France"),
    ("Bordeaux", "France"),
    ("Bruxelles", "Belgique"),
    ("Londres", "UK"),
]
ADVISORS = ["C. Laffargue", "M. Sarrade", "Claire Laffargue", "M. Sarrade"]  # M. Sarrade has left: nobody's account


@dataclass
class TeamFile:
    rows: list[list[str]]
    good: list[dict] = field(default_factory=list)  # the households the file holds, as the team counts them
    duplicates: list[int] = field(default_factory=list)  # lines repeating a family of an earlier line
    bad: dict[int, str] = field(default_factory=dict)  # line → what the reason says

    def csv(self) -> bytes:
        out = io.StringIO(newline="")
        csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([HEADERS, *self.rows])
        return out.getvalue().encode("cp1252")


def team_file(seed: int = 32) -> TeamFile:
    rng = random.Random(seed)
    file = TeamFile(rows=[])
    number = 0

    def add(row: dict, line_kind: str = "good", reason: str = "") -> None:
        nonlocal number
        number += 1
        row["N°"] = str(number)
        file.rows.append([row.get(header, "") for header in HEADERS])
        line = len(file.rows) + 1
        if line_kind == "good":
            file.good.append(row | {"line": line})
        elif line_kind == "duplicate":
            file.duplicates.append(line)
        else:
            file.bad[line] = reason

    for i in range(624):
        year = 2008 + i * 3 // 624
        first = date(year, 1, 1) + timedelta(days=rng.randrange(360))
        partner = rng.choice(["", "", "Marie", "Paul Dupont"])
        children = rng.choice(["", "", "7, 11", "3", "Léa 5, Tom (9 ans)", "bébé"])
        n_children = {"": 0, "7, 11": 2, "3": 1, "Léa 5, Tom (9 ans)": 2, "bébé": 1}[children]
        people = 1 + bool(partner) + n_children
        town, country = rng.choice(TOWNS)
        row = {
            "Date 1er contact": first.strftime("%d/%m/%Y"),
            "Nom": f"{rng.choice(LAST_NAMES)}-{i}",
            "Prénom": rng.choice(FIRST_NAMES),
            "Conjoint(e)": partner,
            "Enfants (âges)": children,
            "Nb pers.": str(people),
            "Tél.": f"06 {i // 100 % 100:02d} {i % 100:02d} {rng.randrange(100):02d} {11:02d}",
            "E-mail": f"famille.{i}@exemple.fr",
            "Ville": town,
            "Pays": country,
            "Origine du contact": rng.choice(list(SOURCES)),
            "Activité": rng.choice(list(ACTIVITIES)),
            "Conseiller": rng.choice(ADVISORS),
            "Commentaire": rng.choice(["", "Très motivés", "Rappeler en septembre"]),
        }
        if i % 11 == 0:
            settled = first + timedelta(days=rng.randrange(30, 300))
            settled = min(settled, date(2010, 12, 31))
            commune = rng.choice(list(COMMUNES))
            row |= {
                "Étape": rng.choice(SETTLED_WORDS),
                "Date d'installation": settled.strftime("%d/%m/%Y"),
                "Commune d'installation": commune,
            }
            row["_settled"], row["_people"], row["_commune"] = settled, people, COMMUNES[commune]
        else:
            row["Étape"] = rng.choice(list(STAGES))
        add(row)

        if i % 50 == 7 and len(file.duplicates) < 12:  # the same family again, written another way
            again = dict(row)
            again.pop("_settled", None)
            kind = len(file.duplicates) % 3
            if kind == 0:
                again["E-mail"] = row["E-mail"].upper()
                again["Tél."] = ""
            elif kind == 1:
                again["E-mail"] = ""
                digits = row["Tél."].replace(" ", "")
                again["Tél."] = "+33 " + digits[1:]
            else:
                again["E-mail"], again["Tél."] = "", ""
                again["Prénom"], again["Nom"] = fold(row["Prénom"]).upper(), fold(row["Nom"]).upper()
            again["Commentaire"] = "Revenu à la réunion suivante"
            add(again, "duplicate")

        if i % 100 == 42:  # truly bad rows, in several ways
            bad = dict(row, **{"E-mail": f"bad.{i}@", "Tél.": "", "Nom": f"Erreur-{i}"})
            add(bad, "bad", "is not a valid email address")
    add({"Commentaire": "ligne de total", "Nb pers.": "1200"}, "bad", "No name, email or phone")
    add({"Nom": "Date", "Prénom": "Fausse", "Date 1er contact": "31/13/2009"}, "bad", "is not a date")
    add(
        {"Nom": "Sans", "Prénom": "Commune", "Date 1er contact": "02/02/2009", "Étape": "Installé(e)"},
        "bad",
        "needs the commune and the date of settling",
    )
    while len(file.rows) < 648:
        add(
            {
                "Nom": f"Tôt-{len(file.rows)}",
                "Date 1er contact": "05/05/2010",
                "Date d'installation": "01/01/2010",
                "Commune d'installation": "Auch",
            },
            "bad",
            "before the first contact",
        )
    return file


@pytest.fixture
def gers(world):
    make_user("claire.laffargue@example.fr", "Claire Laffargue", (RoleKind.ADVISOR, world.territory_a))
    return world.territory_a


@pytest.fixture
def the_file(tmp_path) -> tuple[TeamFile, str]:
    file = team_file()
    path = tmp_path / "Contacts Soho Solo 2008-2010.csv"
    path.write_bytes(file.csv())
    return file, str(path)


def command(path: str, *options: str) -> tuple[str, str]:
    """The command as the team runs it: no mapping, no options. Rows were rejected: it says so and exits with 1."""
    out = io.StringIO()
    error = ""
    try:
        call_command("import_prospects", path, "--territory", "32", *options, stdout=out)
    except CommandError as failure:
        error = str(failure)
    return out.getvalue(), error


def test_the_team_file_imports_with_the_default_command(gers, the_file):
    file, path = the_file
    assert len(file.rows) == 648 and len(file.duplicates) == 12 and 6 <= len(file.bad) <= 12

    out, error = command(path)

    # Every good row in, the bad ones reported (grouped by reason, then line by line, in French by default).
    assert error == f"{len(file.bad)} lignes rejetées."
    assert Household.objects.count() == len(file.good)
    assert "Adresse e-mail non valide" in out
    reported = [line for line in out.splitlines() if line.startswith("ligne ")]
    assert [int(line.split(":")[0].removeprefix("ligne ")) for line in reported] == sorted(file.bad)
    with translation.override("en"):
        report = import_prospects(path, gers, dry_run=True)
    for line, fragment in file.bad.items():
        assert fragment in dict(report.rejected)[line], line

    # The duplicates attached to the family they repeat, flagged for a check.
    attached = Interaction.objects.filter(data__possible_duplicate=True)
    assert attached.count() == 12
    assert Household.objects.filter(possible_duplicate=True).count() == 12

    # The dashboard's figures per year are the file's.
    for year in (2008, 2009, 2010):
        figures = key_figures(gers, Period.year(year))
        contacts = [row for row in file.good if row["Date 1er contact"].endswith(str(year))]
        settled = [row for row in file.good if row.get("_settled") and row["_settled"].year == year]
        assert (figures.new_contacts, figures.settled_families, figures.settled_people) == (
            len(contacts),
            len(settled),
            sum(row["_people"] for row in settled),
        ), year
        assert figures.new_contacts > 150


def test_the_team_words_become_the_platform_choices(gers, the_file):
    file, path = the_file
    command(path)
    households = {h.external_ref: h for h in Household.objects.select_related("advisor", "settled_commune")}
    claire = gers.roles.get(user__email="claire.laffargue@example.fr").user

    for row in file.good:
        household = households[row["N°"]]
        if row.get("_settled"):
            assert household.stage == Stage.SETTLED
            assert (household.settled_on, household.settled_commune_id) == (row["_settled"], row["_commune"])
            assert household.settled_people == row["_people"]  # « Nb pers. » of a settled family
        else:
            assert household.stage == STAGES[row["Étape"]], row["Étape"]
        assert household.activity == ACTIVITIES[row["Activité"]], row["Activité"]
        assert household.source == SOURCES[row["Origine du contact"]], row["Origine du contact"]
        # « C. Laffargue » is Claire Laffargue; « M. Sarrade » has left: unassigned, the name kept.
        if "Laffargue" in row["Conseiller"]:
            assert household.advisor == claire
        else:
            assert household.advisor is None
            assert "M. Sarrade" in household.notes
        assert household.current_country == {"UK": "Royaume-Uni"}.get(row["Pays"], row["Pays"])


def test_partner_and_children_columns_become_members(gers, the_file):
    file, path = the_file
    command(path)
    households = {h.external_ref: h for h in Household.objects.prefetch_related("members")}

    for row in file.good:
        members = list(households[row["N°"]].members.all())
        adults = [m for m in members if m.kind == Person.Kind.ADULT]
        children = sorted((m for m in members if m.kind == Person.Kind.CHILD), key=lambda m: m.first_name)
        assert len(adults) == 1 + bool(row["Conjoint(e)"])
        assert len(members) == int(row["Nb pers."])
        year = int(row["Date 1er contact"][-4:])
        if row["Enfants (âges)"] == "7, 11":
            assert sorted(child.birth_year for child in children) == [year - 11, year - 7]
        if row["Enfants (âges)"] == "Léa 5, Tom (9 ans)":
            assert [(c.first_name, c.birth_year) for c in children] == [("Léa", year - 5), ("Tom", year - 9)]
        if row["Conjoint(e)"] == "Paul Dupont":
            assert {(a.first_name, a.last_name) for a in adults if not a.is_main_contact} == {("Paul", "Dupont")}


def test_importing_the_file_again_changes_nothing_and_an_updated_file_updates_the_changed_files(
    gers, the_file, tmp_path
):
    file, path = the_file
    command(path)
    before = (Household.objects.count(), Person.objects.count(), Interaction.objects.count())
    last_change = Household.objects.aggregate(Max("updated_at"))["updated_at__max"]

    out, _error = command(path)

    assert (Household.objects.count(), Person.objects.count(), Interaction.objects.count()) == before
    assert Household.objects.aggregate(Max("updated_at"))["updated_at__max"] == last_change
    assert "0 nouveaux dossiers" in out

    # The team's next version of the file: one family moved on, one changed phone, one is new.
    rows = [list(row) for row in file.rows]
    index = {header: i for i, header in enumerate(HEADERS)}
    moved, phoned = [row for row in file.good if row["Étape"] in ("Suivi", "1er entretien")][:2]
    rows[moved["line"] - 2][index["Étape"]] = "Abandon"
    rows[phoned["line"] - 2][index["Tél."]] = "07 01 02 03 04"
    rows.append(["9999", "03/01/2011", "Nouvelle", "Famille", "", "", "1", "", "nouvelle@exemple.fr"])
    updated = tmp_path / "Contacts Soho Solo 2008-2011.csv"
    updated.write_bytes(TeamFile(rows).csv())

    with translation.override("en"):
        report = import_prospects(updated, gers, mode="valid_only")

    assert (report.created, report.updated, report.attached) == (1, 2, 0)
    changed = Household.objects.filter(updated_at__gt=last_change)
    assert {h.external_ref for h in changed} == {moved["N°"], phoned["N°"], "9999"}
    assert Household.objects.get(external_ref=moved["N°"]).stage == Stage.DROPPED
    assert Person.objects.get(household__external_ref=phoned["N°"], is_main_contact=True).phone == "07 01 02 03 04"
    entry = Interaction.objects.filter(household__external_ref=phoned["N°"]).latest("pk")
    assert "Mis à jour depuis Contacts Soho Solo 2008-2011.csv" in entry.summary and "Téléphone" in entry.summary


def test_what_a_team_changed_in_the_platform_stays_when_the_file_is_imported_again_updated(gers, the_file, tmp_path):
    """Only the fields that changed in the file are set again: an advisor's later edits on other fields stay."""
    file, path = the_file
    command(path)
    row = file.good[5]
    household = Household.objects.get(external_ref=row["N°"])
    Household.objects.filter(pk=household.pk).update(current_town="Auch")  # the family has moved, says the advisor

    rows = [list(r) for r in file.rows]
    rows[row["line"] - 2][HEADERS.index("Commentaire")] = "A rappelé"
    updated = tmp_path / "v2.csv"
    updated.write_bytes(TeamFile(rows).csv())
    report = import_prospects(updated, gers, mode="valid_only")

    household.refresh_from_db()
    assert report.updated == 1
    assert household.current_town == "Auch"
    assert "A rappelé" in household.notes


def test_the_command_reports_in_english_when_asked_and_writes_the_rejected_rows(gers, the_file, tmp_path):
    file, path = the_file
    rejected = tmp_path / "rejets.csv"

    out, error = command(path, "--language", "en", "--rejected", str(rejected))

    assert error == f"{len(file.bad)} rows rejected."
    assert "Not a valid email address: " in out
    lines = rejected.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].split(";")[: len(HEADERS)] == HEADERS
    assert lines[0].split(";")[-2:] == ["Line in the file", "Reason for rejection"]
    assert len(lines) == 1 + len(file.bad)
    # Fixed and imported again, the rejected rows come in; nothing else moves.
    households = Household.objects.count()
    fixed = tmp_path / "corrigé.csv"
    table = list(csv.reader(io.StringIO(rejected.read_text(encoding="utf-8-sig")), delimiter=";"))
    body = [cells[: len(HEADERS)] for cells in table[1:] if cells[HEADERS.index("E-mail")].endswith("@")]
    for cells in body:
        cells[HEADERS.index("E-mail")] += "exemple.fr"
    fixed.write_bytes(TeamFile(body).csv())
    command(str(fixed))
    assert Household.objects.count() == households + len(body)
