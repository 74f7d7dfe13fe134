"""Calendar feeds: a public one per territory, a private one per user behind a revocable secret address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from sohosolo.audit.models import ActionLog
from sohosolo.events.models import Audience, CalendarFeed, Event, Kind, Registration


def make_event(territory, title: str, days: float = 10, **fields) -> Event:
    start = timezone.now() + timedelta(days=days)
    return Event.objects.create(
        territory=territory,
        kind=fields.pop("kind", Kind.INFO_MEETING),
        title_fr=title,
        title_en=fields.pop("title_en", ""),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        **fields,
    )


@pytest.fixture
def events(world) -> dict[str, Event]:
    a, b = world.territory_a, world.territory_b
    return {
        "meeting": make_event(a, "Réunion d'information A", title_en="Information meeting A"),
        "recent": make_event(a, "Réunion passée A", days=-10),
        "old": make_event(a, "Réunion ancienne A", days=-40),
        "far": make_event(a, "Réunion lointaine A", days=400),
        "cancelled": make_event(a, "Réunion annulée A", days=20, cancelled=True),
        "other_territory": make_event(b, "Réunion d'information B"),
        "workshop": make_event(a, "Atelier du club A", kind=Kind.WORKSHOP, audience=Audience.MEMBERS),
        "committee_a1": make_event(
            a, "Comité de Lectoure", kind=Kind.COMMITTEE, audience=Audience.VOLUNTEERS, village=world.village_a1
        ),
        "committee_a2": make_event(
            a, "Comité de Marciac", kind=Kind.COMMITTEE, audience=Audience.VOLUNTEERS, village=world.village_a2
        ),
        "stay": make_event(a, "Séjour découverte A", kind=Kind.DISCOVERY_STAY, audience=Audience.INVITED),
        "stay_b": make_event(b, "Séjour découverte B", kind=Kind.DISCOVERY_STAY, audience=Audience.INVITED),
    }


def parse(response) -> dict[str, str]:
    """Summary → status of each event of an iCalendar response (parsed back with the icalendar library)."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(item["summary"]): str(item["status"]) for item in calendar.walk("VEVENT")}


def private_url(user) -> str:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return reverse("events:private_feed", args=[feed.token])


def test_public_feed_has_the_public_events_of_its_territory_in_its_window(world, events):
    summaries = parse(Client().get(reverse("events:public_feed", args=["gers"])))
    # Upcoming ones and those of the last month; a cancelled one stays, marked cancelled, so calendars drop it.
    assert summaries == {
        "Réunion d'information A": "CONFIRMED",
        "Réunion passée A": "CONFIRMED",
        "Réunion annulée A": "CANCELLED",
    }


def test_public_feed_speaks_english_under_en(world, events):
    with_english = parse(Client().get("/en" + reverse("events:public_feed", args=["gers"])))
    assert "Information meeting A" in with_english


def test_public_feed_of_an_unknown_territory_is_404(world):
    assert Client().get(reverse("events:public_feed", args=["nowhere"])).status_code == 404


def test_member_feed_has_their_registrations_and_the_club_events(world, events):
    member = world.users["member"]
    Registration.objects.create(event=events["stay"], name="Thomas", email=member.email)
    Registration.objects.create(event=events["stay_b"], name="Thomas", user=member, status="waiting")
    Registration.objects.create(event=events["far"], name="Thomas", user=member)  # beyond the window
    other = make_event(world.territory_b, "Atelier annulé B", kind=Kind.WORKSHOP, audience=Audience.MEMBERS)
    Registration.objects.create(event=other, name="Thomas", email=member.email, status="cancelled")
    summaries = parse(Client().get(private_url(member)))
    assert set(summaries) == {
        "Réunion d'information A",
        "Réunion passée A",
        "Réunion ancienne A",  # the private feed keeps three months of history
        "Réunion annulée A",
        "Atelier du club A",
        "Séjour découverte A",  # registered by email, without their account
        "Séjour découverte B",
    }
    # On the waiting list: not a seat yet.
    assert summaries["Séjour découverte B"] == "TENTATIVE"
    assert summaries["Séjour découverte A"] == "CONFIRMED"


def test_volunteer_feed_has_their_committee_and_the_public_events_only(world, events):
    summaries = parse(Client().get(private_url(world.users["volunteer_a1"])))
    assert "Comité de Lectoure" in summaries
    assert "Réunion d'information A" in summaries
    for hidden in ("Comité de Marciac", "Atelier du club A", "Séjour découverte A", "Réunion d'information B"):
        assert hidden not in summaries


def test_advisor_feed_has_every_event_of_their_territory_and_none_of_another(world, events):
    summaries = parse(Client().get(private_url(world.users["advisor_a"])))
    assert {"Comité de Lectoure", "Comité de Marciac", "Atelier du club A", "Séjour découverte A"} <= set(summaries)
    assert not {"Réunion d'information B", "Séjour découverte B", "Réunion lointaine A"} & set(summaries)


def test_unknown_or_deactivated_token_is_404(world, events):
    assert Client().get(reverse("events:private_feed", args=["not-a-token"])).status_code == 404
    advisor = world.users["advisor_a"]
    url = private_url(advisor)
    advisor.is_active = False
    advisor.save()
    assert Client().get(url).status_code == 404


def test_calendar_page_shows_the_private_address_and_the_public_ones(world, client_for):
    response = client_for("member").get(reverse("events:my_calendar"))
    feed = CalendarFeed.objects.get(user=world.users["member"])
    # The member reads English: their address is the English feed.
    assert f'value="{settings.SITE_URL}/en/calendrier/prive/{feed.token}.ics"' in response.content.decode()
    assert f"{settings.SITE_URL}/calendrier/lot.ics" in response.content.decode()


def test_revoking_gives_a_new_address_and_the_old_one_is_404(world, events, client_for):
    volunteer = world.users["volunteer_a1"]
    old = private_url(volunteer)
    assert Client().get(old).status_code == 200
    client = client_for("volunteer_a1")
    response = client.post(reverse("events:my_calendar"))
    assert response.status_code == 302
    new = private_url(volunteer)
    assert new != old
    assert Client().get(old).status_code == 404
    assert "Comité de Lectoure" in parse(Client().get(new))
    log = ActionLog.objects.get(action="calendar_feed.revoked")
    assert log.actor == volunteer and feed_token_not_in(log)
    assert new in client.get(reverse("events:my_calendar")).content.decode()


def feed_token_not_in(log: ActionLog) -> bool:
    token = CalendarFeed.objects.get(user=log.actor).token
    return token not in str(log.data) and token not in log.object_repr


def test_another_users_token_shows_their_calendar_not_the_signed_in_users(world, events, client_for):
    """The token alone says whose calendar it is: signing in as someone else changes nothing."""
    summaries = parse(client_for("advisor_a").get(private_url(world.users["volunteer_a1"])))
    assert "Comité de Marciac" not in summaries and "Comité de Lectoure" in summaries


@pytest.mark.parametrize("persona", ["advisor_a", "volunteer_a1", "member"])
def test_private_feed_queries_stay_bounded_as_events_grow(world, persona, django_assert_max_num_queries):
    user = world.users[persona]
    url = private_url(user)
    for i in range(40):
        event = make_event(world.territory_a, f"Réunion {i}", days=i * 7 - 100)
        Registration.objects.create(event=event, name="X", email=user.email if i % 2 else "", user=user)
    with django_assert_max_num_queries(5):
        summaries = parse(Client().get(url))
    assert len(summaries) == 40 - 2  # the first two began more than 90 days ago


def test_public_feed_queries_stay_bounded(world, django_assert_max_num_queries):
    for i in range(40):
        make_event(world.territory_a, f"Réunion {i}", days=i * 3)
    with django_assert_max_num_queries(3):
        assert len(parse(Client().get(reverse("events:public_feed", args=["gers"])))) == 40
