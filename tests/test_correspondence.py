"""Emails written to a household from its file: templates per territory and language, a preview, documents
attached, sent once by the worker with the advisor as Reply-To, and the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation

from sohosolo.audit.models import ActionLog
from sohosolo.correspondence.models import EmailTemplate, SentEmail
from sohosolo.correspondence.services import deliver, fill, placeholder_values
from sohosolo.correspondence.tasks import send_household_email
from sohosolo.events.models import Event
from sohosolo.prospects.models import Household, Interaction, Person

PDF = b"%PDF-1.4\n% Business plan of the Smiths\n%%EOF\n"


@pytest.fixture
def household(world) -> Household:
    household = Household.objects.create(territory=world.territory_a, language="en", advisor=world.users["advisor_a"])
    Person.objects.create(
        household=household, is_main_contact=True, first_name="Helen", last_name="Smith", email="helen@example.co.uk"
    )
    Person.objects.create(household=household, first_name="Tom", last_name="Smith", email="tom@example.co.uk")
    Person.objects.create(household=household, first_name="Lily", last_name="Smith", kind=Person.Kind.CHILD)
    return household


@pytest.fixture
def templates(world) -> dict[str, EmailTemplate]:
    def make(language: str, subject: str, body: str) -> EmailTemplate:
        return EmailTemplate.objects.create(
            territory=world.territory_a, name="Bienvenue", language=language, subject=subject, body=body
        )

    return {
        "fr": make("fr", "Bienvenue {first_name}", "Bonjour {first_name}, à bientôt : {next_meeting}. {advisor}"),
        "en": make(
            "en",
            "Welcome {first_name}",
            "Hello {first_name}, see you at {next_meeting}.\nYour space: {personal_space}\n{advisor}, {territory}",
        ),
    }


@pytest.fixture
def meeting(world) -> Event:
    """The territory's next public meeting (a later one and a staff-only one must not be picked)."""
    start = timezone.make_aware(datetime(2099, 6, 18, 18, 30))

    def make(title: str, days: int = 0, **fields) -> Event:
        return Event.objects.create(
            territory=world.territory_a,
            kind="info_meeting",
            title_fr=f"{title} (fr)",
            title_en=title,
            starts_at=start + timedelta(days=days),
            ends_at=start + timedelta(days=days, hours=2),
            **fields,
        )

    make("Volunteers meeting", days=-3, audience="volunteers")
    make("Later meeting", days=30)
    return make("Information evening")


def document(household: Household, name: str = "business-plan.pdf", content: bytes = PDF):
    from sohosolo.documents.models import Document

    return Document.objects.create(
        household=household,
        file=ContentFile(content, name=name),
        original_name=name,
        content_type="application/pdf",
        size=len(content),
    )


def compose_url(household: Household, language: str = "fr") -> str:
    with translation.override(language):
        return reverse("correspondence:compose", args=[household.territory.code, household.pk])


def message(household: Household, action: str = "send", **changes) -> dict:
    data = {
        "action": action,
        "recipient": household.main_contact.pk,
        "language": household.language,
        "template": "template:Bienvenue",
        "subject": "Welcome {first_name}",
        "body": "Hello {first_name}, see you at {next_meeting}.\nYour space: {personal_space}\n{advisor}, {territory}",
    }
    return data | changes


# --- Placeholders ---------------------------------------------------------------------------------------------------


def test_unknown_placeholders_and_stray_braces_are_left_as_written():
    values = {"first_name": "Helen"}
    text = "Hi {first_name} {First_name} {unknown} {first_name.__class__} {0} { {{first_name}} }"
    assert fill(text, values) == "Hi Helen {First_name} {unknown} {first_name.__class__} {0} { {Helen} }"


def test_the_next_meeting_is_the_territorys_nearest_public_event_in_the_emails_language(world, household, meeting):
    values = placeholder_values(household, household.main_contact, world.users["advisor_a"], "en")
    assert values["next_meeting"] == "Information evening, Thursday 18 June 2099, 6:30 PM"
    assert values["personal_space"].endswith("/en/mon-espace/")
    french = placeholder_values(household, household.main_contact, world.users["advisor_a"], "fr")
    assert french["next_meeting"] == "Information evening (fr), jeudi 18 juin 2099 à 18h30"
    assert french["personal_space"].endswith("/mon-espace/") and "/en/" not in french["personal_space"]
    assert values["advisor"] == "Julien Advisor" and values["territory"] == world.territory_a.name


def test_without_an_upcoming_meeting_the_placeholder_is_empty_and_the_preview_says_so(client_for, household, templates):
    response = client_for("advisor_a").post(compose_url(household, "en"), message(household, "preview"))
    assert response.status_code == 200
    assert response.context["preview"]["empty"] == ["next_meeting"]
    assert "Hello Helen, see you at ." in response.context["preview"]["body"]


# --- Composing ------------------------------------------------------------------------------------------------------


def test_the_compose_page_picks_the_households_language_and_main_contact(client_for, household, templates):
    response = client_for("advisor_a").get(compose_url(household))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["language"].value() == "en"
    assert form["recipient"].value() == household.main_contact.pk
    # only the members with an email can be written to
    assert [p.first_name for p in form.fields["recipient"].queryset] == ["Helen", "Tom"]
    assert ("template:Bienvenue", "Bienvenue") in form.fields["template"].choices


def test_choosing_a_template_for_an_english_household_fills_in_the_english_text(client_for, household, templates):
    client = client_for("advisor_a")
    data = message(household, "fill", subject="", body="")
    response = client.post(compose_url(household), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="message-fields"')  # the htmx fragment only
    assert "Welcome {first_name}" in html and "Hello {first_name}" in html
    assert "Bonjour" not in html
    # The advisor switches to French: the French version comes
    response = client.post(compose_url(household), data | {"language": "fr"}, headers={"HX-Request": "true"})
    assert "Bonjour {first_name}" in response.content.decode()
    # Without a script, the "Use this template" button does the same on the whole page
    response = client.post(compose_url(household), data)
    assert response.status_code == 200 and "Welcome {first_name}" in response.content.decode()
    assert not mail.outbox and not SentEmail.objects.exists()


def test_a_template_without_a_version_in_the_language_gives_the_other_one_and_says_so(client_for, household, world):
    EmailTemplate.objects.create(
        territory=world.territory_a, name="Relance", language="fr", subject="Relance", body="B"
    )
    data = message(household, "fill", template="template:Relance", subject="", body="")
    response = client_for("advisor_a").post(compose_url(household), data, headers={"HX-Request": "true"})
    assert 'value="Relance"' in response.content.decode()
    assert response.context["template_note"]


def test_a_territory_without_templates_is_offered_the_built_in_ones(client_for, household):
    client = client_for("advisor_a")
    form = client.get(compose_url(household)).context["form"]
    assert ("builtin:welcome", "After our call") in form.fields["template"].choices
    data = message(household, "fill", template="builtin:invitation", subject="", body="")
    response = client.post(compose_url(household), data, headers={"HX-Request": "true"})
    assert "We would be glad to welcome you at our next meeting: {next_meeting}" in response.content.decode()


def test_the_page_says_replies_go_to_the_advisors_mailbox_and_are_not_read(client_for, household):
    page = client_for("advisor_a").get(compose_url(household, "en")).content.decode()
    assert "Replies go straight to your own mailbox" in page
    assert "advisor.a@example.fr" in page and "the platform does not read them" in page


def test_a_preview_fills_the_placeholders_and_sends_nothing(client_for, household, templates, meeting):
    before = Interaction.objects.count()
    response = client_for("advisor_a").post(compose_url(household), message(household, "preview"))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview["subject"] == "Welcome Helen"
    assert "Hello Helen, see you at Information evening, Thursday 18 June 2099, 6:30 PM." in preview["body"]
    assert preview["reply_to"] == "advisor.a@example.fr" and preview["to"] == "helen@example.co.uk"
    assert "Welcome Helen" in response.content.decode()
    assert not mail.outbox
    assert not SentEmail.objects.exists() and Interaction.objects.count() == before


def test_a_recipient_from_another_household_is_refused(client_for, household, world):
    other = Household.objects.create(territory=world.territory_a)
    stranger = Person.objects.create(household=other, first_name="Eve", email="eve@example.fr")
    response = client_for("advisor_a").post(compose_url(household), message(household, recipient=stranger.pk))
    assert response.status_code == 400
    assert not mail.outbox and not SentEmail.objects.exists()


# --- Sending --------------------------------------------------------------------------------------------------------


def test_an_email_from_a_template_reaches_the_prospect_in_their_language_with_a_document_and_the_timeline(
    client_for, household, templates, meeting, world
):
    plan = document(household)
    document(household, "other.pdf", b"%PDF-1.4 not chosen")
    advisor = world.users["advisor_a"]

    response = client_for("advisor_a").post(compose_url(household), message(household, attachments=[plan.pk]))

    assert response.status_code == 302 and response["Location"] == household.get_absolute_url()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["helen@example.co.uk"]
    assert email.reply_to == ["advisor.a@example.fr"]
    assert email.extra_headers["Content-Language"] == "en"
    assert "Julien Advisor" in email.from_email
    assert email.subject == "Welcome Helen"
    assert "Hello Helen, see you at Information evening, Thursday 18 June 2099, 6:30 PM." in email.body
    assert "/en/mon-espace/" in email.body and f"Julien Advisor, {world.territory_a.name}" in email.body
    assert [(a.filename, a.content, a.mimetype) for a in email.attachments] == [
        ("business-plan.pdf", PDF, "application/pdf")
    ]

    sent = SentEmail.objects.get()
    assert sent.status == SentEmail.Status.SENT and sent.sent_at is not None
    assert sent.template == templates["en"] and sent.language == "en" and sent.sent_by == advisor
    assert sent.attachments == [{"id": plan.pk, "name": "business-plan.pdf"}]
    entry = household.interactions.get(kind=Interaction.Kind.EMAIL)
    assert entry.author == advisor
    assert entry.summary.startswith("Welcome Helen\n\nHello Helen, see you at Information evening")
    assert "business-plan.pdf" in entry.summary
    assert ActionLog.objects.filter(action="correspondence.email_sent", object_id=str(household.pk)).exists()


def test_the_email_goes_to_the_member_chosen(client_for, household, templates):
    tom = household.members.get(first_name="Tom")
    client_for("advisor_a").post(compose_url(household), message(household, recipient=tom.pk))
    assert mail.outbox[0].to == ["tom@example.co.uk"] and mail.outbox[0].subject == "Welcome Tom"


def test_the_same_email_is_sent_only_once(world, household):
    sent = SentEmail.objects.create(
        household=household,
        sent_by=world.users["advisor_a"],
        to="helen@example.co.uk",
        reply_to="advisor.a@example.fr",
        language="en",
        subject="Hello",
        body="Text",
    )
    send_household_email.enqueue(sent_email_id=sent.pk)
    send_household_email.enqueue(sent_email_id=sent.pk)
    assert deliver(sent.pk) is False
    assert len(mail.outbox) == 1
    assert household.interactions.filter(kind=Interaction.Kind.EMAIL).count() == 1


def test_an_email_whose_document_is_gone_is_marked_not_sent_and_stays_out_of_the_timeline(client_for, household):
    plan = document(household)
    plan.file.storage.delete(plan.file.name)  # lost from the storage between the choice and the sending
    data = message(household, template="", subject="Hi", body="Text", attachments=[plan.pk])
    response = client_for("advisor_a").post(compose_url(household), data)
    assert response.status_code == 302
    assert not mail.outbox
    sent = SentEmail.objects.get()
    assert sent.status == SentEmail.Status.FAILED and sent.sent_at is None
    assert not household.interactions.filter(kind=Interaction.Kind.EMAIL).exists()
    # the compose page shows it was not sent
    assert "Not sent" in client_for("advisor_a").get(compose_url(household, "en")).content.decode()


def test_another_households_document_cannot_be_attached(client_for, household, world):
    other = Household.objects.create(territory=world.territory_a)
    foreign = document(other)
    data = message(household, template="", subject="Hi", body="Text", attachments=[foreign.pk])
    assert client_for("advisor_a").post(compose_url(household), data).status_code == 400
    assert not mail.outbox


# --- Who may --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["advisor_b", "volunteer_a1"])
def test_outsiders_get_404_and_send_nothing(client_for, household, templates, persona):
    client = client_for(persona)
    assert client.get(compose_url(household)).status_code == 404
    assert client.post(compose_url(household), message(household)).status_code == 404
    assert not mail.outbox and not SentEmail.objects.exists()


@pytest.mark.parametrize("persona", ["advisor_b", "volunteer_a1"])
def test_template_pages_are_for_the_territorys_team(client_for, world, templates, persona):
    client = client_for(persona)
    code, pk = world.territory_a.code, templates["fr"].pk
    assert client.get(reverse("correspondence:templates", args=[code])).status_code == 404
    assert client.get(reverse("correspondence:template_edit", args=[code, pk])).status_code == 404
    assert client.post(reverse("correspondence:template_delete", args=[code, pk])).status_code == 404
    assert EmailTemplate.objects.filter(pk=pk).exists()


def test_a_template_of_another_territory_is_404_through_this_one(client_for, world):
    theirs = EmailTemplate.objects.create(territory=world.territory_b, name="Lot", subject="S", body="B")
    client = client_for("advisor_a")
    assert client.get(reverse("correspondence:template_edit", args=["gers", theirs.pk])).status_code == 404
    assert client.post(reverse("correspondence:template_delete", args=["gers", theirs.pk])).status_code == 404
    page = client.get(reverse("correspondence:templates", args=["gers"])).content.decode()
    assert "Lot" not in page


# --- Managing the templates -----------------------------------------------------------------------------------------


def test_the_team_creates_edits_and_deletes_a_template(client_for, world):
    client = client_for("advisor_a")
    url = reverse("correspondence:templates", args=["gers"])
    data = {"name": "Relance", "language": "en", "subject": "News {first_name}", "body": "Hello {first_name}"}
    assert client.post(url, data).status_code == 302
    template = EmailTemplate.objects.get(territory=world.territory_a, name="Relance")
    assert template.created_by == world.users["advisor_a"]
    # the same name in the same language again is refused; in the other language it is the other version
    assert client.post(url, data).status_code == 400
    assert client.post(url, data | {"language": "fr"}).status_code == 302
    edit = reverse("correspondence:template_edit", args=["gers", template.pk])
    assert client.post(edit, data | {"subject": "Changed"}).status_code == 302
    template.refresh_from_db()
    assert template.subject == "Changed"
    assert client.post(reverse("correspondence:template_delete", args=["gers", template.pk])).status_code == 302
    assert not EmailTemplate.objects.filter(pk=template.pk).exists()
    assert ActionLog.objects.filter(action="correspondence.template_deleted").exists()


def test_the_form_explains_the_placeholders(client_for):
    page = client_for("advisor_a").get("/en" + reverse("correspondence:templates", args=["gers"])).content.decode()
    assert "{first_name} (the recipient's first name)" in page and "{personal_space} (the link" in page


def test_the_built_in_templates_can_be_added_to_the_territorys_own(client_for, world):
    client = client_for("manager_a")
    url = reverse("correspondence:templates", args=["gers"])
    assert client.post(url, {"action": "built_in"}).status_code == 302
    assert EmailTemplate.objects.filter(territory=world.territory_a).count() == 4
    assert set(EmailTemplate.objects.values_list("language", flat=True)) == {"fr", "en"}


def test_the_template_list_stays_fast(client_for, world, django_assert_max_num_queries):
    for i in range(30):
        EmailTemplate.objects.create(
            territory=world.territory_a, name=f"T{i}", subject="S", body="B", created_by=world.users["manager_a"]
        )
    client = client_for("advisor_a")
    url = reverse("correspondence:templates", args=["gers"])
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_the_compose_page_stays_fast(client_for, household, world, django_assert_max_num_queries):
    for i in range(10):
        document(household, f"doc{i}.pdf")
        SentEmail.objects.create(
            household=household, sent_by=world.users["advisor_a"], to="a@b.fr", subject="S", body="B"
        )
    client = client_for("advisor_a")
    with django_assert_max_num_queries(20):
        assert client.get(compose_url(household)).status_code == 200


# --- Personal data --------------------------------------------------------------------------------------------------


def test_the_emails_are_in_the_data_export_and_go_at_erasure(world, household):
    from sohosolo.privacy.personal_data import collect_household_data, erase_household_data

    SentEmail.objects.create(household=household, to="helen@example.co.uk", subject="Hello", body="Private words")
    sections = dict(result for _receiver, result in collect_household_data.send(sender=None, household=household))
    assert sections["emails_written"][0]["text"] == "Private words"
    erase_household_data.send(sender=None, household=household)
    erase_household_data.send(sender=None, household=household)
    assert not SentEmail.objects.filter(household=household).exists()
