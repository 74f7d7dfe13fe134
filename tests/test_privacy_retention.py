"""Retention: inactive prospects warned then anonymised unless they click; unused accounts warned then deactivated;
the access log purged; rights requests' reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from sohosolo.accounts.models import User
from sohosolo.audit.models import ActionLog
from sohosolo.privacy.models import AccountNotice, RetentionNotice, RightsRequest
from sohosolo.privacy.tasks import (
    apply_account_retention,
    apply_prospect_retention,
    purge_access_log,
    remind_rights_requests,
)
from sohosolo.prospects.models import Household
from sohosolo.tasks import PERIODIC_JOBS
from tests.privacy_helpers import EMAIL, NAME_LAST, full_household, link_from

PARIS = ZoneInfo("Europe/Paris")
LAST_CONTACT = date(2026, 5, 6)  # full_household's


def at(day: date, hour: int = 3):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False)


def test_jobs_are_registered():
    names = {job.name for job in PERIODIC_JOBS}
    assert {
        "apply_prospect_retention",
        "apply_account_retention",
        "purge_access_log",
        "remind_rights_requests",
    } <= names


def test_inactive_prospect_is_warned_then_anonymised_30_days_later(world):
    household = full_household(world)
    with at(date(2029, 5, 6)):  # exactly 3 years: not yet
        apply_prospect_retention.call()
    assert not mail.outbox
    with at(date(2029, 5, 8)):
        assert apply_prospect_retention.call()["warned"] == 1
        apply_prospect_retention.call()  # warned once only
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert "7 juin 2029" in mail.outbox[0].body and "/rester-en-contact/" in mail.outbox[0].body  # 30 days later
    with at(date(2029, 6, 6)):
        apply_prospect_retention.call()
    household.refresh_from_db()
    assert household.anonymised_at is None
    with at(date(2029, 6, 7)):
        assert apply_prospect_retention.call()["anonymised"] == 1
    household.refresh_from_db()
    assert household.anonymised_at is not None
    assert not household.members.filter(last_name=NAME_LAST).exists()
    assert household.stage == "settled"


def test_a_click_on_the_warning_keeps_the_file(world):
    household = full_household(world)
    with at(date(2029, 5, 8)):
        apply_prospect_retention.call()
    path = link_from(mail.outbox[0])
    with at(date(2029, 5, 20)):
        # Opening the link (as a mail scanner does) changes nothing; the page's button keeps the file.
        page = Client().get(path)
        assert page.status_code == 200 and page.context["ask"] and "Oui, conserver mon dossier" in page.text
        assert not RetentionNotice.objects.filter(kept_at__isnull=False).exists()
        page = Client().post(path)
        assert page.status_code == 200 and page.context["kept"]
    with at(date(2029, 6, 8)):
        assert apply_prospect_retention.call()["anonymised"] == 0
    household.refresh_from_db()
    assert household.anonymised_at is None
    assert household.last_contact_on == date(2029, 5, 20)
    assert household.interactions.filter(kind="privacy").exists()
    assert ActionLog.objects.filter(action="prospect.retention_kept", object_id=str(household.pk)).exists()
    # Three years later still without news, the household is warned again.
    mail.outbox.clear()
    with at(date(2032, 5, 21)):
        assert apply_prospect_retention.call()["warned"] == 1


def test_activity_after_the_warning_keeps_the_file(world):
    household = full_household(world)
    with at(date(2029, 5, 8)):
        apply_prospect_retention.call()
    Household.objects.filter(pk=household.pk).update(last_contact_on=date(2029, 5, 15))
    with at(date(2029, 6, 8)):
        apply_prospect_retention.call()
    household.refresh_from_db()
    assert household.anonymised_at is None
    assert RetentionNotice.objects.get().closed_at is not None


def test_forged_or_late_keep_link(world):
    household = full_household(world)
    assert Client().get("/rester-en-contact/forged/").status_code == 404
    with at(date(2029, 5, 8)):
        apply_prospect_retention.call()
    path = link_from(mail.outbox[0])
    with at(date(2029, 6, 8)):
        apply_prospect_retention.call()
    with at(date(2029, 6, 9)):
        page = Client().get(path)
    assert page.status_code == 200 and not page.context["kept"]
    household.refresh_from_db()
    assert household.anonymised_at is not None


def test_retention_period_is_per_territory(world):
    world.territory_a.retention_years = 5
    world.territory_a.save()
    full_household(world)
    with at(date(2029, 5, 8)):
        assert apply_prospect_retention.call()["warned"] == 0
    with at(date(2031, 5, 8)):
        assert apply_prospect_retention.call()["warned"] == 1


def test_unused_volunteer_account_is_warned_then_deactivated_but_not_staff(world):
    start = timezone.now()
    volunteer = world.users["volunteer_a1"]
    with time_machine.travel(start + timedelta(days=731), tick=False):
        counts = apply_account_retention.call()
    warned = {m.to[0] for m in mail.outbox}
    assert "volunteer.a1@example.fr" in warned and "member@example.fr" in warned
    assert "advisor.a@example.fr" not in warned and "manager.a@example.fr" not in warned
    assert counts["warned"] == len(warned)
    member_mail = next(m for m in mail.outbox if m.to == ["member@example.fr"])
    assert member_mail.subject == "Your Soho Solo account is unused"  # in the member's language
    # The member signs in meanwhile; the volunteer does not.
    User.objects.filter(pk=world.users["member"].pk).update(last_login=start + timedelta(days=740))
    with time_machine.travel(start + timedelta(days=762), tick=False):
        apply_account_retention.call()
    volunteer.refresh_from_db()
    assert not volunteer.is_active
    assert User.objects.get(pk=world.users["member"].pk).is_active
    assert User.objects.get(pk=world.users["advisor_a"].pk).is_active
    assert AccountNotice.objects.filter(user=volunteer, deactivated=True).exists()


def test_access_log_is_purged_after_its_period(world, settings):
    settings.ACCESS_LOG_KEEP_DAYS = 30
    household = full_household(world)
    count = ActionLog.objects.count()
    assert count
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert purge_access_log.call() == 0
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert purge_access_log.call() == count
    assert household.pk


def test_managers_are_reminded_of_requests_due_soon(world):
    household = full_household(world)
    RightsRequest.objects.create(
        territory=world.territory_a, household=household, kind="access", received_on=date(2026, 11, 1)
    )
    RightsRequest.objects.create(
        territory=world.territory_a, household=household, kind="erasure", received_on=date(2026, 11, 20)
    )
    with at(date(2026, 11, 26)):  # the first is due on 1 December
        assert remind_rights_requests.call() == 1
        assert remind_rights_requests.call() == 0  # once a day
    assert [m.to for m in mail.outbox] == [["manager.a@example.fr"]]
    with at(date(2026, 12, 14)):  # both due within a week, the first overdue
        assert remind_rights_requests.call() == 2
    assert "(en retard)" in mail.outbox[-1].body


def test_a_long_history_is_warned_a_batch_a_day(world, monkeypatch):
    from sohosolo.privacy import tasks
    from sohosolo.prospects.models import Person

    monkeypatch.setattr(tasks, "WARNINGS_PER_RUN", 2)
    for n in range(3):
        household = Household.objects.create(territory=world.territory_a, last_contact_on=date(2020, 1, 1 + n))
        Person.objects.create(household=household, is_main_contact=True, email=f"old{n}@exemple.fr")
    with at(date(2026, 11, 26)):
        assert apply_prospect_retention.call()["warned"] == 2
    assert {m.to[0] for m in mail.outbox} == {"old0@exemple.fr", "old1@exemple.fr"}  # the oldest first
    with at(date(2026, 11, 27)):
        assert apply_prospect_retention.call()["warned"] == 1


def test_history_anonymised_in_bulk_keeps_the_figures(world):
    from sohosolo.privacy.services import anonymise_history

    household = full_household(world)
    kept = Household.objects.create(territory=world.territory_a, current_town="Dijon")
    assert anonymise_history(Household.objects.filter(pk=household.pk)) == 1
    household.refresh_from_db()
    assert household.anonymised_at and household.stage == "settled" and household.settled_people == 3
    assert not household.members.exclude(first_name="").exists()
    assert household.search_text == "" and household.notes == ""
    assert household.registrations.get().email == ""
    assert not ActionLog.objects.filter(object_id=str(household.pk), object_repr__contains=NAME_LAST).exists()
    kept.refresh_from_db()
    assert kept.anonymised_at is None and kept.current_town == "Dijon"


def test_manager_sets_the_retention_period_of_their_territory(world):
    from sohosolo.territory.forms import TerritorySettingsForm

    territory = world.territory_a
    data = {"name": territory.name, "info_meeting_interval_days": 15, "retention_years": 5, "applications_per_hour": 5}
    form = TerritorySettingsForm(data, instance=territory)
    assert form.is_valid(), form.errors
    form.save()
    territory.refresh_from_db()
    assert territory.retention_years == 5
    assert not TerritorySettingsForm(data | {"retention_years": 0}, instance=territory).is_valid()
    territory.refresh_from_db()  # the refused form changed the instance in memory
    unchanged = TerritorySettingsForm(data | {"retention_years": ""}, instance=territory)
    assert unchanged.is_valid(), unchanged.errors
    unchanged.save()
    territory.refresh_from_db()
    assert territory.retention_years == 5
