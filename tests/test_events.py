from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from sohosolo.events.models import Event, Registration
from sohosolo.events.services import send_reminders
from sohosolo.prospects.models import Household, Interaction


@pytest.fixture
def meeting(world) -> Event:
    start = (timezone.now() + timedelta(days=7)).replace(hour=17, minute=0, second=0, microsecond=0)
    return Event.objects.create(
        territory=world.territory_a,
        kind="info_meeting",
        title_fr="Réunion d'information",
        title_en="Information meeting",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        commune_id="32013",
        address="CCI du Gers, 1 place Jean-David",
        capacity=3,
    )


def register(client: Client, event: Event, prefix: str = "", **changes):
    data = {
        "first_name": "Hélène",
        "last_name": "Smith",
        "email": "helene@example.co.uk",
        "people": "1",
        "language": "en",
        "consent_follow_up": "on",
        "join_waiting_list": "",
    }
    data.update(changes)
    return client.post(
        prefix + f"/evenements/gers/{event.pk}/", {k: v for k, v in data.items() if v is not None}, follow=False
    )


def test_a_visitor_registers_and_gets_a_confirmation_with_a_valid_invitation(
    meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(Client(), meeting, prefix="/en")
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == "confirmed" and registration.language == "en"
    email = mail.outbox[0]
    assert email.to == ["helene@example.co.uk"] and email.subject.startswith("Registered: Information meeting")
    filename, content, mimetype = email.attachments[0]
    assert filename == "invitation.ics" and mimetype == "text/calendar"
    event = next(c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT")
    assert event.decoded("dtstart") == meeting.starts_at and str(event["summary"]) == "Information meeting"
    assert f"/evenements/annuler/{registration.token}/" in email.body
    # They agreed to be followed: a prospect file now exists, and its timeline shows the registration.
    household = Household.objects.get()
    assert registration.household == household
    assert household.interactions.filter(kind=Interaction.Kind.EVENT).exists()


def test_the_day_before_each_registered_person_is_reminded_once(meeting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(Client(), meeting)
    mail.outbox.clear()
    assert send_reminders(now=meeting.starts_at - timedelta(days=3)) == 0
    assert send_reminders(now=meeting.starts_at - timedelta(hours=24)) == 1
    assert send_reminders(now=meeting.starts_at - timedelta(hours=23)) == 0
    assert len(mail.outbox) == 1 and "Hélène" in mail.outbox[0].body


def test_a_full_event_refuses_one_more_and_offers_the_waiting_list(meeting, django_capture_on_commit_callbacks):
    register(Client(), meeting, email="a@example.fr", people="3")
    full = register(Client(), meeting, email="b@example.fr")
    assert full.status_code == 400
    assert "liste d'attente" in full.content.decode() or "waiting list" in full.content.decode()
    assert Registration.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        waiting = register(Client(), meeting, email="b@example.fr", join_waiting_list="on")
    assert waiting.status_code == 302
    assert Registration.objects.get(email="b@example.fr").status == "waiting"


def test_cancelling_frees_the_seat_for_the_first_waiting_who_is_told(meeting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(Client(), meeting, email="a@example.fr", people="3")
        register(Client(), meeting, email="b@example.fr", join_waiting_list="on")
        register(Client(), meeting, email="c@example.fr", join_waiting_list="on")
    first = Registration.objects.get(email="a@example.fr")
    token = re.search(r"/evenements/annuler/([^/]+)/", mail.outbox[0].body).group(1)
    assert token == first.token
    mail.outbox.clear()
    url = reverse("events:cancel", args=[token])
    assert Client().get(url).status_code == 200  # a page to confirm: mail scanners that follow links cancel nothing
    assert Registration.objects.get(pk=first.pk).status == "confirmed"
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(url)
    statuses = dict(Registration.objects.values_list("email", "status"))
    assert statuses == {"a@example.fr": "cancelled", "b@example.fr": "confirmed", "c@example.fr": "confirmed"}
    assert sorted(m.to[0] for m in mail.outbox) == ["b@example.fr", "c@example.fr"]
    assert all(m.attachments for m in mail.outbox)


def test_no_double_registration(meeting):
    register(Client(), meeting)
    again = register(Client(), meeting, email="HELENE@example.co.uk")
    assert again.status_code == 400 and Registration.objects.count() == 1


def test_registration_without_consent_to_be_followed_opens_no_file(meeting):
    register(Client(), meeting, consent_follow_up=None)
    assert Registration.objects.get().household is None and not Household.objects.exists()


def test_the_public_calendar_lists_upcoming_public_events_only(meeting, world):
    past = meeting.starts_at - timedelta(days=30)
    Event.objects.create(
        territory=world.territory_a,
        kind="info_meeting",
        title_fr="Ancienne réunion",
        starts_at=past,
        ends_at=past + timedelta(hours=1),
    )
    Event.objects.create(
        territory=world.territory_a,
        kind="committee",
        audience="volunteers",
        title_fr="Comité de Lectoure",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
    )
    page = html.unescape(Client().get(reverse("events:calendar")).text)
    assert "Réunion d'information" in page and "Ancienne réunion" not in page and "Comité de Lectoure" not in page


def test_a_members_workshop_is_seen_and_booked_by_members_only(world, client_for, meeting):
    workshop = Event.objects.create(
        territory=world.territory_a,
        kind="workshop",
        audience="members",
        title_fr="Trouver ses premiers clients",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        capacity=20,
    )
    url = reverse("events:detail", args=["gers", workshop.pk])
    assert Client().get(url).status_code == 404
    assert client_for("volunteer_a1").get(url).status_code == 404
    member = client_for("member")
    page = member.get(url)
    assert page.status_code == 200 and 'value="member@example.fr"' in page.text  # known details, prefilled
    assert "Trouver ses premiers clients" in member.get(reverse("events:calendar")).text
    member.post(
        url,
        {"first_name": "Thomas", "last_name": "Member", "email": "member@example.fr", "people": "1", "language": "en"},
    )
    registration = Registration.objects.get(event=workshop)
    assert registration.user == world.users["member"] and registration.household is None
    assert not Household.objects.exists()  # a club member is no prospect


def test_the_team_creates_a_series_and_changes_it_for_all_future_dates(world, client_for):
    from sohosolo.events.models import Series

    client = client_for("advisor_a")
    start = timezone.localdate() + timedelta(days=1)
    data = {
        "kind": "info_meeting",
        "audience": "public",
        "title_fr": "Réunion d'information",
        "title_en": "",
        "description_fr": "",
        "description_en": "",
        "frequency": "weekly",
        "interval": "2",
        "weekday": "1",
        "week_of_month": "1",
        "start_time": "18:00",
        "duration_minutes": "90",
        "starts_on": start.isoformat(),
        "ends_on": "",
        "commune": "32013",
        "address": "CCI",
        "online_url": "",
        "capacity": "25",
    }
    response = client.post(reverse("events:series_list", args=["gers"]), data)
    assert response.status_code == 302
    series = Series.objects.get()
    dates = list(series.events.order_by("starts_at"))
    assert len(dates) >= 8 and all(timezone.localtime(e.starts_at).weekday() == 1 for e in dates)
    assert {timezone.localtime(e.starts_at).strftime("%H:%M") for e in dates} == {"18:00"}
    client.post(reverse("events:series_edit", args=["gers", series.pk]), data | {"start_time": "19:00"})
    assert {timezone.localtime(e.starts_at).strftime("%H:%M") for e in series.events.all()} == {"19:00"}
    assert client_for("advisor_b").get(reverse("events:series_edit", args=["gers", series.pk])).status_code == 404
    bad = client.post(reverse("events:series_list", args=["gers"]), data | {"ends_on": "2000-01-01"})
    assert bad.status_code == 400 and Series.objects.count() == 1
