"""The permission matrix: every URL pattern of the project × every persona → the status code each must get.

A new URL pattern fails `test_every_url_pattern_has_declared_expectations` until its line is added to EXPECTED,
so nobody can add a page without saying who may open it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from tests import (
    matrix_accounts,
    matrix_committees,
    matrix_housing,
    matrix_intranet,
    matrix_network,
    matrix_privacy,
    matrix_results,
)
from tests.conftest import PERSONAS, World
from tests.matrix import STAFF_POST_ONLY, TEAM_A, every, only

# Namespaces tested as a whole through one page (the Django admin has hundreds of generated patterns).
WHOLE_NAMESPACES = {"admin": "admin:index"}

# name → (URL arguments from the world, expected status per persona)
EXPECTED: dict[str, tuple[Callable[[World], list], dict[str, int]]] = {
    "home": (lambda w: [], every(200)),
    "healthz": (lambda w: [], every(200)),
    "set_language": (lambda w: [], every(405)),  # POST only
    "staff_home": (lambda w: [], every(200, anonymous=302)),
    "accounts:login": (lambda w: [], every(302, anonymous=200)),  # signed-in users go to their space
    "accounts:logout": (lambda w: [], every(405)),  # POST only
    "accounts:profile": (lambda w: [], every(200, anonymous=302)),
    "accounts:password_change": (lambda w: [], every(200, anonymous=302)),
    "accounts:password_reset": (lambda w: [], every(200)),
    "accounts:password_reset_done": (lambda w: [], every(200)),
    "accounts:password_reset_confirm": (lambda w: ["MQ", "bad-token"], every(200)),  # says the link is invalid
    "accounts:activate": (lambda w: ["forged-token"], every(404)),
    "accounts:team": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "accounts:invite": (
        lambda w: [w.territory_a.code],
        only({"platform_admin": 200, "manager_a": 200, "advisor_a": 403}),
    ),
    "territory:detail": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "territory:village_committee": (
        lambda w: [w.territory_a.code, w.village_a1.slug],
        only(TEAM_A | {"volunteer_a1": 200}),
    ),
    "territory:village_list": (lambda w: [], every(200)),
    "territory:map_svg": (lambda w: [w.territory_a.code], every(200)),
    "territory:village_public": (lambda w: [w.territory_a.code, w.village_a1.slug], every(200)),
    "territory:village_create": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "territory:settings": (
        lambda w: [w.territory_a.code],
        only({"platform_admin": 200, "manager_a": 200, "advisor_a": 403}),
    ),
    "territory:committee_remove": (lambda w: [w.territory_a.code, w.village_a1.slug, 1], every(405, anonymous=302)),
    "territory:village_edit": (lambda w: [w.territory_a.code, w.village_a1.slug], only(TEAM_A | {"volunteer_a1": 200})),
    "territory:village_photos": (
        lambda w: [w.territory_a.code, w.village_a1.slug],
        only(TEAM_A | {"volunteer_a1": 200}),
    ),
    "territory:committee_invite": (
        lambda w: [w.territory_a.code, w.village_a1.slug],
        only(TEAM_A | {"volunteer_a1": 200}),
    ),
    # POST only: a GET learns nothing (405); POST scoping is tested in test_villages.py.
    "territory:village_photo_delete": (lambda w: [w.territory_a.code, w.village_a1.slug, 1], every(405, anonymous=302)),
    "territory:committee_function": (lambda w: [w.territory_a.code, w.village_a1.slug, 1], every(405, anonymous=302)),
    "prospects:apply_choose": (lambda w: [], every(200)),
    "prospects:apply": (lambda w: [w.territory_a.code], every(200)),
    "prospects:applied": (lambda w: [w.territory_a.code], every(200)),
    "prospects:my_day": (lambda w: [], only(TEAM_A | {"advisor_b": 200})),
    "prospects:list": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "prospects:board": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "prospects:export": (lambda w: [w.territory_a.code, "csv"], only(TEAM_A)),
    "prospects:bulk": (lambda w: [w.territory_a.code], only(STAFF_POST_ONLY)),
    "prospects:save_view": (lambda w: [w.territory_a.code], only(STAFF_POST_ONLY)),
    "prospects:delete_view": (lambda w: [w.territory_a.code, 1], only(STAFF_POST_ONLY)),
    "prospects:detail": (lambda w: [w.territory_a.code, w.household.pk], only(TEAM_A)),
    "prospects:edit": (lambda w: [w.territory_a.code, w.household.pk], only(TEAM_A)),
    "prospects:settle": (lambda w: [w.territory_a.code, w.household.pk], only(TEAM_A)),
    # Without another file to compare, the merge page sends back to the file.
    "prospects:merge": (lambda w: [w.territory_a.code, w.household.pk], only(dict.fromkeys(TEAM_A, 302))),
    **{
        name: (lambda w: [w.territory_a.code, w.household.pk], only(STAFF_POST_ONLY))
        for name in ("prospects:add_interaction", "prospects:add_follow_up", "prospects:set_stage", "prospects:assign")
    },
    "prospects:follow_up_done": (lambda w: [w.territory_a.code, w.household.pk, 1], only(STAFF_POST_ONLY)),
    "prospects:village_list": (
        lambda w: [w.territory_a.code, w.village_a1.slug],
        only(TEAM_A | {"volunteer_a1": 200}),
    ),
    "prospects:village_detail": (
        lambda w: [w.territory_a.code, w.village_a1.slug, w.household.pk],
        only(TEAM_A | {"volunteer_a1": 200}),
    ),
    # The web import. The job pages need an import of territory A: the arguments create a finished one (the
    # territory's related manager, so that the world fixture stays as it is). Its mapping page sends back to it.
    "prospects:import_upload": (lambda w: [w.territory_a.code], only(TEAM_A)),
    **{
        name: (
            lambda w: [w.territory_a.code, w.territory_a.import_jobs.get_or_create(status="done")[0].pk],
            expected,
        )
        for name, expected in (
            ("prospects:import_job", only(TEAM_A)),
            ("prospects:import_progress", only(TEAM_A)),
            ("prospects:import_mapping", only(dict.fromkeys(TEAM_A, 302))),
            ("prospects:import_cancel", only(STAFF_POST_ONLY)),
        )
    },
    "events:calendar": (lambda w: [], every(200)),
    "events:series_list": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "events:series_edit": (lambda w: [w.territory_a.code, w.series.pk], only(TEAM_A)),
    "events:detail": (lambda w: [w.territory_a.code, w.event.pk], every(200)),
    "events:ics": (lambda w: [w.territory_a.code, w.event.pk], every(200)),
    "events:cancel": (lambda w: ["not-a-token"], every(404)),
    "events:public_feed": (lambda w: [w.territory_a.code], every(200)),
    "events:private_feed": (lambda w: ["not-a-token"], every(404)),  # the token is the secret, not the session
    "events:my_calendar": (lambda w: [], every(200, anonymous=302)),
    # The team's side of events (territory A's information meeting, world.event).
    "events:staff_list": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "events:staff_create": (lambda w: [w.territory_a.code], only(TEAM_A)),
    **{
        name: (lambda w: [w.territory_a.code, w.event.pk], only(TEAM_A))
        for name in ("events:staff_detail", "events:staff_edit", "events:staff_message", "events:attendance")
    },
    "events:staff_export": (lambda w: [w.territory_a.code, w.event.pk, "csv"], only(TEAM_A)),
    "events:walk_in": (lambda w: [w.territory_a.code, w.event.pk], only(STAFF_POST_ONLY)),
    "events:mark_attendance": (lambda w: [w.territory_a.code, w.event.pk, 1], only(STAFF_POST_ONLY)),
    "events:village_meetings": (
        lambda w: [w.territory_a.code, w.village_a1.slug],
        only(TEAM_A | {"volunteer_a1": 200}),
    ),
    "admin:index": (lambda w: [], every(302) | {"platform_admin": 200}),
}
# Each later app declares its own lines (tests/matrix_<app>.py) and the objects its URLs need.
APP_MATRICES = [
    matrix_housing,
    matrix_network,
    matrix_intranet,
    matrix_committees,
    matrix_results,
    matrix_privacy,
    matrix_accounts,
]
for _matrix in APP_MATRICES:
    assert not set(_matrix.EXPECTED) & set(EXPECTED), f"{_matrix.__name__} declares a URL twice"
    EXPECTED |= _matrix.EXPECTED


def url_names(patterns=None, namespace: str = "") -> set[str]:
    """The name of every URL pattern of a URLconf; unnamed patterns show as their route, so they count too."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    names: set[str] = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace and inner.rstrip(":") in WHOLE_NAMESPACES:
                names.add(WHOLE_NAMESPACES[inner.rstrip(":")])
                continue
            names |= url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            names.add(f"{namespace}{entry.name}" if entry.name else f"{namespace}<unnamed {entry.pattern}>")
    return names


def undeclared(names: set[str]) -> set[str]:
    return names - set(EXPECTED)


def test_every_url_pattern_has_declared_expectations():
    missing = undeclared(url_names())
    assert not missing, f"Declare who may open these URLs in EXPECTED: {sorted(missing)}"


def test_a_new_url_without_expectations_fails_the_matrix():
    """What happens when somebody adds a page and forgets the matrix: the check above names it."""
    from django.http import HttpResponse
    from django.urls import path

    import sohosolo.urls

    patterns = [*sohosolo.urls.urlpatterns, path("nouvelle-page/", lambda r: HttpResponse(), name="new_page")]
    assert undeclared(url_names(patterns)) == {"new_page"}
    assert not undeclared(url_names(sohosolo.urls.urlpatterns))


def test_expectations_name_only_existing_urls():
    assert set(EXPECTED) - url_names() == set()


@pytest.fixture
def world_with_admin(world):
    from sohosolo.privacy.consents import record_consents
    from sohosolo.prospects.models import Household, Person

    admin = world.users["platform_admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    # A prospect of territory A who agreed to share their project with the Lectoure committee.
    world.household = Household.objects.create(territory=world.territory_a, current_town="Lyon")
    Person.objects.create(household=world.household, is_main_contact=True, first_name="Hélène", last_name="Durand")
    world.household.villages_of_interest.add(world.village_a1)
    record_consents(world.household, {"follow_up": True, "sharing": True}, "fr", source="test")
    from datetime import timedelta

    from django.utils import timezone

    from sohosolo.events.models import Event

    start = timezone.now() + timedelta(days=10)
    from sohosolo.events.models import Series

    world.series = Series.objects.create(
        territory=world.territory_a,
        kind="info_meeting",
        title_fr="Réunion d'information",
        frequency="weekly",
        interval=2,
        weekday=1,
        start_time="18:00",
        starts_on=start.date(),
    )
    world.event = Event.objects.create(
        territory=world.territory_a,
        kind="info_meeting",
        title_fr="Réunion d'information",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    for matrix in APP_MATRICES:
        matrix.build(world)
    return world


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_permission_matrix(world_with_admin, client_for, name, persona):
    args, expected = EXPECTED[name]
    with translation.override("fr"):
        url = reverse(name, args=args(world_with_admin))
    response = client_for(persona).get(url)
    assert response.status_code == expected[persona], f"{persona} GET {url}"
    if response.get("Content-Type", "").startswith("text/html"):
        csp = response.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp, f"{persona} GET {url}: {csp!r}"
    assert set(response.cookies) <= {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}, f"{persona} GET {url}"
    if response.status_code == 302 and persona == "anonymous" and name not in ("admin:index",):
        assert response["Location"].startswith(reverse("accounts:login")), response["Location"]
