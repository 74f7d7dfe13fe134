from __future__ import annotations

import pytest
from django.urls import reverse

from sohosolo.accounts.models import Role, RoleKind
from sohosolo.accounts.scopes import scope_queryset
from sohosolo.territory.models import Village


def test_advisor_of_territory_a_gets_404_on_a_territory_b_page(world, client_for):
    client = client_for("advisor_a")
    assert client.get(reverse("territory:detail", args=["lot"])).status_code == 404
    assert client.get(reverse("accounts:team", args=["lot"])).status_code == 404
    assert client.get(reverse("territory:village_committee", args=["lot", "martel"])).status_code == 404
    assert client.get(reverse("territory:detail", args=["gers"])).status_code == 200


def test_404_does_not_tell_an_outsider_whether_the_territory_exists(world, client_for):
    client = client_for("advisor_a")
    assert client.get(reverse("territory:detail", args=["lot"])).status_code == 404
    assert client.get(reverse("territory:detail", args=["nowhere"])).status_code == 404


@pytest.mark.parametrize("url", ["/espace/", "/territoires/gers/", "/territoires/gers/equipe/", "/compte/profil/"])
def test_anonymous_visitor_is_sent_to_sign_in_from_staff_pages(world, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/compte/connexion/?next={url}"


def test_volunteer_sees_their_own_village_committee_but_not_another_village(world, client_for):
    client = client_for("volunteer_a1")
    own = client.get(reverse("territory:village_committee", args=["gers", "lectoure"]))
    assert own.status_code == 200
    assert "Bernard Volunteer" in own.text
    assert client.get(reverse("territory:village_committee", args=["gers", "marciac"])).status_code == 404
    assert client.get(reverse("territory:detail", args=["gers"])).status_code == 404


def test_club_member_and_partner_see_no_territory_page(world, client_for):
    for persona in ("member", "partner"):
        client = client_for(persona)
        assert client.get(reverse("territory:detail", args=["gers"])).status_code == 404
        assert client.get(reverse("accounts:team", args=["gers"])).status_code == 404


def test_scope_queryset_keeps_only_the_users_territories(world):
    villages = scope_queryset(world.users["advisor_a"], Village.objects.all())
    assert set(villages.values_list("slug", flat=True)) == {"lectoure", "marciac"}
    assert scope_queryset(world.users["platform_admin"], Village.objects.all()).count() == 3
    assert scope_queryset(world.users["volunteer_a1"], Village.objects.all()).count() == 0


def test_staff_home_shows_roles_and_only_the_parts_the_user_can_reach(world, client_for):
    page = client_for("manager_a").get(reverse("staff_home"))
    assert "Soho Solo Gers" in page.text and "Soho Solo Lot" not in page.text
    assert reverse("accounts:invite", args=["gers"]) in page.text
    advisor_page = client_for("advisor_a").get(reverse("staff_home"))
    assert reverse("accounts:invite", args=["gers"]) not in advisor_page.text
    volunteer_page = client_for("volunteer_a1").get(reverse("staff_home"))
    assert reverse("territory:village_committee", args=["gers", "lectoure"]) in volunteer_page.text
    assert f'href="{reverse("territory:detail", args=["gers"])}"' not in volunteer_page.text


def test_a_deactivated_user_loses_every_scope(world, client_for):
    client = client_for("advisor_a")
    user = world.users["advisor_a"]
    user.is_active = False
    user.save()
    assert client.get(reverse("territory:detail", args=["gers"])).status_code == 302


def test_team_list_runs_a_bounded_number_of_queries(world, client_for, django_assert_max_num_queries):
    users = [
        Role(
            user=world.users["member"].__class__.objects.create_user(f"v{i}@example.fr", full_name=f"V {i}"),
            kind=RoleKind.VOLUNTEER,
            village=world.village_a1,
            territory=world.territory_a,
        )
        for i in range(120)
    ]
    Role.objects.bulk_create(users)
    client = client_for("manager_a")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:team", args=["gers"]))
    assert response.status_code == 200
    assert "Page 1" in response.text or "Page 1 sur" in response.text
    with django_assert_max_num_queries(12):
        assert client.get(reverse("territory:detail", args=["gers"])).status_code == 200


def test_scope_of_an_inactive_user_is_empty(world):
    from sohosolo.accounts.scopes import Scope

    user = world.users["manager_a"]
    assert Scope.for_user(user).can_manage_territory(world.territory_a.pk)
    user.is_active = False
    assert not Scope.for_user(user).has_any_role
