"""Erasure: a household anonymised leaves the results' figures as they were and no personal value anywhere."""

from __future__ import annotations

import json

from django.apps import apps
from django.db import models
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.test import Client

from sohosolo.audit.models import ActionLog
from sohosolo.privacy.models import Consent, RightsRequest
from sohosolo.privacy.personal_data import erase_household_data
from sohosolo.privacy.services import anonymise_household, create_rights_request
from sohosolo.prospects.models import Household, ImportJob, Person
from tests.privacy_helpers import EMAIL, NAME_FIRST, NAME_LAST, PHONE, full_household

SECRETS = [NAME_FIRST, NAME_LAST, EMAIL, PHONE, "Namur", "Gwendoline Studio", "Zorglub", "randonnée"]


def figures() -> dict:
    """What a dashboard counts: contacts per year, stages, settled families and people per year and commune."""
    households = Household.objects.all()
    return {
        "per_year": list(
            households.annotate(y=ExtractYear("first_contact_on")).values("y").annotate(n=Count("pk")).order_by("y")
        ),
        "per_stage": list(households.values("stage").annotate(n=Count("pk")).order_by("stage")),
        "settled": list(
            households.filter(stage="settled")
            .annotate(y=ExtractYear("settled_on"))
            .values("y", "settled_commune")
            .annotate(n=Count("pk"), people=Sum("settled_people"))
            .order_by("y", "settled_commune")
        ),
        "members": list(Person.objects.values("kind").annotate(n=Count("pk")).order_by("kind")),
        "sources": list(households.values("source", "activity").annotate(n=Count("pk")).order_by("source")),
        "registrations": list(
            apps.get_model("events", "Registration").objects.values("event", "status").annotate(p=Sum("people"))
        ),
    }


def text_columns():
    """Every text and JSON column of every model of the project (and of the task queue)."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField | models.EmailField):
                yield model, field


def leftovers(strings: list[str]) -> list[str]:
    found = []
    for model, field in text_columns():
        for value in model._base_manager.values_list(field.attname, flat=True).iterator():
            text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            found += [f"{model._meta.label}.{field.name}: {s}" for s in strings if s.lower() in (text or "").lower()]
    return found


def test_erasing_a_settled_household_keeps_the_figures_and_leaves_no_personal_value(world):
    household = full_household(world)
    ImportJob.objects.create(
        territory=world.territory_a,
        original_name="contacts.csv",
        report={"rejected": [{"line": 4, "values": {"Nom": NAME_LAST, "Email": EMAIL}, "reason": "date"}]},
    )
    other = Household.objects.create(territory=world.territory_a, current_town="Dijon")
    Person.objects.create(household=other, is_main_contact=True, first_name="Odile", last_name="Keepme")
    assert leftovers(SECRETS)  # the scan finds them before
    before = figures()

    anonymise_household(household, world.users["manager_a"], reason="test")

    assert figures() == before
    found = leftovers(SECRETS)
    assert found == [], found
    assert Person.objects.filter(last_name="Keepme").exists()  # nobody else's data goes
    household.refresh_from_db()
    assert household.anonymised_at is not None and household.stage == "settled" and household.settled_people == 3
    assert household.members.count() == 3
    assert not any(Consent.objects.filter(household=household).in_force())
    assert ActionLog.objects.filter(action="prospect.anonymised", object_id=str(household.pk)).exists()


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def test_erasure_leaves_nothing_for_the_search_nor_the_exports(world, client_for):
    household = full_household(world)
    client = client_for("advisor_a")
    assert household.pk in [h.pk for h in client.get("/territoires/gers/candidats/?q=Quintard").context["page"]]
    event_export_url = f"/territoires/gers/evenements/{household.registrations.get().event_id}/export.csv"
    assert EMAIL in body(client.get(event_export_url))
    assert EMAIL in body(client.get("/territoires/gers/candidats/export.csv"))
    anonymise_household(household)
    assert Household.objects.search("Quintard").count() == 0
    assert Household.objects.search("gwendoline").count() == 0
    export = body(client.get("/territoires/gers/candidats/export.csv"))
    assert NAME_LAST not in export and EMAIL not in export
    events_export = body(client.get(event_export_url))
    assert NAME_LAST not in events_export and EMAIL not in events_export


def test_erasure_sends_the_signal_for_other_apps(world):
    household = full_household(world)
    received = []

    def receiver(sender, household, **kwargs):
        received.append(household.pk)

    erase_household_data.connect(receiver)
    try:
        anonymise_household(household)
        anonymise_household(household)  # a second time does nothing
    finally:
        erase_household_data.disconnect(receiver)
    assert received == [household.pk]


def test_manager_answers_an_erasure_request(world, client_for):
    household = full_household(world)
    request = create_rights_request(household, RightsRequest.Kind.ERASURE, "Supprimez tout")
    url = f"/territoires/gers/droits/{request.pk}/anonymiser/"
    assert client_for("advisor_a").post(url, {"confirm": "yes"}).status_code == 403
    assert client_for("advisor_b").post(url, {"confirm": "yes"}).status_code == 404
    manager = client_for("manager_a")
    manager.post(url)  # not confirmed
    household.refresh_from_db()
    assert household.anonymised_at is None
    manager.post(url, {"confirm": "yes"})
    household.refresh_from_db()
    request.refresh_from_db()
    assert household.anonymised_at is not None
    assert request.status == "done" and request.handled_by == world.users["manager_a"]
    assert request.details == ""
    assert not Client().get("/mon-espace/").context.get("household")


def dashboard(territory) -> dict:
    """The results dashboard's figures (sohosolo/results) for the years the test's files live in."""
    from datetime import date

    from sohosolo.results import stats

    out = {}
    for year in (2024, 2025, 2026):
        results = stats.compute(territory, stats.Period(date(year, 1, 1), date(year, 12, 31)))
        out[year] = {
            "key": results.key,
            "followed_now": results.followed_now,
            "funnel": [(step.label, step.count, step.rate) for step in results.funnel],
            "median_days": results.median_days,
            "rows": [
                [r.pair for r in rows]
                for rows in (results.sources, results.activities, results.countries, results.regions)
            ],
            "villages": [(v.village.pk, v.interested, v.settled, v.people) for v in results.villages],
            "by_month": [r.pair for r in results.contacts_by_month],
        }
    return out


def test_erasing_households_leaves_the_results_dashboard_unchanged(world):
    """Region of residence, past stages (read from the timeline) and settling: the dashboard reads the same."""
    from datetime import date, timedelta

    from django.utils import timezone

    from sohosolo.prospects.models import Interaction
    from sohosolo.prospects.services import change_stage
    from sohosolo.territory.models import Commune

    Commune.objects.filter(insee_code="46042").update(region_name="Occitanie")  # Cahors
    erased = full_household(world)
    french = Household.objects.create(
        territory=world.territory_a, current_country="France", current_town="Cahors", source="press",
        first_contact_on=date(2024, 2, 1), stage="new",
    )  # fmt: skip
    Person.objects.create(household=french, is_main_contact=True, first_name="Odette", last_name="Quercy")
    french.villages_of_interest.add(world.village_a2)
    change_stage(french, "follow_up", "", world.users["advisor_a"])
    # Followed from 2024 (the funnel reads it from the timeline), dropped today: an erased file is followed no more.
    Interaction.objects.filter(household=french, kind="stage").update(occurred_at=timezone.now() - timedelta(days=900))
    change_stage(french, "dropped", "Moved elsewhere", world.users["advisor_a"])
    before = dashboard(world.territory_a)
    assert ("Occitanie", 1) in before[2024]["rows"][3]

    anonymise_household(erased, world.users["manager_a"], reason="test")
    anonymise_household(french, world.users["manager_a"], reason="test")

    assert dashboard(world.territory_a) == before
    assert leftovers(["Quercy", NAME_LAST]) == []
    assert not Household.objects.filter(current_town="Cahors").exists()


def test_erasure_and_the_data_export_ask_to_confirm_the_password_given_long_ago(world, client_for):
    import time

    from sohosolo.accounts.security import CONFIRMED_AT

    household = full_household(world)
    request = create_rights_request(household, RightsRequest.Kind.ERASURE, "Supprimez tout")
    manager = client_for("manager_a")
    session = manager.session
    session[CONFIRMED_AT] = time.time() - 16 * 60
    session.save()
    base = f"/territoires/gers/droits/{request.pk}/"
    assert manager.get(base + "donnees/")["Location"].startswith("/compte/confirmer/")
    response = manager.post(base + "anonymiser/", {"confirm": "yes"}, HTTP_REFERER="http://testserver" + base)
    assert response["Location"].startswith("/compte/confirmer/")
    household.refresh_from_db()
    assert household.anonymised_at is None


def test_erasure_removes_the_person_from_other_files_cancels_queued_emails_and_lists_names_to_review(
    world, client_for, settings
):
    """A note on another family's file gives the person's email and phone (spelt another way): both go, and the
    search no longer finds that file by them; a note naming them only is listed for the team to check, unchanged;
    an email queued to them before the erasure is never sent, and no task result keeps their address."""
    from django.core import mail
    from django_tasks_db.models import DBTaskResult

    from sohosolo.lib.emails import send_email
    from tests.factories import make_household

    household = full_household(world)
    neighbours = make_household(
        world.territory_a, first_name="Odile", last_name="Keepme", email="odile@exemple.fr", phone="06 99 88 77 66"
    )
    neighbours.record("call", f"Parle de sa cousine, joignable au 06.12.34.56.78 ou {EMAIL.upper()}.")
    neighbours.notes = f"Cousine de {NAME_FIRST} {NAME_LAST} ; Odile au 06 99 88 77 66."
    neighbours.save(update_fields=["notes"])
    neighbours.refresh_search_text()
    assert Household.objects.search(EMAIL).filter(pk=neighbours.pk).exists()

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    context = {"user": {"get_short_name": NAME_FIRST}, "inviter": {"full_name": "Sophie"}, "login_url": "x"}
    context |= {"role": {"get_kind_display": "Advisor"}, "territory": {"name": "Soho Solo Gers"}}
    send_email(EMAIL, "role-granted", context)
    send_email("odile@exemple.fr", "role-granted", context)
    assert DBTaskResult.objects.filter(status="READY").count() == 2

    to_review = anonymise_household(household, world.users["manager_a"], reason="test")

    entry = neighbours.interactions.get(kind="call")
    assert EMAIL.lower() not in entry.summary.lower() and "56.78" not in entry.summary and "[erased]" in entry.summary
    neighbours.refresh_from_db()
    assert "06 99 88 77 66" in neighbours.notes  # another person's number stays
    assert not Household.objects.search(EMAIL).exists()
    assert to_review == [
        {"record": "prospects.household", "id": neighbours.pk, "field": "notes", "file": neighbours.pk}
    ]
    assert NAME_LAST in neighbours.notes  # a name alone may be someone else's: the team decides
    queued = [task.args_kwargs["kwargs"]["to"] for task in DBTaskResult.objects.filter(status="READY")]
    assert queued == [["odile@exemple.fr"]] and mail.outbox == []
    assert not leftovers([EMAIL, PHONE, "06.12.34.56.78"]), leftovers([EMAIL, PHONE, "06.12.34.56.78"])


def test_the_manager_is_told_which_records_to_review_after_an_erasure(world, client_for):
    household = full_household(world)
    other = Household.objects.create(territory=world.territory_a, notes=f"Amie de {NAME_FIRST} {NAME_LAST}.")
    rights_request = create_rights_request(household, RightsRequest.Kind.ERASURE, source="email")
    client = client_for("manager_a")
    url = f"/territoires/gers/droits/{rights_request.pk}/anonymiser/"
    page = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    assert "vérifiez-les" in page and f"Candidat {other.pk}." in page
