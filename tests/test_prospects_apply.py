"""The public application form: a visitor's project reaches the advisors of the territory with its consents and
an acknowledgment; robots and floods are refused; the advisors take the new files in turn."""

from __future__ import annotations

import time

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.urls import reverse

from sohosolo.accounts.models import Role
from sohosolo.prospects.forms import FORM_TIMESTAMP_SALT
from sohosolo.prospects.models import Household
from tests.prospects_helpers import apply


def test_visitor_applies_in_english_and_the_file_reaches_the_advisors_with_its_consents(world, client_for):
    response = apply(Client(), villages=[str(world.village_a1.pk)])
    assert response.status_code == 302 and response["Location"] == "/en/mon-projet/gers/merci/"
    household = Household.objects.get()
    assert household.territory == world.territory_a and household.language == "en"
    assert household.advisor == world.users["advisor_a"]  # round robin: the only advisor of the Gers
    assert [m.full_name for m in household.members.filter(kind="adult")] == ["Hélène Smith", "Tom Smith"]
    assert household.children_ages == [4, 9]
    assert list(household.villages_of_interest.all()) == [world.village_a1]
    consents = {c.purpose: c for c in household.consents.all()}
    assert consents["follow_up"].given and consents["sharing"].given and not consents["news"].given
    assert consents["sharing"].language == "en" and consents["sharing"].wording_version
    assert "welcome committees" in consents["sharing"].wording  # the wording shown, in English
    # The acknowledgment goes out through the task queue, in English.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["helene.smith@example.co.uk"]
    assert mail.outbox[0].subject.startswith("Your settling project")
    page = client_for("advisor_a").get(reverse("prospects:list", args=["gers"]))
    assert "Hélène Smith" in page.text
    detail = client_for("advisor_a").get(household.get_absolute_url())
    assert "Sharing with the partner villages" in detail.text or "Partage avec les comités" in detail.text


def test_the_application_form_refuses_robots_and_explains_mistakes(world):
    assert apply(Client(), website="http://spam.example").status_code == 400
    too_fast = apply(Client(), started=signing.dumps(time.time(), salt=FORM_TIMESTAMP_SALT))
    assert too_fast.status_code == 400
    missing = apply(Client(), consent_follow_up=None, email="not-an-email", children_ages="4, 99")
    assert missing.status_code == 400 and missing.text.count('class="errorlist"') >= 3
    assert Household.objects.count() == 0 and mail.outbox == []


def test_one_address_cannot_flood_the_form(world):
    client = Client(REMOTE_ADDR="198.51.100.20")
    for i in range(5):
        assert apply(client, email=f"p{i}@example.fr", phone="", last_name=f"Name{i}").status_code == 302
    blocked = apply(client, email="p6@example.fr", phone="", last_name="Name6")
    assert blocked.status_code == 400 and Household.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_applications_at_the_same_moment_go_to_two_advisors(world, monkeypatch):
    """The round robin reads whose turn it is, then assigns: two applications arriving together must not both read
    the same turn. A slow read (half a second) makes them overlap unless assignments wait for each other."""
    import threading

    from sohosolo.accounts.models import RoleKind, User
    from sohosolo.prospects import services

    if not connection.features.has_select_for_update:
        pytest.skip("SQLite runs one write transaction at a time (IMMEDIATE): assignments cannot overlap there")
    second = User.objects.create_user(email="advisor.a2@example.fr", password="x", full_name="Lucie Advisor")
    Role.objects.create(user=second, kind=RoleKind.ADVISOR, territory=world.territory_a)
    households = [Household.objects.create(territory=world.territory_a) for _i in range(2)]
    read_turn = services.advisors_round_robin

    def slow_read(territory):
        advisor = read_turn(territory)
        time.sleep(0.5)
        return advisor

    monkeypatch.setattr(services, "advisors_round_robin", slow_read)
    together = threading.Barrier(2)

    def assign(household):
        together.wait()
        try:
            services.assign_in_turn(world.territory_a, household)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(household,)) for household in households]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    advisors = Household.objects.filter(pk__in=[h.pk for h in households]).values_list("advisor_id", flat=True)
    assert sorted(advisors) == sorted([world.users["advisor_a"].pk, second.pk])


def test_the_limit_holds_across_app_server_processes(world):
    """The counters are in the database: another process (here, an emptied cache) sees the same count."""
    from django.core.cache import cache

    client = Client(REMOTE_ADDR="198.51.100.21")
    for i in range(5):
        cache.clear()
        assert apply(client, email=f"q{i}@example.fr", phone="", last_name=f"Other{i}").status_code == 302
    cache.clear()
    assert apply(client, email="q6@example.fr", phone="", last_name="Other6").status_code == 400


def test_each_territory_sets_its_own_limit_and_staff_are_never_limited(world, client_for):
    territory = world.territory_a
    territory.applications_per_hour = 8
    territory.save()
    client = Client(REMOTE_ADDR="198.51.100.22")
    results = [apply(client, email=f"f{i}@example.fr", phone="", last_name=f"Fair{i}").status_code for i in range(9)]
    assert results == [302] * 8 + [400]
    staff = client_for("advisor_a")
    for i in range(12):
        assert apply(staff, email=f"s{i}@example.fr", phone="", last_name=f"Stand{i}").status_code == 302
    territory.applications_per_hour = 0  # no limit
    territory.save()
    assert apply(client, email="late@example.fr", phone="", last_name="Late").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_simultaneous_applications_from_one_address_stop_at_the_limit(world):
    import threading

    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writing transaction at a time: the count cannot be overtaken there")
    start = threading.Barrier(8)
    codes = []

    def send(i):
        start.wait()
        try:
            codes.append(apply(Client(REMOTE_ADDR="198.51.100.23"), email=f"t{i}@example.fr", phone="",
                               last_name=f"Together{i}").status_code)  # fmt: skip
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(codes) == [302] * 5 + [400] * 3
