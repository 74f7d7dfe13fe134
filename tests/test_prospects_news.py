"""The advisor's desk: registering a prospect for an event from the file or the event's page, and the news on the
advisor's files (My day, marked read when the file is opened, and the daily email for those who chose it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from sohosolo.committees.services import plan_visit, record_visit
from sohosolo.events.models import Event, Registration
from sohosolo.events.services import cancel
from sohosolo.housing.models import Proposal, ProposalItem
from sohosolo.housing.services import record_answers
from sohosolo.prospects.models import FileNews
from sohosolo.prospects.tasks import send_file_news_digests
from tests.factories import make_household

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def household(world):
    return make_household(
        world.territory_a, first_name="Jane", last_name="Doe", language="en", advisor=world.users["advisor_a"],
        sharing=True,
    )  # fmt: skip


def meeting(world, capacity=10) -> Event:
    return Event.objects.create(
        territory=world.territory_a,
        kind="info_meeting",
        audience="public",
        title_fr="Réunion d'information à Auch",
        title_en="Information meeting in Auch",
        starts_at=NOW + timedelta(days=7),
        ends_at=NOW + timedelta(days=7, hours=2),
        capacity=capacity,
    )


# --- Registering a prospect ---------------------------------------------------------------------------------------


def test_an_advisor_registers_a_prospect_from_the_file_with_the_usual_confirmation(
    world, client_for, household, django_capture_on_commit_callbacks
):
    event = meeting(world)
    url = reverse("events:register_household", args=[world.territory_a.code, household.pk])
    client = client_for("advisor_a")
    assert escape(event.title_fr) in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"event": event.pk, "people": 2, "join_waiting_list": "on"})
    assert response.status_code == 302 and response.url == household.get_absolute_url()
    registration = Registration.objects.get(event=event)
    assert registration.household == household and registration.people == 2 and registration.user is None
    assert registration.status == Registration.Status.CONFIRMED and registration.language == "en"
    [confirmation] = mail.outbox
    assert confirmation.to == ["jane.doe@example.fr"] and "Information meeting in Auch" in confirmation.subject
    assert any(name.endswith(".ics") for name, *_ in confirmation.attachments)
    assert household.interactions.filter(kind="event", data__registration=registration.pk).exists()
    # Twice: refused with the reason, nothing doubled.
    response = client.post(url, {"event": event.pk, "people": 2})
    assert response.status_code == 400 and Registration.objects.filter(event=event).count() == 1
    # The advisor did it: no news for themselves.
    assert not FileNews.objects.exists()


def test_a_full_event_puts_the_prospect_on_the_waiting_list_when_asked(world, client_for, household):
    event = meeting(world, capacity=1)
    Registration.objects.create(event=event, name="Déjà là", email="la@example.fr", people=1)
    url = reverse("events:register_household", args=[world.territory_a.code, household.pk])
    client = client_for("advisor_a")
    assert client.post(url, {"event": event.pk, "people": 1}).status_code == 400
    assert client.post(url, {"event": event.pk, "people": 1, "join_waiting_list": "on"}).status_code == 302
    assert Registration.objects.get(household=household).status == Registration.Status.WAITING


def test_the_events_page_finds_a_prospect_and_registers_them(world, client_for, household):
    event = meeting(world)
    url = reverse("events:register_prospect", args=[world.territory_a.code, event.pk])
    client = client_for("advisor_a")
    other = make_household(world.territory_b, first_name="Jane", last_name="Doe")
    page = client.get(url, {"q": "doe"}, headers={"HX-Request": "true"})
    assert household.get_absolute_url() in page.text and other.get_absolute_url() not in page.text
    response = client.post(url, {"household": household.pk, "event": event.pk, "people": 1})
    assert response.status_code == 302
    assert Registration.objects.get(event=event).household == household
    # A file of another territory cannot be registered through this page.
    assert client.post(url, {"household": other.pk, "event": event.pk, "people": 1}).status_code == 404


# --- News on the advisor's files ------------------------------------------------------------------------------------


def test_news_on_the_files_show_in_my_day_until_the_file_is_opened(world, client_for, household):
    proposal = Proposal.objects.create(territory=world.territory_a, household=household, sent_at=timezone.now())
    item = ProposalItem.objects.create(proposal=proposal, village=world.village_a1)
    record_answers(proposal, {item.pk: ("interested", "")})
    event = meeting(world)
    client_for("anonymous").post(
        event.get_absolute_url(),
        {"first_name": "Jane", "last_name": "Doe", "email": "jane.doe@example.fr", "people": 1, "language": "en"},
    )
    registration = Registration.objects.get(event=event)
    cancel(registration)
    visit = plan_visit(household, world.village_a1, timezone.now() - timedelta(hours=2), [], "", None)
    record_visit(visit, "well", "high", "", world.users["volunteer_a1"])
    kinds = set(FileNews.objects.filter(household=household).values_list("kind", flat=True))
    assert kinds == {"proposal_answered", "registered", "registration_cancelled", "visit_recorded"}

    client = client_for("advisor_a")
    page = client.get(reverse("prospects:my_day"))
    news = page.context["news"]
    assert len(news) == 4 and all(n.household == household for n in news)
    assert "A répondu à une proposition de logement :" in page.text
    client_for("advisor_b").get(reverse("prospects:my_day"))  # someone else's day changes nothing
    assert FileNews.objects.unread().count() == 4
    client.get(household.get_absolute_url())
    assert FileNews.objects.unread().count() == 0
    assert list(client.get(reverse("prospects:my_day")).context["news"]) == []


def test_my_day_news_block_stays_at_a_constant_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for("advisor_a")

    def add(count):
        for number in range(count):
            other = make_household(world.territory_a, last_name=f"N{number}", advisor=world.users["advisor_a"])
            FileNews.objects.create(household=other, advisor=world.users["advisor_a"], kind="registered")

    add(2)
    with django_assert_max_num_queries(100) as few:
        client.get(reverse("prospects:my_day"))
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("prospects:my_day")).status_code == 200


def test_the_daily_email_of_news_goes_once_to_those_who_chose_it(world, household):
    advisor = world.users["advisor_a"]
    FileNews.objects.create(household=household, advisor=advisor, kind="registered", data={"detail": "Réunion"})
    assert send_file_news_digests.call() == 0  # not chosen
    advisor.file_news_by_email = True
    advisor.save()
    assert send_file_news_digests.call() == 1
    [email] = mail.outbox
    assert email.to == [advisor.email] and "Jane Doe" in email.body and household.get_absolute_url() in email.body
    assert send_file_news_digests.call() == 0  # not twice
    FileNews.objects.create(household=household, advisor=advisor, kind="registered", read_at=timezone.now())
    assert send_file_news_digests.call() == 0  # read already
