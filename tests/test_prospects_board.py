"""The board by stage: a file moved in place, and its cost in queries (with the committee's list of a village)."""

from __future__ import annotations

from django.urls import reverse

from sohosolo.privacy.consents import record_consents
from sohosolo.prospects.models import Stage
from tests.factories import make_household


def test_board_shows_counts_and_moves_a_file_in_place(world, client_for):
    household = make_household(world.territory_a)
    client = client_for("advisor_a")
    page = client.get(reverse("prospects:board", args=["gers"])).text
    assert "Hélène Léger" in page
    response = client.post(
        reverse("prospects:set_stage", args=["gers", household.pk]),
        {"stage": "first_interview", "next": reverse("prospects:board", args=["gers"])},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == reverse("prospects:board", args=["gers"])
    household.refresh_from_db()
    assert household.stage == Stage.FIRST_INTERVIEW
    evil = client.post(
        reverse("prospects:set_stage", args=["gers", household.pk]), {"stage": "visit", "next": "https://evil.example/"}
    )
    assert evil["Location"] == household.get_absolute_url()


def test_board_and_committee_list_stay_within_a_bounded_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    for i in range(40):
        household = make_household(world.territory_a, last_name=f"Nom{i}")
        household.villages_of_interest.add(world.village_a1)
        record_consents(household, {"follow_up": True, "sharing": True}, "fr", source="test")
    advisor, volunteer = client_for("advisor_a"), client_for("volunteer_a1")
    with django_assert_max_num_queries(14):
        assert advisor.get(reverse("prospects:board", args=["gers"])).status_code == 200
    with django_assert_max_num_queries(10):
        page = volunteer.get(reverse("prospects:village_list", args=["gers", "lectoure"]))
    assert page.text.count('href="/territoires/gers/villages/lectoure/candidats/') == 25  # one page
