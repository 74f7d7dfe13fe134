"""What keeps the staff pages in constant time as a territory grows (issue 21): the counts per stage kept by the
database, keyset pagination, the indexed search and the advisors' turn without a scan. Each test compares with the
plain, slow computation it replaces."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sohosolo.lib.keyset import keyset_page
from sohosolo.prospects.models import Household, Person, Stage, StageTally, fold_stage_tallies, stage_counts
from tests.factories import make_household

STAGES = [stage.value for stage in Stage]


def real_counts(territory) -> dict[str, int]:
    rows = Household.objects.current().filter(territory=territory).values_list("stage").annotate(n=Count("pk"))
    return dict(rows.order_by())


def assert_tallies_true(*territories) -> None:
    for territory in territories:
        assert stage_counts([territory.pk]) == real_counts(territory), territory.code


def test_the_counts_per_stage_follow_every_kind_of_change(world):
    """Creation, a save, a queryset update, a bulk insert, a move to another territory, anonymisation, deletion and
    the periodic fold: the tallies always equal a count of the table."""
    from sohosolo.privacy.services import anonymise_household

    a, b = world.territory_a, world.territory_b
    rng = random.Random(21)
    households = [
        make_household(a, last_name=f"Nom{i}", stage=rng.choice(STAGES), stage_reason="autre") for i in range(12)
    ]
    assert_tallies_true(a, b)
    households[0].stage = Stage.SETTLED
    households[0].save()
    Household.objects.filter(pk__in=[h.pk for h in households[1:4]]).update(stage=Stage.DROPPED, stage_reason="autre")
    assert_tallies_true(a, b)
    Household.objects.bulk_create(
        Household(territory=b, stage=rng.choice(STAGES), stage_reason="autre") for _i in range(30)
    )
    Household.objects.filter(pk=households[4].pk).update(territory=b, stage=Stage.VISIT)
    assert_tallies_true(a, b)
    anonymise_household(households[5])
    households[6].delete()
    Household.objects.filter(territory=b, stage=Stage.NEW).delete()
    assert_tallies_true(a, b)
    assert StageTally.objects.count() > 14
    removed = fold_stage_tallies()
    assert removed > 0
    assert StageTally.objects.count() <= 2 * len(STAGES)
    assert_tallies_true(a, b)
    for household in Household.objects.filter(territory=a)[:5]:
        household.stage = rng.choice(STAGES)
        household.stage_reason = "autre"
        household.save(update_fields=["stage", "stage_reason"])
    assert_tallies_true(a, b)
    assert fold_stage_tallies() >= 0 and StageTally.objects.filter(n=0).count() == 0
    assert_tallies_true(a, b)


def test_a_territory_deleted_with_its_files_leaves_its_tallies_consistent_and_folded_away(db):
    """The triggers write rows while the households of a deleted territory go: no constraint may refuse them at
    commit (a test database flushed between tests, a territory removed by an administrator)."""
    from sohosolo.territory.models import Territory

    gone = Territory.objects.create(code="gone", name="Gone", departement="32")
    kept = Territory.objects.create(code="kept", name="Kept", departement="32")
    for i in range(3):
        make_household(gone, last_name=f"Nom{i}")
    make_household(kept, last_name="Reste")
    with connection.cursor() as cursor:  # as a flush does: table after table, the territories before the files
        cursor.execute("DELETE FROM territory_territory WHERE id = %s", [gone.pk])
        files = "SELECT id FROM prospects_household WHERE territory_id = %s"
        for table in ("prospects_person", "prospects_interaction", "privacy_consent"):
            cursor.execute(f"DELETE FROM {table} WHERE household_id IN ({files})", [gone.pk])
        cursor.execute("DELETE FROM prospects_household WHERE territory_id = %s", [gone.pk])
    connection.check_constraints([StageTally._meta.db_table])  # what a commit checks: the constraints are deferred
    fold_stage_tallies()
    assert set(StageTally.objects.values_list("territory_id", flat=True)) == {kept.pk}
    assert_tallies_true(kept)


def test_the_board_and_the_list_show_the_counts_without_counting_the_table(world, client_for):
    for stage in (Stage.NEW, Stage.NEW, Stage.FOLLOW_UP):
        make_household(world.territory_a, stage=stage)
    client = client_for("advisor_a")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("prospects:list", args=["gers"])).text
    household_table = Household._meta.db_table
    counting = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and f'FROM "{household_table}"' in q["sql"]]
    assert not counting, counting
    assert re.search(r"3\s+candidats", page), "the total comes from the tallies"


def test_a_filtered_list_counts_up_to_a_limit(world, client_for, monkeypatch):
    from sohosolo.prospects import views

    for i in range(6):
        make_household(world.territory_a, last_name=f"Lambert{i}", current_town="Auch")
    monkeypatch.setattr(views, "COUNT_LIMIT", 4)
    client = client_for("advisor_a")
    page = client.get(reverse("prospects:list", args=["gers"]), {"q": "auch"}).text
    assert "Plus de 4 candidats" in page
    monkeypatch.setattr(views, "COUNT_LIMIT", 10)
    page = client.get(reverse("prospects:list", args=["gers"]), {"q": "auch"}).text
    assert "Plus de" not in page and re.search(r"6\s+candidats", page)


def make_many(territory, count: int, rng: random.Random) -> None:
    """Households with few distinct dates, so that many share a sort key and the primary key breaks the ties."""
    start = date(2024, 1, 1)
    Household.objects.bulk_create(
        Household(
            territory=territory,
            stage=rng.choice(STAGES),
            stage_reason="autre",
            last_contact_on=start + timedelta(days=rng.randrange(6)),
            first_contact_on=start + timedelta(days=rng.randrange(4)),
        )
        for _i in range(count)
    )


def walk(queryset, key: str, size: int) -> tuple[list[int], list[str]]:
    seen, cursors, params = [], [], {}
    while True:
        page = keyset_page(queryset, key, size, params)
        seen += [h.pk for h in page]
        if not page.next_cursor:
            return seen, cursors
        cursors.append(page.next_cursor)
        params = {"apres": page.next_cursor}


def test_keyset_pages_walk_every_order_without_gap_or_repeat(world):
    rng = random.Random(7)
    make_many(world.territory_a, 83, rng)
    households = Household.objects.current().filter(territory=world.territory_a)
    for key in ("-last_contact_on", "last_contact_on", "-first_contact_on", "first_contact_on"):
        expected = list(households.order_by(key, "-pk" if key.startswith("-") else "pk").values_list("pk", flat=True))
        seen, cursors = walk(households, key, 10)
        assert seen == expected, key
        # Back from the last page, page by page, to the first.
        page = keyset_page(households, key, 10, {"apres": cursors[-1]})
        back = [h.pk for h in page]
        while page.previous_cursor:
            page = keyset_page(households, key, 10, {"avant": page.previous_cursor})
            back = [h.pk for h in page] + back
        assert back == expected, key
        assert not page.previous_cursor and page.next_cursor


def test_a_cursor_that_is_not_one_shows_the_first_page(world):
    make_many(world.territory_a, 12, random.Random(3))
    households = Household.objects.current().filter(territory=world.territory_a)
    first = [h.pk for h in keyset_page(households, "-last_contact_on", 5, {})]
    for bad in ("", "x", "2024-13-45.3", "2024-01-01.", "2024-01-01.-4", "abc.12", "9" * 100, "2024-01-01.1e5"):
        assert [h.pk for h in keyset_page(households, "-last_contact_on", 5, {"apres": bad})] == first, bad


def test_a_deep_page_of_the_list_costs_the_same_queries_and_follows_its_cursor(world, client_for):
    rng = random.Random(11)
    make_many(world.territory_a, 130, rng)
    Person.objects.bulk_create(
        Person(household=h, is_main_contact=True, first_name="Anne", last_name=f"Roux{h.pk}")
        for h in Household.objects.filter(territory=world.territory_a)
    )
    client = client_for("advisor_a")
    url = reverse("prospects:list", args=["gers"])
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).text
    links = re.findall(r'href="\?apres=([^"&]+)', page)
    assert links, "a link to the next page"
    counts = []
    cursor = links[0]
    for _i in range(3):
        with CaptureQueriesContext(connection) as deep:
            page = client.get(url, {"apres": cursor}).text
        counts.append(len(deep))
        assert "avant=" in page
        cursor = re.findall(r'href="\?apres=([^"&]+)', page)[0]
        assert "OFFSET" not in " ".join(q["sql"] for q in deep.captured_queries).upper()
    assert set(counts) == {len(first)}


def test_the_search_finds_a_part_of_a_name_a_first_name_without_accents_an_email_and_a_phone(world, client_for):
    target = make_household(
        world.territory_a,
        first_name="Gaëlle",
        last_name="Dupont-Élisée",
        email="g.dupont@exemple.fr",
        phone="0612345678",
    )
    for i in range(5):
        make_household(world.territory_a, first_name="Paul", last_name=f"Martin{i}", phone=f"05620000{i:02d}")
    other = make_household(world.territory_b, first_name="Gaëlle", last_name="Dupont", phone="0612345678")
    everyone = Household.objects.current()
    for text in ("dupont", "Dupon", "gaelle", "GAËLLE dupont", "elisee", "g.dupont@exemple.fr", "exemple.fr"):
        found = set(everyone.filter(territory=world.territory_a).search(text))
        assert found == {target}, text
    for phone in ("06 12 34 56 78", "+33 6 12 34 56 78", "06.12.34.56.78", "0612345678"):
        assert set(everyone.search(phone)) == {target, other}, phone
        assert set(everyone.filter(territory=world.territory_a).search(phone)) == {target}, phone
    assert not everyone.search("zzzyyyxxx").exists()
    # Two letters are too few for the index: the plain search still answers.
    assert target in everyone.filter(territory=world.territory_a).search("ga")
    page = client_for("advisor_a").get(reverse("prospects:list", args=["gers"]), {"q": "gaelle"}).text
    assert "Dupont-Élisée" in page and "Martin" not in page


def test_the_search_index_follows_changes_of_the_search_text(world):
    household = make_household(world.territory_a, first_name="Yann", last_name="Kervella", email="")
    assert set(Household.objects.search("kervella")) == {household}
    person = household.members.get()
    person.last_name = "Le Goff"
    person.save()
    household.refresh_search_text()
    assert not Household.objects.search("kervella").exists()
    assert set(Household.objects.search("goff")) == {household}
    household.delete()
    assert not Household.objects.search("goff").exists()


def test_a_search_in_a_territory_asks_the_index_for_its_files_only_and_follows_a_move(world):
    a, b = world.territory_a, world.territory_b
    here = make_household(a, first_name="Yann", last_name="Kervella", email="")
    there = make_household(b, first_name="Anne", last_name="Kervella", email="")
    assert set(Household.objects.filter(territory=a).search("kervella", territory=a)) == {here}
    assert set(Household.objects.filter(territory=b).search("kervella", territory=b)) == {there}
    Household.objects.filter(pk=here.pk).update(territory=b)
    assert not Household.objects.filter(territory=a).search("kervella", territory=a).exists()
    assert set(Household.objects.filter(territory=b).search("kervella", territory=b)) == {here, there}
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM prospects_household_fts WHERE prospects_household_fts MATCH %s",
                [f'"kervella" AND "⟦{a.pk}⟧"'],
            )
            assert cursor.fetchall() == []  # the index itself answers for one territory
            cursor.execute(
                "SELECT rowid FROM prospects_household_fts WHERE prospects_household_fts MATCH %s",
                [f'"kervella" AND "⟦{b.pk}⟧"'],
            )
            assert {row[0] for row in cursor.fetchall()} == {here.pk, there.pk}


def test_a_search_finding_many_files_gives_the_same_files(world, monkeypatch):
    """Beyond SEARCH_IDS_GIVEN files found, SQLite's list queries ask the index themselves: same files."""
    from sohosolo.prospects import models

    a = world.territory_a
    found = {make_household(a, first_name="Zoé", last_name=f"Marchetti{i}", email="") for i in range(6)}
    make_household(a, first_name="Zoé", last_name="Autre", email="")
    make_household(world.territory_b, first_name="Zoé", last_name="Marchetti", email="")
    few = set(Household.objects.filter(territory=a).search("zoe marchetti", territory=a))
    monkeypatch.setattr(models, "SEARCH_IDS_GIVEN", 2)
    many = set(Household.objects.filter(territory=a).search("zoe marchetti", territory=a))
    assert few == many == found


def test_new_files_go_to_the_advisors_in_turn_from_their_roles(world):
    """The advisor given the oldest file before is next; the turn is kept on the role, not found by a scan."""
    from sohosolo.accounts.models import Role, RoleKind
    from sohosolo.prospects.services import assign_in_turn
    from tests.factories import make_user

    make_user("second@example.fr", "Second Conseil", (RoleKind.ADVISOR, world.territory_a))
    advisors = set(
        Role.objects.filter(territory=world.territory_a, kind=RoleKind.ADVISOR).values_list("user_id", flat=True)
    )
    given = []
    for i in range(2 * len(advisors)):
        household = make_household(world.territory_a, last_name=f"Tour{i}")
        assign_in_turn(world.territory_a, household)
        household.refresh_from_db()
        given.append(household.advisor_id)
    assert set(given) == advisors
    for user_id in advisors:
        assert given.count(user_id) == 2, given
    assert given[: len(advisors)] == given[len(advisors) :]
