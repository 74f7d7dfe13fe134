"""The permission matrix: every URL pattern of the project × every persona → the status code each must get, and every
URL that accepts POST → a POST from outside the scope of its record, which must be 404 and change nothing.

The lines are in tests/matrix_<app>.py, one module per app (their format: tests/matrix_site.py); this module runs
them. A new URL pattern fails `test_every_url_pattern_has_declared_expectations` until its line is added to its
app's EXPECTED, and, if it accepts POST, `test_every_url_accepting_post_has_a_post_row` until it has a POST row or
a reason in POST_EXEMPT: nobody can add a page without saying who may open it, nor a form without saying who may
not send it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from tests import (
    matrix_accounts,
    matrix_appointments,
    matrix_campaigns,
    matrix_committees,
    matrix_correspondence,
    matrix_documents,
    matrix_events,
    matrix_housing,
    matrix_intranet,
    matrix_network,
    matrix_privacy,
    matrix_prospects,
    matrix_results,
    matrix_site,
    matrix_territory,
)
from tests.conftest import PERSONAS, World

# In the order their objects are built: the later ones use world.household, world.event, the territory's photo …
APP_MATRICES = [
    matrix_site,
    matrix_accounts,
    matrix_territory,
    matrix_prospects,
    matrix_events,
    matrix_housing,
    matrix_network,
    matrix_committees,
    matrix_results,
    matrix_intranet,
    matrix_privacy,
    matrix_documents,
    matrix_correspondence,
    matrix_appointments,
    matrix_campaigns,
]

# Namespaces tested as a whole through one page (the Django admin has hundreds of generated patterns).
WHOLE_NAMESPACES = {"admin": "admin:index"}


def merged(attribute: str) -> dict:
    lines: dict = {}
    for matrix in APP_MATRICES:
        part = getattr(matrix, attribute)
        assert not set(part) & set(lines), f"{matrix.__name__} declares a URL twice in {attribute}"
        lines |= part
    return lines


# name → (URL arguments from the world, expected status per persona)
EXPECTED: dict[str, tuple[Callable[[World], list], dict[str, int]]] = merged("EXPECTED")
# name → (URL arguments, the personas outside the record's scope, form data or a function of the world giving it)
POST: dict[str, tuple[Callable[[World], list], tuple[str, ...], dict | Callable[[World], dict]]] = merged("POST")
# name → why this URL, which accepts POST, has no POST row
POST_EXEMPT: dict[str, str] = merged("POST_EXEMPT")
# (name, persona) → the scope leak a POST row shows today (xfail, strict: fixing it makes the row pass, then fail)
KNOWN_LEAKS: dict[tuple[str, str], str] = {}


def url_patterns(patterns=None, namespace: str = "") -> dict[str, Callable]:
    """name → view of every URL pattern of a URLconf; unnamed patterns show as their route, so they count too. A
    namespace of WHOLE_NAMESPACES counts as its one page (its view stands for the namespace)."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    views: dict[str, Callable] = {}
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace and inner.rstrip(":") in WHOLE_NAMESPACES:
                name = WHOLE_NAMESPACES[inner.rstrip(":")]
                views[name] = next(p.callback for p in entry.url_patterns if f"{inner}{p.name}" == name)
                continue
            views |= url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            views[f"{namespace}{entry.name}" if entry.name else f"{namespace}<unnamed {entry.pattern}>"] = (
                entry.callback
            )
    return views


def url_names(patterns=None) -> set[str]:
    return set(url_patterns(patterns))


def undeclared(names: set[str]) -> set[str]:
    return names - set(EXPECTED)


def allowed_methods(view: Callable) -> set[str] | None:
    """The HTTP methods a view lets through, None when nothing restricts them.

    A class-based view allows the methods it has a handler for (`post`, …, among its http_method_names). A function
    view is restricted by Django's require_POST / require_GET / require_safe / require_http_methods: each keeps its
    list of methods in its closure (`request_method_list`), and functools.wraps links each decorator to the function
    it wraps (`__wrapped__`); the methods let through are those every such decorator of the chain allows. A view
    whose chain shows no such decorator (or that a decorator without functools.wraps hides) is taken to allow
    everything: the rule errs towards asking for a POST row, never towards forgetting one."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return {method.upper() for method in view_class.http_method_names if hasattr(view_class, method)}
    allowed: set[str] | None = None
    function = view
    while function is not None:
        code = getattr(function, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars and function.__closure__:
            methods = set(function.__closure__[code.co_freevars.index("request_method_list")].cell_contents)
            allowed = methods if allowed is None else allowed & methods
        function = getattr(function, "__wrapped__", None)
    return allowed


def accepts_post(view: Callable) -> bool:
    methods = allowed_methods(view)
    return methods is None or "POST" in methods


def post_urls(patterns=None) -> set[str]:
    """The URL names whose view accepts POST (see allowed_methods)."""
    return {name for name, view in url_patterns(patterns).items() if accepts_post(view)}


def without_post_row(names: set[str]) -> set[str]:
    return names - set(POST) - set(POST_EXEMPT)


# --- Every URL is declared --------------------------------------------------------------------------------------


def test_every_url_pattern_has_declared_expectations():
    missing = undeclared(url_names())
    assert not missing, f"Declare who may open these URLs in their app's tests/matrix_<app>.py: {sorted(missing)}"


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


def test_every_url_accepting_post_has_a_post_row():
    missing = without_post_row(post_urls())
    assert not missing, (
        "These URLs accept POST: add a POST row (an outsider's POST is 404 and changes nothing) to their "
        f"tests/matrix_<app>.py, or say in its POST_EXEMPT why they are not scoped: {sorted(missing)}"
    )


def test_post_rows_and_exemptions_name_only_urls_accepting_post():
    assert not set(POST) & set(POST_EXEMPT), "A URL is both exempt and given a POST row"
    assert set(POST) | set(POST_EXEMPT) <= post_urls(), "A POST row or exemption names a URL that refuses POST"
    assert all(reason.strip() for reason in POST_EXEMPT.values())
    assert all(personas for _args, personas, _data in POST.values()), "A POST row names nobody to send it"
    assert set(KNOWN_LEAKS) <= {
        (name, persona) for name, (_args, personas, _data) in POST.items() for persona in personas
    }


def test_a_new_url_accepting_post_without_a_post_row_fails_the_matrix():
    """Somebody adds a form (or an action) and forgets its POST row: the check above names it, and not a page that
    only answers GET."""
    from django.http import HttpResponse
    from django.urls import path
    from django.views.decorators.http import require_GET, require_POST

    import sohosolo.urls

    def page(request):
        return HttpResponse()

    patterns = [
        *sohosolo.urls.urlpatterns,
        path("nouvelle-action/", require_POST(page), name="new_action"),
        path("nouveau-formulaire/", page, name="new_form"),  # no method decorator: a form, as far as we know
        path("nouvelle-page/", require_GET(page), name="new_page"),
    ]
    assert without_post_row(post_urls(patterns)) == {"new_action", "new_form"}
    assert not without_post_row(post_urls(sohosolo.urls.urlpatterns))


def test_the_rule_reads_which_views_accept_post():
    from django.contrib.auth import views as auth_views
    from django.http import HttpResponse
    from django.views.decorators.cache import never_cache
    from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

    def page(request):
        return HttpResponse()

    assert accepts_post(require_POST(page)) and accepts_post(require_http_methods(["GET", "POST"])(page))
    assert not accepts_post(require_GET(page)) and not accepts_post(require_safe(page))
    assert not accepts_post(never_cache(require_GET(page)))  # through other decorators
    assert not accepts_post(require_POST(require_GET(page)))  # two restrictions: both must allow it
    assert accepts_post(page)  # nothing says: a POST row is asked for
    assert accepts_post(auth_views.LoginView.as_view())
    assert not accepts_post(auth_views.PasswordResetDoneView.as_view())
    # On the project's own views: the list of files answers GET only, adding a note POST only, editing both.
    views = url_patterns()
    assert not accepts_post(views["prospects:list"])
    assert allowed_methods(views["prospects:add_interaction"]) == {"POST"}
    assert allowed_methods(views["prospects:edit"]) == {"GET", "POST"}


# --- The world, and a GET for every persona ----------------------------------------------------------------------


@pytest.fixture
def world_with_admin(world):
    """The personas' world (tests/conftest.py) with territory A's records that the matrix's URLs need."""
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


# --- A POST from outside the scope -------------------------------------------------------------------------------

# Tables a refused request may write without changing anything: the sessions and the sign-in records (axes), and
# tables that never change (permissions, content types).
UNSNAPSHOTTED = {"sessions", "axes", "auth.permission", "contenttypes"}


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every other table, in order: what a refused POST must leave as it was."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label not in UNSNAPSHOTTED and model._meta.label_lower not in UNSNAPSHOTTED
    }


def changes(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> dict[str, dict[str, list]]:
    changed = {}
    for table, rows in after.items():
        if rows != before[table]:
            changed[table] = {
                "gone": [row for row in before[table] if row not in rows],
                "new": [row for row in rows if row not in before[table]],
            }
    return changed


def post_cases() -> list:
    cases = []
    for name, (_args, personas, _data) in sorted(POST.items()):
        for persona in personas:
            leak = KNOWN_LEAKS.get((name, persona))
            marks = [pytest.mark.xfail(strict=True, reason=leak)] if leak else []
            cases.append(pytest.param(name, persona, marks=marks, id=f"{name}-{persona}"))
    return cases


@pytest.mark.parametrize(("name", "persona"), post_cases())
def test_a_post_from_outside_the_scope_is_404_and_changes_nothing(
    world_with_admin, client_for, mailoutbox, name, persona
):
    args, _personas, data = POST[name]
    with translation.override("fr"):
        url = reverse(name, args=args(world_with_admin))
    payload = data(world_with_admin) if callable(data) else data
    client = client_for(persona)
    before = database_snapshot()

    response = client.post(url, payload)

    assert response.status_code == 404, f"{persona} POST {url}: {response.status_code}"
    assert not changes(before, database_snapshot()), (
        f"{persona} POST {url} changed {changes(before, database_snapshot())}"
    )
    assert not mailoutbox, f"{persona} POST {url} sent {[m.subject for m in mailoutbox]}"
