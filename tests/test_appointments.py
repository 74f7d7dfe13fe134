"""Appointments with a household: planned from the file with an emailed .ics invitation in the household's language,
on the advisor's week and private calendar, in the household's personal space, cancelled by either side."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from sohosolo.appointments.models import Appointment
from sohosolo.audit.models import ActionLog
from sohosolo.events.models import CalendarFeed
from sohosolo.privacy.personal_data import personal_space_items
from sohosolo.prospects.models import FileNews, FollowUp, Household, Interaction, Person
from tests.privacy_helpers import open_space

PARIS = ZoneInfo("Europe/Paris")
WINTER_NOW = datetime(2026, 1, 5, 9, 0, tzinfo=PARIS)  # a Monday (ISO week 2026-W02)
SUMMER_NOW = datetime(2026, 7, 6, 9, 0, tzinfo=PARIS)  # a Monday (2026-W28)


@pytest.fixture(autouse=True)
def winter():
    """Every test starts on Monday 5 January 2026, 9:00 in Paris (winter time, UTC+1), whatever today is."""
    with time_machine.travel(WINTER_NOW, tick=False) as traveller:
        yield traveller


def make_household(world, language: str = "fr", email: str = "claire.martin@example.fr") -> Household:
    household = Household.objects.create(
        territory=world.territory_a, advisor=world.users["advisor_a"], language=language, stage="follow_up"
    )
    Person.objects.create(
        household=household, is_main_contact=True, first_name="Claire", last_name="Martin", email=email
    )
    return household


def create_url(household: Household) -> str:
    return reverse("appointments:create", args=[household.territory.code, household.pk])


def plan(client: Client, household: Household, world, **changes):
    data = {
        "title": "Premier entretien",
        "date": "2026-01-08",
        "time": "14:30",
        "duration": "60",
        "place": "CCI du Gers, Auch",
        "video_url": "",
        "assignee": world.users["advisor_a"].pk,
        "send_invitation": "on",
    } | changes
    return client.post(create_url(household), {k: v for k, v in data.items() if v is not None})


def ics_of(message) -> tuple[str, Calendar]:
    """The .ics attached to an email: its text, parsed."""
    [(filename, content, mimetype)] = message.attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    text = content.decode() if isinstance(content, bytes) else content
    return text, Calendar.from_ical(text)


# --- Planning ------------------------------------------------------------------------------------------------------


def test_planning_sends_one_invitation_with_an_ics_in_utc_in_winter_in_french(world, client_for):
    household = make_household(world, "fr")
    mail.outbox.clear()
    response = plan(client_for("advisor_a"), household, world)
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["claire.martin@example.fr"]
    assert message.extra_headers["Content-Language"] == "fr"
    assert "jeudi 8 janvier 2026, 14:30" in message.body  # French dates: Paris time, in the household's language
    assert "Thursday" not in message.body
    text, calendar = ics_of(message)
    assert str(calendar["method"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert "DTSTART:20260108T133000Z" in text  # 14:30 in Paris is 13:30 UTC in winter
    assert event.decoded("dtstart") == datetime(2026, 1, 8, 13, 30, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 1, 8, 14, 30, tzinfo=UTC)
    appointment = Appointment.objects.get()
    assert str(event["uid"]).startswith(f"appointment-{appointment.pk}@")
    assert str(event["location"]) == "CCI du Gers, Auch"
    assert "mailto:advisor.a@example.fr" in str(event["organizer"])
    assert appointment.household_url() in message.body  # the link to see or cancel it


def test_planning_in_summer_writes_the_summer_offset_and_english_for_an_english_household(world, client_for, winter):
    winter.move_to(SUMMER_NOW)
    household = make_household(world, "en")
    mail.outbox.clear()
    plan(
        client_for("advisor_a"),
        household,
        world,
        date="2026-07-09",
        place="",
        video_url="https://visio.example.org/abc",
    )
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "en"
    assert message.subject.startswith("Your appointment on Thursday 9 July")
    assert "invitation.ics" in message.body  # the body says what the attachment is for
    text, calendar = ics_of(message)
    assert "DTSTART:20260709T123000Z" in text  # 14:30 in Paris is 12:30 UTC in summer
    [event] = calendar.walk("VEVENT")
    assert str(event["url"]) == "https://visio.example.org/abc"
    assert "location" not in event


def test_planning_makes_the_follow_up_the_timeline_entry_and_the_log(world, client_for):
    household = make_household(world)
    plan(client_for("manager_a"), household, world)
    appointment = Appointment.objects.select_related("follow_up").get()
    follow_up = appointment.follow_up
    assert (follow_up.title, str(follow_up.due_on), follow_up.household) == (
        "Premier entretien",
        "2026-01-08",
        household,
    )
    assert follow_up.assignee == world.users["advisor_a"]  # the advisor the form chose, not the manager
    assert follow_up.created_by == world.users["manager_a"]
    assert appointment.duration == 60 and appointment.is_scheduled and appointment.ics_sequence == 0
    entry = Interaction.objects.get(household=household, kind=Interaction.Kind.MEETING)
    assert entry.data == {
        "appointment": appointment.pk,
        "action": "scheduled",
        "starts_at": "2026-01-08T14:30:00+01:00",
    }
    assert ActionLog.objects.filter(action="appointment.scheduled", object_id=str(household.pk)).exists()


def test_the_invitation_is_not_sent_when_unticked(world, client_for):
    household = make_household(world)
    mail.outbox.clear()
    plan(client_for("advisor_a"), household, world, send_invitation=None)
    assert Appointment.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    "changes",
    [{"place": "", "video_url": ""}, {"date": "2026-01-02"}, {"duration": "25"}, {"video_url": "pas un lien"}],
    ids=["nowhere", "past", "odd-duration", "bad-link"],
)
def test_an_incomplete_or_past_appointment_is_refused(world, client_for, changes):
    household = make_household(world)
    mail.outbox.clear()
    response = plan(client_for("advisor_a"), household, world, **changes)
    assert response.status_code == 400
    assert not Appointment.objects.exists() and not FollowUp.objects.exists() and mail.outbox == []


def test_the_advisor_list_is_the_territorys_team(world, client_for):
    household = make_household(world)
    response = plan(client_for("advisor_a"), household, world, assignee=world.users["advisor_b"].pk)
    assert response.status_code == 400
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("persona", ["advisor_b", "volunteer_a1"])
def test_outsiders_get_404_on_the_create_page_and_create_nothing(world, client_for, persona):
    household = make_household(world)
    client = client_for(persona)
    assert client.get(create_url(household)).status_code == 404
    assert plan(client, household, world).status_code == 404
    assert not Appointment.objects.exists()


def test_the_create_page_lists_the_households_appointments(world, client_for):
    household = make_household(world)
    client = client_for("advisor_a")
    plan(client, household, world)
    page = client.get(create_url(household)).content.decode()
    assert "jeudi 8 janvier 2026, 14:30" in page and "CCI du Gers, Auch" in page
    assert reverse("appointments:cancel", args=["gers", household.pk, Appointment.objects.get().pk]) in page


# --- The household's side ------------------------------------------------------------------------------------------


@pytest.fixture
def appointment(world, client_for) -> Appointment:
    household = make_household(world)
    plan(client_for("advisor_a"), household, world)
    mail.outbox.clear()
    return Appointment.objects.select_related("follow_up__household").get()


def test_the_appointment_is_in_the_households_personal_space(world, appointment):
    items = [
        item
        for _receiver, answer in personal_space_items.send(sender=Household, household=appointment.household)
        for item in answer or []
    ]
    [item] = [item for item in items if item.url == appointment.household_url()]
    assert "Julien Advisor" in item.title and "8 janvier 2026" in item.title
    assert item.status == str(Appointment.Status.SCHEDULED.label)
    # And on the page of the space, opened by the household's one-time link.
    client = Client()
    open_space(client, "claire.martin@example.fr")
    assert appointment.household_url() in client.get("/mon-espace/").content.decode()


def test_the_token_page_shows_the_appointment_and_a_get_never_cancels(world, appointment):
    response = Client().get(appointment.household_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "jeudi 8 janvier 2026, 14:30" in page and "Julien Advisor" in page and "CCI du Gers, Auch" in page
    assert 'method="post"' in page
    appointment.refresh_from_db()
    assert appointment.is_scheduled  # mail scanners follow links: a GET changes nothing


def test_the_household_cancels_by_post_and_the_advisor_is_told(world, appointment, client_for):
    response = Client().post(appointment.household_url())
    assert response.status_code == 302
    appointment.refresh_from_db()
    appointment.follow_up.refresh_from_db()
    assert appointment.is_cancelled and appointment.cancelled_by_household and appointment.cancelled_at
    assert appointment.follow_up.done_at is not None  # the follow-up is done: the time is free
    news = FileNews.objects.get(household=appointment.household)
    assert news.advisor == world.users["advisor_a"]
    assert news.kind == FileNews.Kind.APPOINTMENT_CANCELLED and news.data["detail"] == "08/01/2026 14:30"
    assert Interaction.objects.filter(data__action="cancelled", data__by_household=True).exists()
    # The household's calendar takes it away: METHOD:CANCEL, same UID, a higher SEQUENCE.
    [message] = mail.outbox
    _text, calendar = ics_of(message)
    assert str(calendar["method"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert int(event["sequence"]) == 1 and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]).startswith(f"appointment-{appointment.pk}@")
    # A second POST (another tab) changes nothing more.
    Client().post(appointment.household_url())
    assert FileNews.objects.count() == 1 and len(mail.outbox) == 1
    # The advisor's week no longer shows it as scheduled.
    page = client_for("advisor_a").get(reverse("appointments:week")).content.decode()
    assert "Martin" in page and "week-appointment cancelled" in page


def test_the_appointment_of_another_advisor_tells_them_too(world, client_for):
    household = make_household(world)
    plan(client_for("advisor_a"), household, world, assignee=world.users["manager_a"].pk)
    appointment = Appointment.objects.get()
    Client().post(appointment.household_url())
    told = set(FileNews.objects.values_list("advisor__email", flat=True))
    assert told == {"advisor.a@example.fr", "manager.a@example.fr"}  # the file's advisor and the appointment's


def test_an_unknown_or_expired_link_is_404(world, appointment, winter):
    assert Client().get(reverse("appointments:household", args=["forged-token"])).status_code == 404
    winter.move_to(datetime(2026, 2, 20, 9, 0, tzinfo=PARIS))  # more than 30 days after the appointment
    assert Client().get(appointment.household_url()).status_code == 404
    assert Client().post(appointment.household_url()).status_code == 404


def test_a_past_appointment_cannot_be_cancelled_by_the_household(world, appointment, winter):
    winter.move_to(datetime(2026, 1, 9, 9, 0, tzinfo=PARIS))
    Client().post(appointment.household_url())
    appointment.refresh_from_db()
    assert appointment.is_scheduled and not FileNews.objects.exists()


# --- The team cancels ----------------------------------------------------------------------------------------------


def test_the_team_cancels_with_a_cancel_ics_and_the_follow_up_done(world, appointment, client_for):
    url = reverse("appointments:cancel", args=["gers", appointment.household.pk, appointment.pk])
    assert client_for("advisor_a").get(url).status_code == 405
    assert client_for("advisor_a").post(url).status_code == 302
    appointment.refresh_from_db()
    appointment.follow_up.refresh_from_db()
    assert appointment.is_cancelled and not appointment.cancelled_by_household
    assert appointment.follow_up.done_by == world.users["advisor_a"]
    assert not FileNews.objects.exists()  # they did it themselves
    [message] = mail.outbox
    assert "CCI du Gers, Auch" in message.body
    assert str(ics_of(message)[1]["method"]) == "CANCEL"
    assert ActionLog.objects.filter(action="appointment.cancelled").exists()


@pytest.mark.parametrize("persona", ["advisor_b", "volunteer_a1"])
def test_outsiders_cannot_cancel(world, appointment, client_for, persona):
    url = reverse("appointments:cancel", args=["gers", appointment.household.pk, appointment.pk])
    assert client_for(persona).post(url).status_code == 404
    appointment.refresh_from_db()
    assert appointment.is_scheduled


# --- The advisor's week and calendar -------------------------------------------------------------------------------


def week_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("appointments:week") + (f"?{query}" if query else "")


def test_the_week_shows_the_advisors_appointments_and_follow_ups_and_today(world, appointment, client_for):
    FollowUp.objects.create(
        household=appointment.household, title="Envoyer la liste des écoles", due_on="2026-01-09",
        assignee=world.users["advisor_a"],
    )  # fmt: skip
    page = client_for("advisor_a").get(week_url()).content.decode()
    assert "14:30–15:30" in page and "Claire Martin" in page and "Premier entretien" in page
    assert "Envoyer la liste des écoles" in page
    assert page.count('aria-current="date"') == 1 and "lundi" in page
    assert "semaine=2026-W01" in page and "semaine=2026-W03" in page  # previous and next weeks
    # Another week: not there; nor on another advisor's week.
    assert "Premier entretien" not in client_for("advisor_a").get(week_url(semaine="2026-W03")).content.decode()
    assert "Premier entretien" not in client_for("manager_a").get(week_url()).content.decode()
    assert 'aria-current="date"' not in client_for("advisor_a").get(week_url(semaine="2026-W03")).content.decode()


def test_a_manager_may_look_at_the_week_of_an_advisor_of_their_territory(world, appointment, client_for):
    advisor = world.users["advisor_a"]
    page = client_for("manager_a").get(week_url(semaine="2026-W02", conseiller=advisor.pk)).content.decode()
    assert "Premier entretien" in page
    # An advisor may not look at someone else's, nor a manager at another territory's advisor.
    assert client_for("advisor_a").get(week_url(conseiller=world.users["manager_a"].pk)).status_code == 404
    assert client_for("manager_a").get(week_url(conseiller=world.users["advisor_b"].pk)).status_code == 404


def test_the_week_page_queries_stay_constant(world, client_for, django_assert_max_num_queries):
    client = client_for("advisor_a")
    for n in range(12):
        household = make_household(world, email=f"h{n}@example.fr")
        plan(client, household, world, date=f"2026-01-{6 + n % 5:02d}", time=f"{9 + n % 8}:00", send_invitation=None)
        FollowUp.objects.create(
            household=household, title=f"Relance {n}", due_on="2026-01-07", assignee=household.advisor
        )
    client.get(week_url())  # the messages of the planning are shown (and the session saved) once
    # Session, user, second factor, roles; appointments and their main contacts; follow-ups and theirs.
    with django_assert_max_num_queries(8):
        page = client.get(week_url()).content.decode()
    assert page.count('class="week-appointment') == 12 and page.count("Relance ") == 12


def test_the_week_ignores_a_malformed_week(world, client_for):
    assert client_for("advisor_a").get(week_url(semaine="2026-W99")).status_code == 200
    assert client_for("advisor_a").get(week_url(semaine="demain")).status_code == 200


def test_the_appointment_is_in_the_advisors_private_feed(world, appointment):
    feed, _created = CalendarFeed.objects.get_or_create(user=world.users["advisor_a"])
    response = Client().get(reverse("events:private_feed", args=[feed.token]))
    assert response.status_code == 200
    [event] = [e for e in Calendar.from_ical(response.content).walk("VEVENT") if "appointment-" in str(e["uid"])]
    assert str(event["summary"]) == "Premier entretien — Claire Martin"
    assert event.decoded("dtstart") == datetime(2026, 1, 8, 13, 30, tzinfo=UTC)
    other, _created = CalendarFeed.objects.get_or_create(user=world.users["manager_a"])
    assert b"appointment-" not in Client().get(reverse("events:private_feed", args=[other.token])).content


# --- Export and erasure --------------------------------------------------------------------------------------------


def test_the_export_has_the_appointments_and_the_erasure_blanks_where_and_kills_the_link(world, appointment):
    from sohosolo.privacy.services import anonymise_household, export_household

    household = appointment.household
    [row] = export_household(household)["appointments"]
    assert row["starts_at"] == "2026-01-08T13:30:00+00:00" and row["duration_minutes"] == 60
    assert row["place"] == "CCI du Gers, Auch" and row["status"]
    old_link = appointment.household_url()
    anonymise_household(household)
    appointment.refresh_from_db()
    assert appointment.place == "" and appointment.video_url == ""
    assert Client().get(old_link).status_code == 404
