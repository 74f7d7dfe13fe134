"""The demo is right whatever the day it is drawn for, and the same day always gives the same data.

`make test` draws it on a few telling days; `.ci/run` sets DEMO_SWEEP=1 and draws it on days spread over six years
(every 47th day, and the telling ones), and in two processes with different hash seeds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from sohosolo.demo import DemoInconsistent, demo_instant, load_demo
from sohosolo.demo_checks import demo_problems
from sohosolo.privacy.models import RetentionNotice
from sohosolo.privacy.tasks import apply_prospect_retention
from sohosolo.prospects.models import Household
from sohosolo.territory.models import Territory
from tests.demo_snapshot import snapshot

SCALE = 0.02
TELLING_DAYS = [
    "2027-01-01",  # a new year: this year's figures start from nothing
    "2027-10-31",  # summer time ends
    "2028-02-29",  # a leap day: "three years ago" does not exist
]
SWEEP = os.environ.get("DEMO_SWEEP") == "1"
SWEEP_TELLING_DAYS = [
    "2026-12-02",  # the day the demo first broke, at the small scale
    "2027-03-28",  # summer time begins in Paris
    "2028-12-31",  # the last day of a leap year
    "2029-04-30",  # the last day of a month of 30 days
    "2030-02-28",  # the day before 1 March, in a year after a leap year
]


def sweep_days() -> list[str]:
    days, day = [], date(2026, 1, 5)
    while day < date(2032, 1, 1):
        days.append(day.isoformat())
        day += timedelta(days=47)
    return days


DAYS = sorted(set(TELLING_DAYS + (SWEEP_TELLING_DAYS + sweep_days() if SWEEP else [])))


def load_on(day: date, scale: float = SCALE) -> None:
    """Draw the demo for `day` by the command a person types, with the real clock elsewhere on another day."""
    call_command("demo", "--prospects-scale", str(scale), "--today", day.isoformat(), verbosity=0)


@pytest.mark.parametrize("day", DAYS)
def test_the_demo_keeps_every_rule_of_the_domain_on_any_day(db, day):
    day = date.fromisoformat(day)
    # The real clock is at 00:30 Paris time, a day later: nothing the demo draws may depend on it.
    with time_machine.travel(demo_instant(day + timedelta(days=1)).replace(hour=0, minute=30), tick=False):
        load_on(day)
    assert Household.objects.exists()
    assert demo_problems(day, demo_instant(day)) == []
    assert Household.objects.latest("last_contact_on").last_contact_on <= day


@pytest.mark.parametrize("instant", ["2027-03-28T00:30", "2027-12-31T23:59"])
def test_the_demo_of_the_real_day_keeps_the_rules_at_any_hour(db, instant):
    """Without --today the demo is drawn for the real day, at the real hour: just after midnight, nothing of the
    day has happened yet; a minute before midnight, a load that ends on the next day is still drawn for one day."""
    moment = datetime.fromisoformat(instant).replace(tzinfo=ZoneInfo("Europe/Paris"))
    with time_machine.travel(moment, tick=False):
        call_command("demo", "--prospects-scale", str(SCALE), verbosity=0)
        assert demo_problems(moment.date(), moment) == []
    assert Household.objects.latest("created_at").created_at <= moment


def test_the_demo_day_that_broke_gives_each_household_one_checklist_per_village(db):
    """At the tests' usual scale, 2026-12-02 drew a household twice for a persona volunteer's village."""
    load_on(date(2026, 12, 2), scale=0.3)
    assert demo_problems(date(2026, 12, 2), demo_instant(date(2026, 12, 2))) == []


def test_demo_today_twice_gives_the_same_database(db):
    day = date(2026, 6, 15)
    with transaction.atomic():
        load_on(day)
        first = snapshot()
        transaction.set_rollback(True)
    assert not Household.objects.exists()
    # The second time, the real clock is elsewhere: another day, another hour.
    with time_machine.travel(demo_instant(date(2027, 11, 3)).replace(hour=23, minute=59), tick=False):
        load_on(day)
    second = snapshot()
    assert second["counts"]["prospects.Household"] > 50 and len(second["households"]) == 100
    assert second == first


def test_a_demo_that_breaks_a_rule_is_refused_and_leaves_the_database_empty(db, monkeypatch):
    monkeypatch.setattr("sohosolo.demo.demo_problems", lambda today, now: ["a settled household has no commune: 1"])
    with pytest.raises(DemoInconsistent, match="a settled household has no commune"):
        load_demo(prospects_scale=SCALE, today=date(2026, 6, 15))
    assert not Household.objects.exists() and not Territory.objects.exists()


def test_the_checks_see_a_rule_broken_by_a_bulk_insert(db):
    load_on(date(2026, 6, 15))
    household = Household.objects.filter(stage="settled").first()
    Household.objects.filter(pk=household.pk).update(settled_commune=None)
    problems = demo_problems(date(2026, 6, 15), demo_instant(date(2026, 6, 15)))
    assert problems == ["a settled household has no day or commune: 1 row(s)"]


@pytest.mark.parametrize("text", ["15/06/2026", "2026-02-30", "tomorrow"])
def test_demo_today_refuses_what_is_not_a_day_and_saves_nothing(db, text):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("demo", "--today", text, verbosity=0)
    assert not Territory.objects.exists()


def test_demo_today_comes_from_demo_today_in_the_environment(db, monkeypatch):
    monkeypatch.setenv("DEMO_TODAY", "2027-01-01")
    call_command("demo", "--prospects-scale", str(SCALE), verbosity=0)
    assert Household.objects.latest("last_contact_on").last_contact_on <= date(2027, 1, 1)
    assert Household.objects.latest("created_at").created_at <= demo_instant(date(2027, 1, 1))


def test_on_the_day_a_households_retention_expires_the_job_warns_then_anonymises_it_and_the_rules_hold(db):
    """The demo of one day, then the clock moves to when its oldest file kept runs out of its retention period."""
    load_on(date(2026, 6, 15))
    gers = Territory.objects.get(code="gers")
    oldest = Household.objects.filter(territory=gers, anonymised_at=None).order_by("last_contact_on", "pk").first()
    expires = oldest.last_contact_on + relativedelta(years=gers.retention_years) + timedelta(days=1)
    for day, expected in ((expires - timedelta(days=1), "kept"), (expires, "warned")):
        with time_machine.travel(demo_instant(day).replace(hour=3), tick=False):
            apply_prospect_retention.call()
            assert demo_problems(timezone.localdate(), timezone.now()) == []
        oldest.refresh_from_db()
        warned = RetentionNotice.objects.filter(household=oldest, closed_at=None).exists()
        assert (warned, oldest.anonymised_at is None) == ((expected == "warned"), True), day
    with time_machine.travel(demo_instant(expires + timedelta(days=30)).replace(hour=3), tick=False):
        apply_prospect_retention.call()
        oldest.refresh_from_db()
        assert oldest.anonymised_at is not None
        assert demo_problems(timezone.localdate(), timezone.now()) == []


@pytest.mark.skipif(not SWEEP, reason="two fresh databases in two processes: run by .ci/run (DEMO_SWEEP=1)")
def test_demo_today_gives_the_same_database_in_two_processes_with_other_hash_seeds(tmp_path):
    root = Path(__file__).resolve().parent.parent
    fingerprints = []
    for seed in ("1", "2"):
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / f'demo{seed}.sqlite3'}", "PYTHONHASHSEED": seed}
        env.pop("REDIS_URL", None)

        def manage(*args, env=env):
            return subprocess.run(
                [sys.executable, "manage.py", *args], cwd=root, env=env, check=True, capture_output=True, text=True
            ).stdout

        manage("migrate", "--noinput", "-v0")
        manage("demo", "--today", "2026-06-15", "--prospects-scale", str(SCALE), "-v0")
        fingerprints.append(
            json.loads(manage("shell", "-v0", "-c", "from tests.demo_snapshot import snapshot_json as s; print(s())"))
        )
    assert fingerprints[0]["counts"]["prospects.Household"] > 50
    assert fingerprints[0] == fingerprints[1]
