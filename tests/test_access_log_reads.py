"""Every page that shows a household's file to the team, the Django admin's included, puts the read in the access log.

The pages are taken from the URL list, not from a list kept by hand: a new page of a file is covered the day it is
added, and fails here if it shows the file without logging it."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sohosolo.audit.admin import ReadLoggedAdmin
from sohosolo.audit.models import ActionLog
from sohosolo.network import services as network_services
from sohosolo.prospects.models import Household
from tests.factories import followed_household
from tests.test_network import member_profile

READS = ("prospect.read", "prospect.read_by_committee")


def routes():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern

    return list(walk(get_resolver().url_patterns))


def household_routes():
    """Every page addressed by a household's number: …/candidats/<int:pk>/… (the team's and the committees')."""
    return [route for route, _ in routes() if re.search(r"candidats/<int:pk>/", route)]


def fill(route: str, values: dict) -> str | None:
    """The route with its parameters filled in, None when it takes one the test has no value for."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if any(name not in values for name in names):
        return None
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def reads_of(household: Household) -> int:
    return ActionLog.objects.filter(action__in=READS, object_id=str(household.pk)).count()


@pytest.fixture
def household(world):
    return followed_household(world)


def test_every_page_of_a_file_answering_a_get_logs_the_read(world, client_for, household):
    staff = client_for("advisor_a")
    volunteer = client_for("volunteer_a1")
    values = {"code": "gers", "pk": household.pk, "slug": world.village_a1.slug}
    shown = []
    for route in household_routes():
        url = fill(route, values)
        if url is None:
            continue  # a sub-record's own number (a follow-up, a proposal): its page is a POST target
        client = volunteer if "villages/<slug:slug>/" in route else staff
        before = reads_of(household)
        response = client.get(url)
        assert response.status_code in (200, 302, 405), (url, response.status_code)
        if response.status_code == 200:
            shown.append(route)
            assert reads_of(household) == before + 1, f"{url} shows the file without logging the read"
    # The test itself would pass vacuously if the pages stopped answering: these must be among them.
    for page in ("", "modifier/", "logement/", "mise-en-relation/", "orienter/", "visite/", "installation/"):
        assert any(route.endswith(f"candidats/<int:pk>/{page}") for route in shown), page
    assert any(route.startswith("territoires/<slug:code>/villages/") for route in shown)


def test_a_post_is_not_counted_as_a_read_and_a_page_logs_once(world, client_for, household):
    staff = client_for("advisor_a")
    staff.post(reverse("prospects:add_interaction", args=["gers", household.pk]), {"kind": "note", "summary": "x"})
    assert reads_of(household) == 0
    staff.get(household.get_absolute_url())
    assert reads_of(household) == 1


def test_the_introduction_page_logs_the_read_of_the_household(world, client_for, household):
    profile = member_profile(world)
    introduction = network_services.propose_introduction(
        household, actor=world.users["advisor_a"], kind="introduction", purpose="x", member=profile
    )
    response = client_for("advisor_a").get(reverse("network:staff_introduction", args=["gers", introduction.pk]))
    assert response.status_code == 200 and "Durand" in response.text
    assert reads_of(household) == 1


def test_every_admin_page_of_a_household_record_logs_the_read(world, client_for, household):
    """Every admin of a model that is a household or belongs to one logs reads; the household's pages do."""
    for model, model_admin in admin.site._registry.items():
        if model is Household or any(
            field.many_to_one and field.related_model is Household for field in model._meta.get_fields()
        ):
            assert isinstance(model_admin, ReadLoggedAdmin), model._meta.label
    operator = world.users["platform_admin"]
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client = client_for("platform_admin")
    interaction = household.interactions.create(kind="note", summary="Appel", data={})
    pages = [
        (reverse("admin:prospects_household_change", args=[household.pk]), "Durand"),
        (reverse("admin:prospects_household_history", args=[household.pk]), ""),
        (reverse("admin:prospects_interaction_change", args=[interaction.pk]), "Appel"),
    ]
    for number, (url, text) in enumerate(pages, start=1):
        response = client.get(url)
        assert response.status_code == 200 and text in response.text, url
        assert reads_of(household) == number, url
    entry = ActionLog.objects.filter(action="prospect.read").first()
    assert entry.actor == world.users["platform_admin"] and entry.territory == world.territory_a
    assert entry.data["admin"] == "prospects.interaction"
