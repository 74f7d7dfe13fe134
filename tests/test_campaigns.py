"""News campaigns: the audience (consent or role), each reader's language, the one-click unsubscribe, the archive."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from sohosolo.accounts.models import Role, RoleKind
from sohosolo.audit.models import ActionLog
from sohosolo.campaigns import tasks
from sohosolo.campaigns.models import Campaign, CampaignRecipient, Unsubscribe
from sohosolo.network.models import MemberProfile
from sohosolo.privacy.consents import has_consent, record_consents
from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import SavedView
from tests.factories import make_household, make_user

LIST = "/territoires/gers/lettres/"


def with_news(household, news: bool = True):
    record_consents(household, {"follow_up": True, "news": news}, household.language, source="test")
    return household


@pytest.fixture
def prospects(world):
    """Territory A's new files: Hélène (French) and Emma (English) want news, Marc refused it; Paul wants news but is
    past the saved view's stage; Lucie wants news in territory B."""
    a = world.territory_a
    return {
        "helene": with_news(make_household(a, first_name="Hélène", last_name="Léger", language="fr")),
        "emma": with_news(make_household(a, first_name="Emma", last_name="Brown", language="en")),
        "marc": with_news(make_household(a, first_name="Marc", last_name="Petit"), news=False),
        "paul": with_news(make_household(a, first_name="Paul", last_name="Roux", stage="follow_up")),
        "lucie": with_news(make_household(world.territory_b, first_name="Lucie", last_name="Blanc")),
    }


@pytest.fixture
def saved_view(world):
    return SavedView.objects.create(
        user=world.users["advisor_a"], territory=world.territory_a, name="Nouveaux", query="stage=new"
    )


def make_campaign(world, saved_view=None, audience="saved_view", **fields) -> Campaign:
    values = {
        "subject_fr": "Réunion d'information jeudi",
        "body_fr": "Venez nous voir **jeudi** à Auch.",
        "subject_en": "Information meeting on Thursday",
        "body_en": "Come and see us on **Thursday** in Auch.",
    } | fields
    return Campaign.objects.create(
        territory=world.territory_a,
        audience=audience,
        saved_view=saved_view,
        created_by=world.users["manager_a"],
        **values,
    )


def send(client, campaign, capture):
    with capture(execute=True):
        return client.post(f"{LIST}{campaign.pk}/envoyer/")


def by_recipient() -> dict[str, mail.EmailMessage]:
    return {message.to[0]: message for message in mail.outbox}


def test_a_campaign_to_a_saved_view_reaches_only_consenting_households_each_in_their_language(
    world, client_for, prospects, saved_view, django_capture_on_commit_callbacks
):
    campaign = make_campaign(world, saved_view)
    response = send(client_for("advisor_a"), campaign, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    sent = by_recipient()
    assert set(sent) == {"helene.leger@example.fr", "emma.brown@example.fr"}
    french, english = sent["helene.leger@example.fr"], sent["emma.brown@example.fr"]
    assert french.subject == "Réunion d'information jeudi" and "**jeudi**" in french.body
    assert "<strong>jeudi</strong>" in french.alternatives[0].content
    assert english.subject == "Information meeting on Thursday" and "Thursday" in english.body
    assert "jeudi" not in english.body
    for message in (french, english):
        recipient = CampaignRecipient.objects.get(email=message.to[0])
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.extra_headers["List-Unsubscribe"] == f"<{recipient.unsubscribe_link}>"
        assert recipient.unsubscribe_link in message.body  # the visible link too
        assert recipient.unsubscribe_link in message.alternatives[0].content
    assert f"/en/desabonnement/{CampaignRecipient.objects.get(language='en').token}/" in english.body
    campaign.refresh_from_db()
    assert campaign.status == "sent" and campaign.sent_at is not None
    assert (campaign.recipient_count, campaign.sent_count, campaign.failed_count) == (2, 2, 0)
    assert campaign.audience_query == "stage=new"


def test_english_readers_get_the_french_version_when_there_is_no_english_one(
    world, client_for, prospects, saved_view, django_capture_on_commit_callbacks
):
    campaign = make_campaign(world, saved_view, subject_en="", body_en="")
    send(client_for("advisor_a"), campaign, django_capture_on_commit_callbacks)
    assert by_recipient()["emma.brown@example.fr"].subject == "Réunion d'information jeudi"


def test_the_unsubscribe_page_changes_nothing_its_button_withdraws_the_consent_and_the_next_campaign_skips_them(
    world, client_for, prospects, saved_view, django_capture_on_commit_callbacks
):
    send(client_for("advisor_a"), make_campaign(world, saved_view), django_capture_on_commit_callbacks)
    recipient = CampaignRecipient.objects.get(email="helene.leger@example.fr")
    url = f"/desabonnement/{recipient.token}/"

    page = Client().get(url)  # what a mail scanner following links does
    assert page.status_code == 200 and 'class="unsubscribe-form"' in page.content.decode()
    assert has_consent(prospects["helene"], "news")
    recipient.refresh_from_db()
    assert recipient.unsubscribed_at is None

    done = Client().post(url)
    assert done.status_code == 200 and 'class="unsubscribe-form"' not in done.content.decode()  # "you are unsubscribed"
    news = Consent.objects.get(household=prospects["helene"], purpose="news")
    assert news.withdrawn_at is not None  # the ledger's entry
    assert not has_consent(prospects["helene"], "news")
    assert ActionLog.objects.filter(action="prospect.consent_withdrawn", object_id=str(prospects["helene"].pk))
    recipient.refresh_from_db()
    assert recipient.unsubscribed_at is not None
    assert Campaign.objects.get().unsubscribed_count == 1
    assert Client().post(url).status_code == 200  # again: nothing more happens
    assert Campaign.objects.get().unsubscribed_count == 1

    mail.outbox.clear()
    send(
        client_for("advisor_a"),
        make_campaign(world, saved_view, subject_fr="La suite"),
        django_capture_on_commit_callbacks,
    )
    assert set(by_recipient()) == {"emma.brown@example.fr"}


def test_the_one_click_unsubscribe_of_mail_clients_withdraws_the_consent_without_a_csrf_token(
    world, client_for, prospects, saved_view, django_capture_on_commit_callbacks
):
    send(client_for("advisor_a"), make_campaign(world, saved_view), django_capture_on_commit_callbacks)
    recipient = CampaignRecipient.objects.get(email="emma.brown@example.fr")
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        f"/en/desabonnement/{recipient.token}/",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert Consent.objects.get(household=prospects["emma"], purpose="news").withdrawn_at is not None
    mail.outbox.clear()
    send(
        client_for("advisor_a"),
        make_campaign(world, saved_view, subject_fr="La suite"),
        django_capture_on_commit_callbacks,
    )
    assert set(by_recipient()) == {"helene.leger@example.fr"}


def test_a_forged_token_unsubscribes_nobody(db, client):
    assert client.post("/desabonnement/forged/").status_code == 404


def test_sending_twice_mails_each_reader_once(
    world, client_for, prospects, saved_view, django_capture_on_commit_callbacks
):
    campaign = make_campaign(world, saved_view)
    advisor = client_for("advisor_a")
    send(advisor, campaign, django_capture_on_commit_callbacks)
    send(advisor, campaign, django_capture_on_commit_callbacks)  # a double click, or a second person
    tasks.send_campaign_batch.enqueue(campaign.pk)  # the batch run again by the worker
    assert len(mail.outbox) == 2
    assert CampaignRecipient.objects.count() == 2


def test_a_large_audience_is_sent_in_batches_until_none_is_left(
    world, client_for, saved_view, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks, "BATCH_SIZE", 2)
    for n in range(5):
        with_news(make_household(world.territory_a, first_name=f"Prénom{n}", last_name="Nom"))
    from django.tasks.signals import task_started

    batches = []

    def count(sender, task_result, **kwargs):
        if task_result.task.name == "send_campaign_batch":
            batches.append(task_result.args)

    task_started.connect(count, weak=False)
    campaign = make_campaign(world, saved_view)
    try:
        send(client_for("advisor_a"), campaign, django_capture_on_commit_callbacks)
    finally:
        task_started.disconnect(count)
    assert len(mail.outbox) == 5
    assert len(batches) == 3
    campaign.refresh_from_db()
    assert campaign.status == "sent" and campaign.sent_count == 5


def test_a_household_that_withdrew_meanwhile_is_skipped(world, prospects, saved_view):
    from sohosolo.campaigns.services import start_sending
    from sohosolo.privacy.services import withdraw_consent

    campaign = make_campaign(world, saved_view)
    assert start_sending(campaign, world.users["advisor_a"])
    withdraw_consent(prospects["helene"], "news")  # before the worker's batch
    tasks.send_campaign_batch.enqueue(campaign.pk)
    assert set(by_recipient()) == {"emma.brown@example.fr"}
    campaign.refresh_from_db()
    assert (campaign.sent_count, campaign.skipped_count) == (1, 1)


def test_a_saved_view_whose_filters_are_no_longer_valid_sends_nothing(
    world, client_for, prospects, saved_view, django_capture_on_commit_callbacks
):
    saved_view.query = "stage=new&first_contact_from=not-a-date"
    saved_view.save()
    campaign = make_campaign(world, saved_view)
    assert "no longer valid" in client_for("advisor_a").get(f"/en{LIST}{campaign.pk}/").content.decode()
    send(client_for("advisor_a"), campaign, django_capture_on_commit_callbacks)
    assert not mail.outbox
    assert Campaign.objects.get().status == "draft"


def test_a_campaign_to_the_club_reaches_active_members_in_their_language_and_honours_their_opt_out(
    world, client_for, django_capture_on_commit_callbacks
):
    thomas = world.users["member"]  # English
    MemberProfile.objects.create(user=thomas, territory=world.territory_a, status="active")
    gone = make_user("gone@example.fr", "Ex Membre", (RoleKind.MEMBER, world.territory_a))
    MemberProfile.objects.create(user=gone, territory=world.territory_a, status="ended")
    other = make_user("lot@example.fr", "Membre Lot", (RoleKind.MEMBER, world.territory_b))
    MemberProfile.objects.create(user=other, territory=world.territory_b, status="active")
    campaign = make_campaign(world, audience="members")
    send(client_for("manager_a"), campaign, django_capture_on_commit_callbacks)

    assert [(m.to, m.subject) for m in mail.outbox] == [(["member@example.fr"], "Information meeting on Thursday")]
    recipient = CampaignRecipient.objects.get()
    Client(enforce_csrf_checks=True).post(
        f"/en/desabonnement/{recipient.token}/",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert Unsubscribe.objects.filter(territory=world.territory_a, audience="members", email=thomas.email).exists()
    mail.outbox.clear()
    send(client_for("manager_a"), make_campaign(world, audience="members"), django_capture_on_commit_callbacks)
    assert not mail.outbox


def test_a_campaign_to_the_volunteers_reaches_the_volunteers_of_the_territory_only(
    world, client_for, django_capture_on_commit_callbacks
):
    make_user("volunteer.b1@example.fr", "Bénévole Lot", (RoleKind.VOLUNTEER, world.village_b1))
    inactive = make_user("inactive@example.fr", "Parti", (RoleKind.VOLUNTEER, world.village_a1))
    inactive.is_active = False
    inactive.save()
    Role.objects.create(user=world.users["volunteer_a1"], kind=RoleKind.VOLUNTEER, village=world.village_a2)
    send(client_for("advisor_a"), make_campaign(world, audience="volunteers"), django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == ["volunteer.a1@example.fr", "volunteer.a2@example.fr"]
    assert all("**jeudi**" in m.body for m in mail.outbox)


def test_a_campaign_to_the_partners(world, client_for, django_capture_on_commit_callbacks):
    send(client_for("advisor_a"), make_campaign(world, audience="partners"), django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["partner@example.fr"]]


def test_a_test_send_goes_to_oneself_only_marked_as_a_test(
    world, client_for, prospects, saved_view, django_capture_on_commit_callbacks
):
    campaign = make_campaign(world, saved_view)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("advisor_a").post(f"{LIST}{campaign.pk}/test/")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["advisor.a@example.fr"], ["advisor.a@example.fr"]]
    french, english = (m.subject for m in mail.outbox)
    assert french.startswith("[") and french.endswith("] Réunion d'information jeudi")  # [Essai] once translated
    assert english == "[Test] Information meeting on Thursday"
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
    assert not CampaignRecipient.objects.exists()
    campaign.refresh_from_db()
    assert campaign.is_draft and campaign.last_test_at is not None
    # The test's link unsubscribes nobody.
    assert Client().post("/desabonnement/essai/").status_code == 200
    assert has_consent(prospects["helene"], "news")


def test_the_team_writes_a_draft_and_edits_it_until_it_is_sent(
    world, client_for, saved_view, django_capture_on_commit_callbacks
):
    advisor = client_for("advisor_a")
    response = advisor.post(
        f"{LIST}nouvelle/",
        {"audience": "saved_view", "saved_view": saved_view.pk, "subject_fr": "Bonjour", "body_fr": "Texte"},
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and campaign.created_by == world.users["advisor_a"]
    assert campaign.territory == world.territory_a and campaign.is_draft
    refused = advisor.post(
        f"{LIST}nouvelle/", {"audience": "saved_view", "subject_fr": "Sans vue", "body_fr": "Texte", "subject_en": "Hi"}
    )
    assert refused.status_code == 200 and set(refused.context["form"].errors) == {"saved_view", "body_en"}
    advisor.post(f"{LIST}{campaign.pk}/modifier/", {"audience": "members", "subject_fr": "Bonjour !", "body_fr": "T"})
    campaign.refresh_from_db()
    assert (campaign.subject_fr, campaign.audience, campaign.saved_view) == ("Bonjour !", "members", None)
    detail = advisor.get(f"{LIST}{campaign.pk}/")
    assert detail.status_code == 200 and detail.context["audience_size"] == 0
    send(advisor, campaign, django_capture_on_commit_callbacks)
    advisor.post(f"{LIST}{campaign.pk}/modifier/", {"audience": "members", "subject_fr": "Changé", "body_fr": "T"})
    campaign.refresh_from_db()
    assert campaign.subject_fr == "Bonjour !"


def test_the_detail_shows_the_audience_size_before_sending_and_both_versions(world, client_for, prospects, saved_view):
    campaign = make_campaign(world, saved_view)
    page = client_for("manager_a").get(f"{LIST}{campaign.pk}/")
    assert page.context["audience_size"] == 2
    html = page.content.decode()
    assert "<strong>jeudi</strong>" in html and "<strong>Thursday</strong>" in html


def test_the_archive_lists_the_campaigns_with_their_counts_at_a_constant_number_of_queries(
    world, client_for, saved_view, django_assert_max_num_queries
):
    advisor = client_for("advisor_a")
    advisor.get(LIST)  # the session and the user are read once

    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert advisor.get(LIST).status_code == 200
        return len(queries)

    make_campaign(world, saved_view)
    few = count_queries()
    for n in range(8):
        make_campaign(world, saved_view, subject_fr=f"Lettre {n}", status="sent", sent_count=n, failed_count=1)
    with django_assert_max_num_queries(few):
        page = advisor.get(LIST)
    assert "Lettre 7" in page.content.decode()
    make_campaign(world, audience="members", subject_fr="Aux membres")
    with django_assert_max_num_queries(few):
        advisor.get(LIST)


@pytest.mark.parametrize("persona", ["advisor_b", "volunteer_a1", "member", "partner"])
def test_outsiders_get_404(world, client_for, saved_view, persona, django_capture_on_commit_callbacks):
    campaign = make_campaign(world, saved_view)
    client = client_for(persona)
    for url in (LIST, f"{LIST}nouvelle/", f"{LIST}{campaign.pk}/", f"{LIST}{campaign.pk}/modifier/"):
        assert client.get(url).status_code == 404, url
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{LIST}{campaign.pk}/envoyer/").status_code == 404
        assert client.post(f"{LIST}{campaign.pk}/test/").status_code == 404
    assert Campaign.objects.get().is_draft and not mail.outbox


def test_an_erased_household_leaves_no_address_in_the_campaigns(
    world, client_for, prospects, saved_view, django_capture_on_commit_callbacks
):
    from sohosolo.privacy.services import anonymise_household

    send(client_for("advisor_a"), make_campaign(world, saved_view), django_capture_on_commit_callbacks)
    anonymise_household(prospects["helene"])
    assert not CampaignRecipient.objects.filter(email="helene.leger@example.fr").exists()
    assert Campaign.objects.get().sent_count == 2
