"""The prospects' personal space: one-time link, project, data download, consents, deletion request."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from sohosolo.audit.models import ActionLog
from sohosolo.privacy.consents import has_consent
from sohosolo.privacy.models import PersonalSpaceLink, RightsRequest, one_month_after
from sohosolo.privacy.personal_data import SpaceItem, personal_space_items
from tests.privacy_helpers import EMAIL, NAME_FIRST, NAME_LAST, full_household, link_from, open_space


def main(response) -> str:
    """The page's own content (the header and its nonces set aside)."""
    text = response.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def test_asking_a_link_never_tells_whether_the_address_is_known(world):
    full_household(world)
    known = Client().post("/mon-espace/", {"email": EMAIL})
    unknown = Client().post("/mon-espace/", {"email": "nobody@exemple.fr"})
    assert known.status_code == unknown.status_code == 200
    assert main(known).replace(EMAIL, "X") == main(unknown).replace("nobody@exemple.fr", "X")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [EMAIL]
    assert "/mon-espace/lien/" in mail.outbox[0].body
    assert PersonalSpaceLink.objects.count() == 1
    assert len(PersonalSpaceLink.objects.get().token_hash) == 64  # only the hash is stored


def test_link_is_single_use_and_opens_the_space_of_that_household_only(world):
    household = full_household(world)
    client = Client()
    client.post("/mon-espace/", {"email": EMAIL})
    path = link_from(mail.outbox[-1])
    assert client.get(path).status_code == 200  # a mail scanner opening the link does not use it up
    assert client.post(path).status_code == 302
    page = client.get("/mon-espace/")
    assert NAME_FIRST in page.content.decode() and "Julien Advisor" in page.content.decode()
    assert page.context["household"] == household
    assert Client().post(path).status_code == 404  # used
    assert ActionLog.objects.filter(action="prospect.space_opened", object_id=str(household.pk)).exists()


def test_link_expires(world):
    full_household(world)
    client = Client()
    client.post("/mon-espace/", {"email": EMAIL})
    path = link_from(mail.outbox[-1])
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert client.post(path).status_code == 404
        assert client.get("/mon-espace/").context.get("household") is None


def test_space_session_expires(world):
    full_household(world)
    client = Client()
    open_space(client)
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert client.get("/mon-espace/mes-donnees/").status_code == 403


def test_prospect_downloads_all_their_data(world):
    household = full_household(world)
    client = Client()
    open_space(client)
    response = client.get("/mon-espace/mes-donnees.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["household"]["number"] == household.pk
    assert {m["first_name"] for m in data["household"]["members"]} >= {NAME_FIRST, "Paul"}
    assert data["household"]["members"][0]["email"] == EMAIL
    assert len(data["consents"]) == 3 and all(c["given"] and c["wording"] for c in data["consents"])
    assert {c["how"] for c in data["consents"]} == {"formulaire de candidature"}  # in the reader's language
    assert any(NAME_LAST in entry["summary"] for entry in data["household"]["timeline"])
    assert data["registrations"][0]["email"] == EMAIL and data["registrations"][0]["people"] == 2
    actions = [entry["action"] for entry in data["access_log"]]
    assert "prospect.read" in actions and "prospect.space_opened" in actions and "event.registered" in actions
    assert "Julien Advisor" in {entry["who"] for entry in data["access_log"]}
    # The readable page shows the same.
    page = client.get("/mon-espace/mes-donnees/").content.decode()
    for text in (NAME_LAST, EMAIL, "Réunion d&#x27;information", "prospect.read", "Julien Advisor"):
        assert text in page


def test_project_update_is_logged_and_shown_in_the_timeline(world):
    household = full_household(world, settled=False)
    client = Client()
    open_space(client)
    response = client.post(
        "/mon-espace/projet/",
        {
            "activity": "craft",
            "sector": "Céramique",
            "current_country": "Belgique",
            "project": "Un atelier.",
            "language": "fr",
            "rooms": "",
            "budget": "900",
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.sector == "Céramique" and household.budget == 900
    entry = household.interactions.first()
    assert "personal space" in entry.summary or "espace personnel" in entry.summary
    assert ActionLog.objects.filter(action="prospect.changed", object_id=str(household.pk), data__by="household")
    bad = client.post("/mon-espace/projet/", {"activity": "astronaut", "language": "fr"})
    assert bad.status_code == 400


def test_consent_withdrawn_per_purpose(world):
    household = full_household(world)
    client = Client()
    open_space(client)
    client.post("/mon-espace/consentements/", {"purpose": "sharing"})
    assert not has_consent(household, "sharing")
    assert has_consent(household, "news") and has_consent(household, "follow_up")
    assert household.interactions.filter(kind="privacy").exists()
    assert ActionLog.objects.filter(action="prospect.consent_withdrawn", data__purpose="sharing").exists()


def test_deletion_request_creates_a_rights_request_and_tells_managers(world, django_capture_on_commit_callbacks):
    household = full_household(world)
    client = Client()
    open_space(client)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mon-espace/suppression/", {"details": "Merci"})
        client.post("/mon-espace/suppression/", {"details": "Encore"})  # once is enough
    request = RightsRequest.objects.get()
    assert request.household == household and request.kind == "erasure" and request.source == "personal_space"
    assert request.due_on == one_month_after(request.received_on) > request.received_on
    assert [m.to for m in mail.outbox] == [["manager.a@example.fr"]]


def test_other_apps_add_items_to_answer(world):
    full_household(world)

    def proposals(sender, household, **kwargs):
        return [SpaceItem("Maison à Lectoure", "/ailleurs/", "à répondre")]

    personal_space_items.connect(proposals)
    try:
        client = Client()
        open_space(client)
        page = client.get("/mon-espace/").content.decode()
    finally:
        personal_space_items.disconnect(proposals)
    assert "Maison à Lectoure" in page and "à répondre" in page


def test_anonymised_household_cannot_open_its_space(world):
    from sohosolo.privacy.services import anonymise_household

    household = full_household(world)
    client = Client()
    open_space(client)
    anonymise_household(household)
    assert client.get("/mon-espace/projet/").status_code == 403


def test_correction_request_from_the_space(world):
    household = full_household(world)
    client = Client()
    open_space(client)
    client.post("/mon-espace/demande/", {"kind": "rectification", "details": ""})
    assert not RightsRequest.objects.exists()
    client.post("/mon-espace/demande/", {"kind": "rectification", "details": "Mon nouveau numéro : 07 00 00 00 00"})
    request = RightsRequest.objects.get()
    assert request.household == household and request.kind == "rectification" and request.source == "personal_space"


def test_nobody_floods_a_mailbox_with_links(world):
    full_household(world)
    for n in range(5):
        Client(REMOTE_ADDR=f"10.0.0.{n}").post("/mon-espace/", {"email": EMAIL})
    assert len(mail.outbox) == 3


def test_link_is_sent_in_the_household_language(world):
    household = full_household(world)
    household.language = "en"
    household.save()
    Client().post("/mon-espace/", {"email": EMAIL})
    message = mail.outbox[-1]
    assert message.subject == "Your link to your Soho Solo personal space"
    assert "/en/mon-espace/lien/" in message.body
    client = Client()
    client.post(link_from(message))
    assert "Your advisor" in client.get("/en/mon-espace/").content.decode()
