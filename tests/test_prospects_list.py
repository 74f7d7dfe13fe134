"""A territory's list of prospects: the search, its cost in queries, saved views, changes to several files at once."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sohosolo.prospects.models import Household, Person, Stage
from tests.factories import make_household


def test_search_ignores_accents_and_case(world, client_for):
    make_household(world.territory_a)
    make_household(world.territory_a, first_name="Paul", last_name="Martin", current_town="Nantes")
    url = reverse("prospects:list", args=["gers"])
    client = client_for("advisor_a")
    found = client.get(url, {"q": "helene"}).text
    assert "Hélène Léger" in found and "Paul Martin" not in found
    assert "Paul Martin" in client.get(url, {"q": "NANTES"}).text
    assert (
        "Hélène Léger" in client.get(url, {"q": "leger 0612"}).text
        or "Hélène Léger" in client.get(url, {"q": "léger"}).text
    )


def test_the_list_runs_the_same_number_of_queries_for_20_and_2000_prospects(world, client_for):
    client = client_for("advisor_a")
    url = reverse("prospects:list", args=["gers"])

    def add(count: int) -> None:
        households = Household.objects.bulk_create(
            Household(territory=world.territory_a, advisor=world.users["advisor_a"], current_town="Lyon")
            for _i in range(count)
        )
        Person.objects.bulk_create(
            Person(household=h, is_main_contact=True, first_name="Jean", last_name=f"Dupont {h.pk}") for h in households
        )

    add(20)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, {"stage": "new"}).status_code == 200
    add(1980)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, {"stage": "new"})
    assert "2000" in response.text.replace("\u202f", "").replace(" ", "")
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_a_saved_view_brings_back_the_filters_for_its_owner_only(world, client_for):
    make_household(world.territory_a)
    client = client_for("advisor_a")
    query = "stage=new&q=helene"
    response = client.post(reverse("prospects:save_view", args=["gers"]), {"name": "Nouvelles Hélène", "query": query})
    assert response["Location"].endswith("?" + query)
    page = client.get(reverse("prospects:list", args=["gers"])).text
    assert "Nouvelles Hélène" in page and f'href="?{query}"'.replace("&", "&amp;") in page
    assert "Nouvelles Hélène" not in client_for("manager_a").get(reverse("prospects:list", args=["gers"])).text
    from sohosolo.prospects.models import SavedView

    view = SavedView.objects.get()
    assert client_for("manager_a").post(reverse("prospects:delete_view", args=["gers", view.pk])).status_code == 404
    client.post(reverse("prospects:delete_view", args=["gers", view.pk]))
    assert not SavedView.objects.exists()


def test_bulk_assign_and_stage_change_only_touch_the_territorys_files(world, client_for):
    ours = [make_household(world.territory_a, last_name=f"Nom{i}") for i in range(3)]
    theirs = make_household(world.territory_b, last_name="Ailleurs")
    client = client_for("manager_a")
    ticked = [str(h.pk) for h in ours[:2]] + [str(theirs.pk)]
    client.post(
        reverse("prospects:bulk", args=["gers"]),
        {"households": ticked, "action": "assign", "advisor": world.users["advisor_a"].pk},
    )
    client.post(reverse("prospects:bulk", args=["gers"]), {"households": ticked, "action": "stage", "stage": "visit"})
    assert set(Household.objects.filter(advisor=world.users["advisor_a"]).values_list("pk", flat=True)) == {
        ours[0].pk,
        ours[1].pk,
    }
    assert Household.objects.filter(stage=Stage.VISIT).count() == 2
    theirs.refresh_from_db()
    assert theirs.stage == Stage.NEW and theirs.advisor is None
