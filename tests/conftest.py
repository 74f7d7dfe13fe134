"""Personas shared by every test: who can see what is the heart of the platform, so every test speaks of them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from sohosolo.accounts.models import Role, RoleKind, User
from sohosolo.territory.models import Territory, Village
from tests.factories import PASSWORD as PASSWORD  # imported from here by other tests
from tests.factories import make_commune, make_territory, make_village
from tests.factories import make_user as make_user  # imported from here by other tests
from tests.signin import sign_in_test_client

# The day the tests that read the demo draw it for, and live on: the same data whatever the real day.
DEMO_DAY = date(2026, 6, 15)


@dataclass
class World:
    territory_a: Territory
    territory_b: Territory
    village_a1: Village
    village_a2: Village
    village_b1: Village
    users: dict[str, User | None]


PERSONAS = [
    "anonymous",
    "platform_admin",
    "manager_a",
    "advisor_a",
    "advisor_b",
    "volunteer_a1",
    "volunteer_a2",
    "member",
    "partner",
]


def pytest_collection_modifyitems(config, items):
    """TEST_ORDER=reverse runs the tests backwards, to show that none depends on one run before it."""
    if os.environ.get("TEST_ORDER") == "reverse":
        items.reverse()


@pytest.fixture(autouse=True)
def _tasks_must_not_fail():
    """Tasks run at once in tests, and the backend would keep a failure to itself: make it fail the test."""
    from django.tasks.signals import task_finished

    failures = []

    def record(sender, task_result, **kwargs):
        if task_result.status == "FAILED":
            failures.append(
                f"{task_result.task.name}: {task_result.errors[-1].traceback if task_result.errors else ''}"
            )

    task_finished.connect(record, weak=False)
    yield
    task_finished.disconnect(record)
    assert not failures, "A background task failed:\n" + "\n".join(failures)


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path_factory):
    """Private files (reports, imports, documents) of a test land in a folder of its own, never in var/private."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path_factory.mktemp("private")


@pytest.fixture(autouse=True)
def _fast_and_immediate(settings):
    cache.clear()
    # A request to an /en/ page leaves English active in this thread; every test starts in French, as the site does.
    translation.activate(settings.LANGUAGE_CODE)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run at once in tests so that emails land in mail.outbox; test_platform.py checks the real queue.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # Without collectstatic, tests use plain static storage (production uses WhiteNoise's manifest).
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    settings.DEMO_MODE = False


@pytest.fixture
def on_demo_day():
    """The clock of a test that reads the demo: noon of DEMO_DAY (Paris), ticking from there."""
    from sohosolo.demo import demo_instant

    with time_machine.travel(demo_instant(DEMO_DAY), tick=True):
        yield DEMO_DAY


def load_demo_of_the_tests(scale: float) -> None:
    """The demo drawn for DEMO_DAY by its command, at a small `scale` of the prospects' history."""
    from django.core.management import call_command

    call_command("demo", "--prospects-scale", str(scale), "--today", DEMO_DAY.isoformat(), verbosity=0)


@pytest.fixture
def world(db) -> World:
    communes = {
        code: make_commune(code, name, population=population, latitude=lat, longitude=lon)
        for code, name, population, lat, lon in [
            ("32013", "Auch", 22428, 43.64710, 0.58375),
            ("32208", "Lectoure", 3670, 43.93400, 0.61981),
            ("32233", "Marciac", 1213, 43.52400, 0.16058),
            ("46042", "Cahors", 20050, 44.44683, 1.44062),
            ("46185", "Martel", 1637, 44.93680, 1.60851),
        ]
    }
    a = make_territory("gers", communes["32013"], name="Soho Solo Gers")
    b = make_territory("lot", communes["46042"], name="Soho Solo Lot")
    a1 = make_village(a, communes["32208"])
    a2 = make_village(a, communes["32233"])
    b1 = make_village(b, communes["46185"])
    admin = make_user("admin@example.fr", "Hélène Admin")
    Role.objects.create(user=admin, kind=RoleKind.PLATFORM_ADMIN)
    users = {
        "anonymous": None,
        "platform_admin": admin,
        "manager_a": make_user("manager.a@example.fr", "Sophie Manager", (RoleKind.MANAGER, a)),
        "advisor_a": make_user("advisor.a@example.fr", "Julien Advisor", (RoleKind.ADVISOR, a)),
        "advisor_b": make_user("advisor.b@example.fr", "Camille Advisor", (RoleKind.ADVISOR, b)),
        "volunteer_a1": make_user("volunteer.a1@example.fr", "Bernard Volunteer", (RoleKind.VOLUNTEER, a1)),
        "volunteer_a2": make_user("volunteer.a2@example.fr", "Monique Volunteer", (RoleKind.VOLUNTEER, a2)),
        "member": make_user("member@example.fr", "Thomas Member", (RoleKind.MEMBER, a), language="en"),
        "partner": make_user("partner@example.fr", "Nathalie Partner", (RoleKind.PARTNER, a)),
    }
    return World(a, b, a1, a2, b1, users)


def sign_in_verified(client: Client, user: User) -> Client:
    """Sign `client` in as `user` as the sign-in pages would: password given just now and, for those who must have
    it (staff, Django admin), the second factor passed with an authenticator app (a device made for them)."""
    return sign_in_test_client(client, user)


@pytest.fixture
def client_for(world):
    """client_for("advisor_a") is a test client signed in as that persona (anonymous for "anonymous"), past the
    second factor where the persona needs one, having given their password just now (no re-confirmation asked)."""

    def make(persona: str) -> Client:
        client = Client()
        user = world.users[persona]
        if user is not None:
            sign_in_verified(client, user)
        return client

    return make
