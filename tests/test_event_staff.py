"""The team's side of events: scoping, the list and its fill rates, editing capacity, the attendee list, a message to
the attendees, attendance (with walk-ins) reaching the prospect's timeline, and the committee meetings of a village."""

from __future__ import annotations

import html
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sohosolo.audit.models import ActionLog
from sohosolo.events.models import Event, Registration
from sohosolo.prospects.models import Interaction
from tests.factories import make_household


def make_event(territory, days: float = 10, **fields) -> Event:
    start = (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)
    values = {
        "kind": "info_meeting",
        "title_fr": "Réunion d'information",
        "title_en": "Information meeting",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
    }
    return Event.objects.create(territory=territory, **(values | fields))


def register(event: Event, name: str, email: str = "", people: int = 1, **fields) -> Registration:
    return Registration.objects.create(event=event, name=name, email=email, people=people, **fields)


def form_data(event: Event, **changes) -> dict:
    local = timezone.localtime
    data = {
        "kind": event.kind,
        "audience": event.audience,
        "village": event.village_id or "",
        "title_fr": event.title_fr,
        "title_en": event.title_en,
        "description_fr": "",
        "description_en": "",
        "starts_at": local(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "commune": "",
        "address": "",
        "online_url": "",
        "capacity": "" if event.capacity is None else event.capacity,
        "registration_deadline": "",
    }
    return data | changes


def staff_urls(event: Event, registration: Registration) -> list[tuple[str, str]]:
    args = [event.territory.code, event.pk]
    return [
        ("get", reverse("events:staff_list", args=[event.territory.code])),
        ("get", reverse("events:staff_create", args=[event.territory.code])),
        ("get", reverse("events:staff_detail", args=args)),
        ("get", reverse("events:staff_edit", args=args)),
        ("get", reverse("events:staff_export", args=[*args, "csv"])),
        ("get", reverse("events:staff_message", args=args)),
        ("get", reverse("events:attendance", args=args)),
        ("post", reverse("events:mark_attendance", args=[*args, registration.pk])),
        ("post", reverse("events:walk_in", args=args)),
    ]


@pytest.mark.parametrize("persona", ["advisor_b", "volunteer_a1", "member", "partner"])
def test_outsiders_get_404_on_every_event_staff_page_and_change_nothing(world, client_for, persona):
    event = make_event(world.territory_a)
    registration = register(event, "Hélène Léger", "helene@example.fr")
    client = client_for(persona)
    for method, url in staff_urls(event, registration):
        data = {"attendance": "present", "name": "Intrus", "people": "1"} if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 404, f"{persona} {method} {url}"
    registration.refresh_from_db()
    assert registration.attendance == "" and event.registrations.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    event = make_event(world.territory_a)
    response = client.get(reverse("events:attendance", args=["gers", event.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_list_shows_registrations_fill_rate_and_waiting_list(world, client_for):
    event = make_event(world.territory_a, capacity=20)
    register(event, "A", people=3)
    register(event, "B", people=2)
    register(event, "C", people=4, status="cancelled")
    register(event, "D", people=1, status="waiting")
    register(event, "E", people=2, status="waiting")
    unlimited = make_event(world.territory_a, days=12, title_fr="Atelier du club", kind="workshop")
    register(unlimited, "F", people=2)
    make_event(world.territory_b, title_fr="Réunion du Lot")
    make_event(world.territory_a, days=-30, title_fr="Réunion passée")

    response = client_for("advisor_a").get(reverse("events:staff_list", args=["gers"]))
    assert response.status_code == 200
    rows = {e.title_fr: e for e in response.context["page"]}
    assert set(rows) == {"Réunion d'information", "Atelier du club"}  # upcoming only, territory A only
    listed = rows["Réunion d'information"]
    assert (listed.people_confirmed, listed.registrations_confirmed, listed.registrations_waiting) == (5, 2, 2)
    assert listed.fill_rate == 25
    assert rows["Atelier du club"].fill_rate is None and rows["Atelier du club"].people_confirmed == 2
    text = response.text.replace("\xa0", " ").replace("\u202f", " ")
    assert "5 / 20 · 25 %" in text
    assert 'value="5"' in text and 'max="20"' in text  # the meter

    past = client_for("advisor_a").get(reverse("events:staff_list", args=["gers"]), {"when": "past"})
    assert [e.title_fr for e in past.context["page"]] == ["Réunion passée"]
    assert response.context["counts"] == {"upcoming": 2, "past": 1}


def test_the_list_runs_a_bounded_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for("advisor_a")
    url = reverse("events:staff_list", args=["gers"])
    for day in range(40):
        event = make_event(world.territory_a, days=day + 1, capacity=10)
        Registration.objects.bulk_create(
            Registration(event=event, name=f"P{day}-{n}", status="waiting" if n > 5 else "confirmed") for n in range(8)
        )
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert len(response.context["page"]) == 25
    assert all(e.people_confirmed == 6 and e.registrations_waiting == 2 for e in response.context["page"])


def test_an_advisor_creates_a_committee_meeting_only_for_a_village_of_their_territory(world, client_for):
    client = client_for("advisor_a")
    url = reverse("events:staff_create", args=["gers"])
    draft = Event(territory=world.territory_a, kind="committee", title_fr="Comité de Lectoure", title_en="")
    draft.starts_at = timezone.now() + timedelta(days=5)
    draft.ends_at = draft.starts_at - timedelta(hours=1)
    response = client.post(url, form_data(draft, audience="volunteers", village=world.village_b1.pk, commune="32208"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"village", "ends_at"}  # a village of another territory is not a choice; ends before start
    assert not Event.objects.exists()

    draft.ends_at = draft.starts_at + timedelta(hours=2)
    response = client.post(url, form_data(draft, audience="volunteers", village="", commune="32208"))
    assert "village" in response.context["form"].errors  # a committee meeting needs its village
    response = client.post(url, form_data(draft, audience="volunteers", village=world.village_a1.pk, commune="32208"))
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "events:staff_detail", args=["gers", event.pk]
    )
    assert (event.territory, event.village, event.commune_id) == (world.territory_a, world.village_a1, "32208")
    assert ActionLog.objects.filter(action="event.created", object_id=str(event.pk)).exists()
    # A commune of another département is not offered.
    response = client.post(url, form_data(draft, village=world.village_a1.pk, commune="46042"))
    assert "commune" in response.context["form"].errors


def test_capacity_cannot_go_below_the_seats_already_taken(world, client_for):
    event = make_event(world.territory_a, capacity=5)
    register(event, "A", people=2)
    register(event, "B", people=2)
    register(event, "C", people=3, status="cancelled")
    client = client_for("advisor_a")
    url = reverse("events:staff_edit", args=["gers", event.pk])
    response = client.post(url, form_data(event, capacity=3))
    assert response.status_code == 400
    [error] = response.context["form"].errors["capacity"]
    assert error.startswith("4 ")  # "4 seats are already taken: the capacity cannot be lower…"
    event.refresh_from_db()
    assert event.capacity == 5
    assert client.post(url, form_data(event, capacity=4)).status_code == 302
    event.refresh_from_db()
    assert event.capacity == 4


def test_more_seats_go_to_the_waiting_list_in_order_and_they_are_told(
    world, client_for, django_capture_on_commit_callbacks
):
    event = make_event(world.territory_a, capacity=2)
    register(event, "A", "a@example.fr")
    register(event, "B", "b@example.fr")
    first = register(event, "Waiting One", "one@example.co.uk", status="waiting", language="en")
    second = register(event, "Waiting Two", "two@example.fr", status="waiting")
    client = client_for("advisor_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:staff_edit", args=["gers", event.pk]), form_data(event, capacity=3))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "confirmed" and second.status == "waiting"
    assert [m.to for m in mail.outbox] == [["one@example.co.uk"]]
    assert mail.outbox[0].subject.startswith("A seat for you: Information meeting")
    # No limit any more: everyone waiting gets a seat.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("events:staff_edit", args=["gers", event.pk]), form_data(event, capacity=""))
    second.refresh_from_db()
    assert second.status == "confirmed" and [m.to for m in mail.outbox] == [["two@example.fr"]]


def test_editing_an_occurrence_of_a_series_detaches_it(world, client_for):
    from sohosolo.events.models import Series

    series = Series.objects.create(
        territory=world.territory_a,
        kind="info_meeting",
        title_fr="Réunion d'information",
        frequency="weekly",
        weekday=1,
        start_time="18:00",
        starts_on=timezone.localdate(),
    )
    event = make_event(world.territory_a, series=series)
    client_for("advisor_a").post(
        reverse("events:staff_edit", args=["gers", event.pk]), form_data(event, address="Salle des fêtes")
    )
    event.refresh_from_db()
    assert event.detached and event.address == "Salle des fêtes"


def test_the_event_page_groups_registrations_with_counts(world, client_for):
    event = make_event(world.territory_a, capacity=10)
    household = make_household(world.territory_a)
    register(event, "Hélène Léger", "helene.leger@example.fr", people=2, household=household)
    register(event, "Paul Martin", "paul@example.fr", status="waiting")
    register(event, "Zoé Petit", "zoe@example.fr", status="cancelled")
    response = client_for("advisor_a").get(reverse("events:staff_detail", args=["gers", event.pk]))
    groups = {g["status"]: g for g in response.context["groups"]}
    assert [r.name for r in groups["confirmed"]["rows"]] == ["Hélène Léger"] and groups["confirmed"]["people"] == 2
    assert [r.name for r in groups["waiting"]["rows"]] == ["Paul Martin"]
    assert [r.name for r in groups["cancelled"]["rows"]] == ["Zoé Petit"]
    assert response.context["fill_rate"] == 20
    assert household.get_absolute_url() in response.text


def test_the_attendee_export_lists_confirmed_then_waiting_people_and_is_logged(world, client_for):
    event = make_event(world.territory_a)
    household = make_household(world.territory_a)
    register(event, "Hélène Léger", "helene.leger@example.fr", people=2, household=household, attendance="present")
    register(event, "=HYPERLINK(1)", "formula@example.fr", status="waiting")
    register(event, "Zoé Petit", "zoe@example.fr", status="cancelled")
    client = client_for("advisor_a")
    response = client.get(reverse("events:staff_export", args=["gers", event.pk, "csv"]))
    assert response["Content-Disposition"].startswith('attachment; filename="event-')
    lines = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff").splitlines()
    assert len(lines[0].split(";")) == 9
    rows = [line.split(";") for line in lines[1:]]
    assert len(rows) == 2  # the cancelled registration is not an attendee
    assert rows[0][:3] == ["Hélène Léger", "helene.leger@example.fr", "2"] and rows[0][7] == str(household.pk)
    assert rows[1][0] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    xlsx = client.get(reverse("events:staff_export", args=["gers", event.pk, "xlsx"]))
    sheet = list(load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.values)
    assert len(sheet) == 3 and sheet[1][0] == "Hélène Léger"
    assert ActionLog.objects.filter(action="event.exported", object_id=str(event.pk)).count() == 2
    assert client.get(reverse("events:staff_export", args=["gers", event.pk, "pdf"])).status_code == 404


def test_a_message_is_queued_to_each_confirmed_attendee_in_their_language(world, client_for):
    event = make_event(world.territory_a, address="CCI du Gers", commune_id="32013")
    french = register(event, "Hélène Léger", "helene@example.fr")
    register(event, "John Smith", "john@example.co.uk", language="en")
    register(event, "Paul Martin", "paul@example.fr", status="waiting")
    register(event, "Zoé Petit", "zoe@example.fr", status="cancelled")
    register(event, "Sans Email", "")
    client = client_for("advisor_a")
    url = reverse("events:staff_message", args=["gers", event.pk])
    assert client.post(url, {"subject": "", "message": ""}).status_code == 400 and not mail.outbox
    response = client.post(url, {"subject": "Changement de salle", "message": "Rendez-vous salle B.\nÀ bientôt !"})
    assert response.status_code == 302
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"helene@example.fr", "john@example.co.uk"}
    for message in mail.outbox:
        assert message.subject == "Changement de salle" and "Rendez-vous salle B." in message.body
        assert "CCI du Gers" in message.body
    assert "Information meeting" in by_recipient["john@example.co.uk"].body  # the frame in the recipient's language
    assert "Réunion d'information" in by_recipient["helene@example.fr"].body
    assert f"/evenements/annuler/{french.token}/" in by_recipient["helene@example.fr"].body
    html = by_recipient["helene@example.fr"].alternatives[0][0]
    assert "Rendez-vous salle B.<br>À bientôt !" in html
    log = ActionLog.objects.get(action="event.attendees_messaged")
    assert log.data == {"subject": "Changement de salle", "count": 2} and log.actor == world.users["advisor_a"]


def test_marking_present_writes_the_timeline_once_and_absent_afterwards_only_adds_a_note(world, client_for):
    event = make_event(world.territory_a, days=0.01)
    household = make_household(world.territory_a)
    registration = register(event, "Hélène Léger", "helene.leger@example.fr", household=household)
    register(event, "Paul Martin", "paul@example.fr")
    client = client_for("advisor_a")
    url = reverse("events:mark_attendance", args=["gers", event.pk, registration.pk])

    response = client.post(url, {"attendance": "present"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="registration-{registration.pk}"' in response.text and 'aria-pressed="true"' in response.text
    assert 'id="attendance-counts"' in response.text and 'hx-swap-oob="true"' in response.text
    assert response.context["counts"]["present"] == 1 and response.context["counts"]["unmarked"] == 1
    client.post(url, {"attendance": "present"}, HTTP_HX_REQUEST="true")  # a second tap
    registration.refresh_from_db()
    assert registration.attendance == "present"
    attended = household.interactions.filter(kind=Interaction.Kind.EVENT)
    assert attended.count() == 1
    assert (
        attended.get().summary
        == f"A participé à « Réunion d'information » le {timezone.localtime(event.starts_at):%d/%m/%Y}."
    )
    page = client.get(household.get_absolute_url()).text
    assert html.escape(attended.get().summary) in page  # the prospect's file shows it

    # Absent afterwards: the attendance changes; the timeline keeps its entry and says it changed.
    without_js = client.post(url, {"attendance": "absent"})
    assert without_js.status_code == 302 and without_js["Location"].endswith(f"#registration-{registration.pk}")
    registration.refresh_from_db()
    assert registration.attendance == "absent"
    assert household.interactions.filter(kind=Interaction.Kind.EVENT).count() == 1
    assert household.interactions.filter(kind=Interaction.Kind.NOTE, summary__contains="absent").count() == 1
    client.post(url, {"attendance": "present"})
    client.post(url, {"attendance": "absent"})
    assert household.interactions.count() == 2
    assert ActionLog.objects.filter(action="event.attendance", object_id=str(registration.pk)).count() == 4
    assert client.post(url, {"attendance": "maybe"}).status_code == 400


def test_no_shows_are_confirmed_people_absent_or_never_marked_after_the_event(world, client_for):
    event = make_event(world.territory_a, days=-1)
    register(event, "Present", attendance="present")
    register(event, "Absent", attendance="absent")
    register(event, "Never marked")
    register(event, "Waiting, never marked", status="waiting")
    register(event, "Cancelled", status="cancelled", attendance="absent")
    response = client_for("advisor_a").get(reverse("events:attendance", args=["gers", event.pk]))
    counts = response.context["counts"]
    assert (counts["present"], counts["absent"], counts["unmarked"], counts["no_shows"]) == (1, 1, 2, 2)
    assert "Cancelled" not in response.text
    # Before the end of the event, not marked yet is not a no-show.
    upcoming = make_event(world.territory_a)
    register(upcoming, "Not yet")
    response = client_for("advisor_a").get(reverse("events:attendance", args=["gers", upcoming.pk]))
    assert response.context["counts"]["no_shows"] == 0


def test_a_walk_in_is_added_present_and_linked_to_their_prospect_by_email(world, client_for):
    event = make_event(world.territory_a, days=0.01, capacity=1)
    register(event, "Full", "full@example.fr")
    household = make_household(world.territory_a, email="helene.leger@example.fr")
    make_household(world.territory_b, email="helene.leger@example.fr")  # the same person in another territory
    client = client_for("advisor_a")
    url = reverse("events:walk_in", args=["gers", event.pk])
    response = client.post(url, {"name": "Hélène Léger", "email": "Helene.Leger@Example.fr ", "people": "2"})
    walk_in = Registration.objects.get(walk_in=True)
    assert response.status_code == 302 and response["Location"].endswith(f"#registration-{walk_in.pk}")
    assert (walk_in.attendance, walk_in.status, walk_in.people) == ("present", "confirmed", 2)
    assert walk_in.household == household and walk_in.email == "helene.leger@example.fr"
    assert household.interactions.filter(kind=Interaction.Kind.EVENT, data__registration=walk_in.pk).count() == 1

    # Someone already registered who gives their email at the door: their registration is marked, not doubled.
    # Someone from the waiting list who came anyway attended, and their file says so.
    paul = make_household(world.territory_a, email="paul@example.fr", first_name="Paul", last_name="Martin")
    registration = register(event, "Paul Martin", "paul@example.fr", status="waiting", household=paul)
    client.post(url, {"name": "Paul", "email": "paul@example.fr", "people": "1"})
    registration.refresh_from_db()
    assert registration.attendance == "present" and Registration.objects.filter(walk_in=True).count() == 1
    assert paul.interactions.filter(kind=Interaction.Kind.EVENT).count() == 1
    # Without an email: added, linked to nobody.
    client.post(url, {"name": "Jeanne", "email": "", "people": "1"})
    assert Registration.objects.get(name="Jeanne").household is None
    bad = client.post(url, {"name": "", "people": "0"})
    assert bad.status_code == 400 and "walk_in_form" in bad.context and bad.context["walk_in_form"].errors


def test_the_attendance_page_lists_the_people_expected(world, client_for):
    event = make_event(world.territory_a)
    register(event, "Zoé Petit")
    register(event, "alain Durand", status="waiting")
    register(event, "Gone", status="cancelled")
    response = client_for("advisor_a").get(reverse("events:attendance", args=["gers", event.pk]))
    assert [r.name for r in response.context["registrations"]] == ["alain Durand", "Zoé Petit"]
    assert 'hx-post="' in response.text and 'method="post"' in response.text  # works with or without JavaScript


def test_volunteers_see_their_villages_committee_meetings_only(world, client_for):
    mine = make_event(
        world.territory_a, kind="committee", audience="volunteers", village=world.village_a1, title_fr="Comité A1"
    )
    later = make_event(
        world.territory_a,
        days=40,
        kind="committee",
        audience="volunteers",
        village=world.village_a1,
        title_fr="Comité A1 bis",
    )
    past = make_event(
        world.territory_a, days=-40, kind="committee", village=world.village_a1, title_fr="Comité A1 passé"
    )
    make_event(
        world.territory_a, kind="committee", audience="volunteers", village=world.village_a2, title_fr="Comité A2"
    )
    make_event(world.territory_a, title_fr="Réunion publique")
    client = client_for("volunteer_a1")
    response = client.get(reverse("events:village_meetings", args=["gers", world.village_a1.slug]))
    assert response.status_code == 200
    assert list(response.context["upcoming"]) == [mine, later] and list(response.context["past"]) == [past]
    assert "Comité A2" not in response.text and "Réunion publique" not in response.text
    assert reverse("events:staff_detail", args=["gers", mine.pk]) not in response.text  # no staff link for them
    assert client.get(reverse("events:village_meetings", args=["gers", world.village_a2.slug])).status_code == 404
    assert (
        client_for("member").get(reverse("events:village_meetings", args=["gers", world.village_a1.slug])).status_code
        == 404
    )
    staff = client_for("advisor_a").get(reverse("events:village_meetings", args=["gers", world.village_a1.slug]))
    assert reverse("events:staff_detail", args=["gers", mine.pk]) in staff.text
