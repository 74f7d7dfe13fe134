"""One application per form sent: a double click, a reload or a replay of the same form files one household and sends
one acknowledgment, on SQLite and on PostgreSQL, even when the two requests arrive at the same moment."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from sohosolo.prospects import services
from sohosolo.prospects.models import Household
from tests.prospects_helpers import application


def post(client: Client, data: dict):
    return client.post("/en/mon-projet/gers/", data)


def test_the_same_form_sent_twice_files_one_household_and_one_email(world):
    data = application()
    first, second = post(Client(), data), post(Client(), data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == "/en/mon-projet/gers/merci/"
    assert Household.objects.count() == 1 and len(mail.outbox) == 1


def test_one_copy_of_the_form_cannot_carry_several_applications(world):
    data = application()
    assert post(Client(), data).status_code == 302
    replay = post(Client(), data | {"email": "someone.else@example.org", "last_name": "Else", "phone": ""})
    assert replay.status_code == 400 and "reload the page" in replay.text
    assert Household.objects.count() == 1 and len(mail.outbox) == 1


def run_together(calls: list, pairs: int = 2) -> list:
    """Run each call in its own thread, all released at the same instant; their results (or exceptions)."""
    results: list = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index, call):
        start.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 — reported by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def overlapping(monkeypatch):
    """The duplicate check made slow (0.2 s), so that two requests sent together overlap unless they wait."""
    check = services.likely_duplicates

    def slow(*args, **kwargs):
        found = check(*args, **kwargs)
        time.sleep(0.2)
        return found

    monkeypatch.setattr(services, "likely_duplicates", slow)


def skip_on_sqlite():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writing transaction at a time (IMMEDIATE): bin/drill-double-submit checks it")


@pytest.mark.django_db(transaction=True)
def test_twenty_double_clicks_at_the_same_moment_give_twenty_households_and_twenty_emails(world, overlapping):
    skip_on_sqlite()
    forms = [application(email=f"p{i}@example.org", phone="", last_name=f"Name{i}") for i in range(20)]
    calls = [lambda data=data, i=i: post(Client(REMOTE_ADDR=f"198.51.100.{i}"), data) for i, data in enumerate(forms)]
    results = run_together([call for call in calls for _twice in range(2)])
    assert [getattr(r, "status_code", r) for r in results] == [302] * 40
    assert Household.objects.count() == 20 and len(mail.outbox) == 20
    assert not Household.objects.filter(possible_duplicate=True).exists()


@pytest.mark.django_db(transaction=True)
def test_one_person_applying_from_two_tabs_at_once_gets_one_file_flagged(world, overlapping):
    skip_on_sqlite()
    tabs = [application(), application()]  # two copies of the form: two tokens, one person
    results = run_together([lambda data=data: post(Client(), data) for data in tabs])
    assert [getattr(r, "status_code", r) for r in results] == [302, 302]
    household = Household.objects.get()
    assert household.possible_duplicate and household.interactions.filter(kind="application").count() == 2


def test_spent_counters_and_old_form_tokens_are_forgotten(world):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from sohosolo.accounts.models import RateCounter
    from sohosolo.prospects.models import SentForm
    from sohosolo.tasks import forget_spent_counters

    post(Client(), application())
    assert SentForm.objects.count() == 1 and RateCounter.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert forget_spent_counters.call() == 0  # a day later, a reload of the same form must still be recognised
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert forget_spent_counters.call() == 2
    assert not SentForm.objects.exists() and not RateCounter.objects.exists()
