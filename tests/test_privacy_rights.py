"""The managers' side: rights requests with their one-month deadline, the access log, the legal pages."""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.core import mail
from django.test import Client
from django.utils import timezone

from sohosolo.audit.log import log_action
from sohosolo.audit.models import ActionLog
from sohosolo.privacy.models import RightsRequest, one_month_after
from sohosolo.prospects.models import Household
from tests.privacy_helpers import EMAIL, full_household


def test_one_month_deadline():
    assert one_month_after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert one_month_after(date(2026, 11, 26)) == date(2026, 12, 26)


def test_manager_records_and_closes_a_request(world, client_for, django_capture_on_commit_callbacks):
    household = full_household(world)
    manager = client_for("manager_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(
            "/territoires/gers/droits/nouvelle/",
            {"household_number": household.pk, "kind": "access", "received_on": "2026-11-02", "details": "Par lettre"},
        )
    request = RightsRequest.objects.get()
    assert response.status_code == 302
    assert request.due_on == date(2026, 12, 2) and request.created_by == world.users["manager_a"]
    assert household.interactions.filter(kind="privacy", data__rights_request=request.pk).exists()
    assert [m.to for m in mail.outbox] == [["manager.a@example.fr"]]
    assert ActionLog.objects.filter(action="privacy.request_created", object_id=str(household.pk)).exists()
    listing = manager.get("/territoires/gers/droits/")
    assert request in listing.context["page"].object_list
    # The data to send the person.
    data = json.loads(manager.get(f"/territoires/gers/droits/{request.pk}/donnees.json").content)
    assert data["household"]["members"][0]["email"] == EMAIL
    # Closing needs an answer.
    bad = manager.post(f"/territoires/gers/droits/{request.pk}/", {"status": "done", "outcome": ""})
    assert bad.status_code == 400
    manager.post(f"/territoires/gers/droits/{request.pk}/", {"status": "done", "outcome": "Envoyé par courriel."})
    request.refresh_from_db()
    assert request.status == "done" and request.handled_by == world.users["manager_a"]
    assert request not in manager.get("/territoires/gers/droits/").context["page"].object_list


def test_request_for_a_file_of_another_territory_is_refused(world, client_for):
    other = Household.objects.create(territory=world.territory_b)
    response = client_for("manager_a").post(
        "/territoires/gers/droits/nouvelle/",
        {"household_number": other.pk, "kind": "access", "received_on": "2026-11-02"},
    )
    assert response.status_code == 400 and not RightsRequest.objects.exists()


def test_advisor_cannot_answer_requests_nor_read_the_log(world, client_for):
    household = full_household(world)
    request = RightsRequest.objects.create(territory=world.territory_a, household=household, kind="access")
    advisor = client_for("advisor_a")
    assert advisor.get(f"/territoires/gers/droits/{request.pk}/").status_code == 403
    assert (
        advisor.post(f"/territoires/gers/droits/{request.pk}/", {"status": "done", "outcome": "x"}).status_code == 403
    )
    assert advisor.get("/territoires/gers/journal/").status_code == 403
    assert client_for("advisor_b").get(f"/territoires/gers/droits/{request.pk}/donnees.json").status_code == 404


def test_reading_a_file_is_logged_and_found_in_the_access_log(world, client_for):
    household = full_household(world)
    other = Household.objects.create(territory=world.territory_a)
    client_for("advisor_a").get(f"/territoires/gers/candidats/{household.pk}/")
    client_for("manager_a").get(f"/territoires/gers/candidats/{other.pk}/")
    log_action(world.users["advisor_b"], "prospect.read", Household.objects.create(territory=world.territory_b))
    manager = client_for("manager_a")

    def found(query: str) -> list[ActionLog]:
        return list(manager.get(f"/territoires/gers/journal/?{query}").context["page"].object_list)

    everything = found("")
    assert everything and all(e.territory_id == world.territory_a.pk for e in everything)
    by_person = found(f"person={household.pk}")
    assert by_person and all(e.object_id == str(household.pk) for e in by_person)
    by_name = found("person=Quintard")  # the file's entries, and those of the person's registrations
    assert all("Quintard" in e.object_repr for e in by_name)
    assert {e.content_type.model for e in by_name} == {"household", "registration"}
    advisor_reads = found(f"user={world.users['advisor_a'].pk}&action=prospect.read")
    assert {e.object_id for e in advisor_reads} == {str(household.pk)}
    assert len(advisor_reads) == 2  # full_household's, and the page opened above
    assert found("action=prospect.") and not found("action=nothing.at.all")
    today = timezone.localdate()
    assert found(f"start={today}&end={today}")
    assert not found(f"start={today + timedelta(days=1)}")
    assert manager.get("/territoires/gers/journal/?start=2026-12-01&end=2026-11-01").status_code == 200


def test_access_log_runs_a_bounded_number_of_queries(world, client_for, django_assert_max_num_queries):
    household = full_household(world)
    for _ in range(120):
        log_action(world.users["advisor_a"], "prospect.read", household)
    manager = client_for("manager_a")
    with django_assert_max_num_queries(12):
        page = manager.get("/territoires/gers/journal/?page=2")
    assert len(page.context["page"].object_list) == 50


def test_legal_pages_in_french_and_english(world, settings):
    settings.DPO_EMAIL = "dpo@cci-exemple.fr"
    notice = Client().get("/confidentialite/").content.decode()
    assert "dpo@cci-exemple.fr" in notice and "3 ans" in notice
    english = Client().get("/en/confidentialite/").content.decode()
    assert "Privacy notice" in english and "dpo@cci-exemple.fr" in english
    assert "RGAA" in Client().get("/accessibilite/").content.decode()
    assert "Directeur de la publication" in Client().get("/mentions-legales/").content.decode()
    home = Client().get("/").content.decode()
    for path in ("/confidentialite/", "/mentions-legales/", "/accessibilite/", "/mon-espace/"):
        assert f'href="{path}"' in home


def test_manager_starts_a_request_from_the_file(world, client_for):
    household = full_household(world)
    page = client_for("manager_a").get(f"/territoires/gers/candidats/{household.pk}/").content.decode()
    assert f"/territoires/gers/droits/nouvelle/?foyer={household.pk}" in page
    form = client_for("manager_a").get(f"/territoires/gers/droits/nouvelle/?foyer={household.pk}")
    assert form.context["form"]["household_number"].value() == str(household.pk)
    advisor_page = client_for("advisor_a").get(f"/territoires/gers/candidats/{household.pk}/").content.decode()
    assert "/droits/nouvelle/" not in advisor_page


def test_every_page_showing_a_file_logs_the_read(world, client_for):
    household = full_household(world)
    ActionLog.objects.all().delete()
    advisor = client_for("advisor_a")
    for path in ("", "modifier/", "installation/"):
        advisor.get(f"/territoires/gers/candidats/{household.pk}/{path}")
    assert ActionLog.objects.filter(action="prospect.read", object_id=str(household.pk)).count() == 3


def test_without_managers_the_territory_address_is_told(world, django_capture_on_commit_callbacks):
    from sohosolo.accounts.models import Role
    from sohosolo.privacy.services import create_rights_request

    Role.objects.filter(kind="manager").delete()
    world.territory_a.email = "contact@gers.example.fr"
    world.territory_a.save()
    household = full_household(world)
    with django_capture_on_commit_callbacks(execute=True):
        create_rights_request(household, RightsRequest.Kind.OBJECTION, "Plus de nouvelles")
    assert [m.to for m in mail.outbox] == [["contact@gers.example.fr"]]
    assert "Bonjour," in mail.outbox[0].body
