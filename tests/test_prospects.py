from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sohosolo.accounts.models import CommitteeFunction, Role
from sohosolo.privacy.consents import record_consents
from sohosolo.privacy.models import ActionLog, Consent
from sohosolo.prospects.forms import FORM_TIMESTAMP_SALT
from sohosolo.prospects.models import FollowUp, Household, Interaction, Person, Stage


def application(**changes) -> dict:
    data = {
        "started": signing.dumps(time.time() - 60, salt=FORM_TIMESTAMP_SALT),
        "website": "",
        "first_name": "Hélène",
        "last_name": "Smith",
        "email": "helene.smith@example.co.uk",
        "phone": "+44 20 7946 0958",
        "current_town": "Bristol",
        "current_country": "United Kingdom",
        "partner_first_name": "Tom",
        "partner_last_name": "Smith",
        "other_adults": "0",
        "children_ages": "4, 9",
        "activity": "freelancer",
        "sector": "Graphic design",
        "timeline": "1_year",
        "tenure": "buy",
        "housing_type": "house",
        "rooms": "4",
        "budget": "220000",
        "village_size": "medium",
        "max_distance_km": "30",
        "needs_broadband": "on",
        "needs_school": "on",
        "source": "search",
        "project": "We would like a house with a garden near a school.",
        "language": "en",
        "consent_follow_up": "on",
        "consent_sharing": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def apply(client: Client, territory_code: str = "gers", prefix: str = "/en", **changes):
    return client.post(f"{prefix}/mon-projet/{territory_code}/", application(**changes))


def test_visitor_applies_in_english_and_the_file_reaches_the_advisors_with_its_consents(world, client_for):
    response = apply(Client(), villages=[str(world.village_a1.pk)])
    assert response.status_code == 302 and response["Location"] == "/en/mon-projet/gers/merci/"
    household = Household.objects.get()
    assert household.territory == world.territory_a and household.language == "en"
    assert household.advisor == world.users["advisor_a"]  # round robin: the only advisor of the Gers
    assert [m.full_name for m in household.members.filter(kind="adult")] == ["Hélène Smith", "Tom Smith"]
    assert household.children_ages == [4, 9]
    assert list(household.villages_of_interest.all()) == [world.village_a1]
    consents = {c.purpose: c for c in household.consents.all()}
    assert consents["follow_up"].given and consents["sharing"].given and not consents["news"].given
    assert consents["sharing"].language == "en" and consents["sharing"].wording_version
    assert "welcome committees" in consents["sharing"].wording  # the wording shown, in English
    # The acknowledgment goes out through the task queue, in English.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["helene.smith@example.co.uk"]
    assert mail.outbox[0].subject.startswith("Your settling project")
    page = client_for("advisor_a").get(reverse("prospects:list", args=["gers"]))
    assert "Hélène Smith" in page.text
    detail = client_for("advisor_a").get(household.get_absolute_url())
    assert "Sharing with the partner villages" in detail.text or "Partage avec les comités" in detail.text


def test_the_same_person_applying_again_lands_on_the_same_file(world):
    apply(Client())
    # Another email, but the same phone written differently: the same household.
    apply(Client(), email="h.smith@example.org", phone="0044 20 7946 0958", consent_sharing=None)
    assert Household.objects.count() == 1
    household = Household.objects.get()
    assert household.possible_duplicate
    assert household.interactions.filter(kind=Interaction.Kind.APPLICATION).count() == 2
    # What was sent again changes nothing by itself (anyone knowing an email could otherwise change someone's
    # consents): it waits in the timeline for the team to check.
    assert household.consents.in_force().filter(purpose=Consent.Purpose.SHARING).exists()
    second = household.interactions.filter(kind=Interaction.Kind.APPLICATION).order_by("-pk").first()
    assert second.data["consents"]["sharing"] is False
    # Same names and town, accents and case ignored.
    apply(Client(), email="other@example.org", phone="", first_name="HELENE", last_name="smith", current_town="bristol")
    assert Household.objects.count() == 1


def test_the_application_form_refuses_robots_and_explains_mistakes(world):
    assert apply(Client(), website="http://spam.example").status_code == 400
    too_fast = apply(Client(), started=signing.dumps(time.time(), salt=FORM_TIMESTAMP_SALT))
    assert too_fast.status_code == 400
    missing = apply(Client(), consent_follow_up=None, email="not-an-email", children_ages="4, 99")
    assert missing.status_code == 400 and missing.text.count('class="errorlist"') >= 3
    assert Household.objects.count() == 0 and mail.outbox == []


def test_one_address_cannot_flood_the_form(world):
    client = Client(REMOTE_ADDR="198.51.100.20")
    for i in range(5):
        assert apply(client, email=f"p{i}@example.fr", phone="", last_name=f"Name{i}").status_code == 302
    blocked = apply(client, email="p6@example.fr", phone="", last_name="Name6")
    assert blocked.status_code == 400 and Household.objects.count() == 5


def make_household(territory, first_name="Hélène", last_name="Léger", **fields) -> Household:
    household = Household.objects.create(territory=territory, **fields)
    Person.objects.create(
        household=household,
        is_main_contact=True,
        first_name=first_name,
        last_name=last_name,
        email=f"{last_name.lower()}@example.fr",
        phone="06 12 34 56 78",
    )
    household.refresh_search_text()
    return household


def test_search_ignores_accents_and_case(world, client_for):
    make_household(world.territory_a)
    make_household(world.territory_a, first_name="Paul", last_name="Martin", current_town="Nantes")
    url = reverse("prospects:list", args=["gers"])
    client = client_for("advisor_a")
    found = client.get(url, {"q": "helene"}).text
    assert "Hélène Léger" in found and "Paul Martin" not in found
    assert "Paul Martin" in client.get(url, {"q": "NANTES"}).text
    assert (
        "Hélène Léger" in client.get(url, {"q": "leger 0612"}).text
        or "Hélène Léger" in client.get(url, {"q": "léger"}).text
    )


def test_the_list_runs_the_same_number_of_queries_for_20_and_2000_prospects(world, client_for):
    client = client_for("advisor_a")
    url = reverse("prospects:list", args=["gers"])

    def add(count: int) -> None:
        households = Household.objects.bulk_create(
            Household(territory=world.territory_a, advisor=world.users["advisor_a"], current_town="Lyon")
            for _i in range(count)
        )
        Person.objects.bulk_create(
            Person(household=h, is_main_contact=True, first_name="Jean", last_name=f"Dupont {h.pk}") for h in households
        )

    add(20)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, {"stage": "new"}).status_code == 200
    add(1980)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, {"stage": "new"})
    assert "2000" in response.text.replace("\u202f", "").replace(" ", "")
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_timeline_entries_and_follow_ups_are_added_without_leaving_the_page(world, client_for):
    household = make_household(world.territory_a)
    client = client_for("advisor_a")
    args = ["gers", household.pk]
    response = client.post(
        reverse("prospects:add_interaction", args=args),
        {"kind": "call", "summary": "Premier appel : projet solide.", "occurred_at": "2026-11-20T10:30"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and 'id="timeline"' in response.text and "<html" not in response.text
    assert "Premier appel" in response.text
    bad = client.post(
        reverse("prospects:add_interaction", args=args), {"kind": "call", "summary": ""}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 200 and "errorlist" in bad.text
    due = timezone.localdate() + timedelta(days=3)
    client.post(
        reverse("prospects:add_follow_up", args=args),
        {"title": "Envoyer la liste des villages", "due_on": due.isoformat(), "assignee": world.users["advisor_a"].pk},
        HTTP_HX_REQUEST="true",
    )
    follow_up = FollowUp.objects.get()
    response = client.post(reverse("prospects:follow_up_done", args=[*args, follow_up.pk]), HTTP_HX_REQUEST="true")
    follow_up.refresh_from_db()
    assert follow_up.done_at and follow_up.done_by == world.users["advisor_a"]
    household.refresh_from_db()
    assert "premier appel" in household.search_text
    actions = set(ActionLog.objects.filter(object_id=str(household.pk)).values_list("action", flat=True))
    assert {"prospect.interaction_added", "prospect.follow_up_added", "prospect.follow_up_done"} <= actions


def test_dropping_a_file_needs_a_reason_and_is_in_its_history(world, client_for):
    household = make_household(world.territory_a)
    client = client_for("advisor_a")
    url = reverse("prospects:set_stage", args=["gers", household.pk])
    client.post(url, {"stage": "dropped", "reason": ""})
    household.refresh_from_db()
    assert household.stage == Stage.NEW
    client.post(url, {"stage": "dropped", "reason": "Project postponed to 2028"})
    household.refresh_from_db()
    assert household.stage == Stage.DROPPED and household.stage_reason == "Project postponed to 2028"
    page = client.get(household.get_absolute_url()).text
    assert "prospect.stage_changed" in page


def test_every_read_of_a_file_is_recorded(world, client_for):
    household = make_household(world.territory_a)
    client_for("advisor_a").get(household.get_absolute_url())
    log = ActionLog.objects.get(action="prospect.read")
    assert log.actor == world.users["advisor_a"] and log.object_id == str(household.pk)


def test_advisor_of_another_territory_cannot_open_the_file(world, client_for):
    household = make_household(world.territory_a)
    assert client_for("advisor_b").get(household.get_absolute_url()).status_code == 404
    response = client_for("advisor_b").post(
        reverse("prospects:add_interaction", args=["gers", household.pk]), {"kind": "note", "summary": "x"}
    )
    assert response.status_code == 404 and not household.interactions.exists()


def settle(client, household, commune="32208", people=4):
    return client.post(
        reverse("prospects:settle", args=["gers", household.pk]),
        {"commune": commune, "settled_on": "2026-11-01", "people": str(people)},
    )


@pytest.mark.parametrize("sharing", [True, False])
def test_settling_plans_three_follow_ups_and_tells_the_committee_only_with_consent(
    world, client_for, sharing, django_capture_on_commit_callbacks
):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"])
    record_consents(household, {"follow_up": True, "sharing": sharing}, "fr", source="test")
    Role.objects.filter(user=world.users["volunteer_a1"]).update(committee_function=CommitteeFunction.REFERENT)
    with django_capture_on_commit_callbacks(execute=True):
        assert settle(client_for("advisor_a"), household).status_code == 302
    household.refresh_from_db()
    assert household.stage == Stage.SETTLED and household.settled_people == 4
    assert household.settled_commune_id == "32208"
    follow_ups = FollowUp.objects.filter(household=household).order_by("due_on")
    assert [f.due_on for f in follow_ups] == [date(2026, 12, 1), date(2027, 5, 2), date(2027, 11, 1)]
    assert all(f.assignee == world.users["advisor_a"] for f in follow_ups)
    told = [m for m in mail.outbox if "volunteer.a1@example.fr" in m.to]
    assert len(told) == (1 if sharing else 0)
    # Queued again by mistake: nothing is done twice.
    from sohosolo.prospects.tasks import welcome_sequence

    assert welcome_sequence.call(household.pk) == {"skipped": True}
    assert FollowUp.objects.filter(household=household).count() == 3


def test_settling_needs_a_commune_of_the_territory(world, client_for):
    household = make_household(world.territory_a)
    response = settle(client_for("advisor_a"), household, commune="46185")
    assert response.status_code == 400
    household.refresh_from_db()
    assert household.stage == Stage.NEW and not FollowUp.objects.exists()


def test_volunteer_cannot_open_a_non_consenting_prospect_and_sees_only_shared_fields_otherwise(world, client_for):
    shared = make_household(
        world.territory_a,
        first_name="Hélène",
        last_name="Léger",
        activity="craft",
        notes="Confidential: budget tight",
        notes_for_committee="Likes old stone houses",
    )
    shared.villages_of_interest.add(world.village_a1)
    record_consents(shared, {"follow_up": True, "sharing": True}, "fr", source="test")
    private = make_household(world.territory_a, first_name="Paul", last_name="Martin")
    private.villages_of_interest.add(world.village_a1)
    record_consents(private, {"follow_up": True, "sharing": False}, "fr", source="test")

    client = client_for("volunteer_a1")
    listing = client.get(reverse("prospects:village_list", args=["gers", "lectoure"])).text
    assert "Hélène" in listing and "Paul" not in listing
    assert client.get(reverse("prospects:village_detail", args=["gers", "lectoure", private.pk])).status_code == 404
    assert client.get(private.get_absolute_url()).status_code == 404
    page = client.get(reverse("prospects:village_detail", args=["gers", "lectoure", shared.pk])).text
    assert "Hélène" in page and "Artisanat" in page and "Likes old stone houses" in page
    for secret in ("Léger", "leger@example.fr", "06 12 34 56 78", "Confidential"):
        assert secret not in page
    # Another village's volunteer sees nothing of it.
    assert (
        client_for("volunteer_a2")
        .get(reverse("prospects:village_detail", args=["gers", "lectoure", shared.pk]))
        .status_code
        == 404
    )
    # A withdrawn consent closes the file to the committee at once.
    shared.consents.filter(purpose="sharing").update(withdrawn_at=timezone.now())
    assert client.get(reverse("prospects:village_detail", args=["gers", "lectoure", shared.pk])).status_code == 404
    assert ActionLog.objects.filter(action="prospect.read_by_committee").count() == 1


def test_club_members_and_partners_never_see_prospects(world, client_for):
    household = make_household(world.territory_a)
    for persona in ("member", "partner"):
        assert client_for(persona).get(household.get_absolute_url()).status_code == 404
        assert client_for(persona).get(reverse("prospects:list", args=["gers"])).status_code == 404


def test_my_day_shows_overdue_and_due_follow_ups_and_new_applications(world, client_for):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"])
    today = timezone.localdate()
    FollowUp.objects.create(
        household=household,
        title="Rappeler Hélène",
        due_on=today - timedelta(days=2),
        assignee=world.users["advisor_a"],
    )
    FollowUp.objects.create(
        household=household, title="Envoyer le dossier", due_on=today, assignee=world.users["advisor_a"]
    )
    FollowUp.objects.create(household=household, title="Pas pour moi", due_on=today, assignee=world.users["manager_a"])
    page = client_for("advisor_a").get(reverse("prospects:my_day")).text
    assert "Rappeler Hélène" in page and "Envoyer le dossier" in page and "Pas pour moi" not in page
    assert "Hélène Léger" in page  # a new application, theirs


def test_export_of_the_filtered_list_to_csv_and_xlsx_is_logged(world, client_for):
    import io

    from openpyxl import load_workbook

    make_household(world.territory_a)
    make_household(world.territory_a, first_name="Paul", last_name="Martin", stage="dropped", stage_reason="Moved")
    client = client_for("advisor_a")
    response = client.get(reverse("prospects:export", args=["gers", "csv"]), {"stage": "new"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff") and "Léger" in text and "Martin" not in text
    assert text.splitlines()[0].split(";")[1] in ("Prénom", "First name")
    xlsx = client.get(reverse("prospects:export", args=["gers", "xlsx"]))
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert len(rows) == 3 and {rows[1][2], rows[2][2]} == {"Léger", "Martin"}
    assert ActionLog.objects.filter(action="prospects.exported").count() == 2
    assert client.get(reverse("prospects:export", args=["gers", "pdf"])).status_code == 404
    assert client_for("advisor_b").get(reverse("prospects:export", args=["gers", "csv"])).status_code == 404


def test_bulk_assign_and_stage_change_only_touch_the_territorys_files(world, client_for):
    ours = [make_household(world.territory_a, last_name=f"Nom{i}") for i in range(3)]
    theirs = make_household(world.territory_b, last_name="Ailleurs")
    client = client_for("manager_a")
    ticked = [str(h.pk) for h in ours[:2]] + [str(theirs.pk)]
    client.post(
        reverse("prospects:bulk", args=["gers"]),
        {"households": ticked, "action": "assign", "advisor": world.users["advisor_a"].pk},
    )
    client.post(reverse("prospects:bulk", args=["gers"]), {"households": ticked, "action": "stage", "stage": "visit"})
    assert set(Household.objects.filter(advisor=world.users["advisor_a"]).values_list("pk", flat=True)) == {
        ours[0].pk,
        ours[1].pk,
    }
    assert Household.objects.filter(stage=Stage.VISIT).count() == 2
    theirs.refresh_from_db()
    assert theirs.stage == Stage.NEW and theirs.advisor is None


def test_board_shows_counts_and_moves_a_file_in_place(world, client_for):
    household = make_household(world.territory_a)
    client = client_for("advisor_a")
    page = client.get(reverse("prospects:board", args=["gers"])).text
    assert "Hélène Léger" in page
    response = client.post(
        reverse("prospects:set_stage", args=["gers", household.pk]),
        {"stage": "first_interview", "next": reverse("prospects:board", args=["gers"])},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == reverse("prospects:board", args=["gers"])
    household.refresh_from_db()
    assert household.stage == Stage.FIRST_INTERVIEW
    evil = client.post(
        reverse("prospects:set_stage", args=["gers", household.pk]), {"stage": "visit", "next": "https://evil.example/"}
    )
    assert evil["Location"] == household.get_absolute_url()


def test_merging_two_files_combines_them_and_keeps_their_history(world, client_for):
    keep = make_household(world.territory_a, current_town="Lyon")
    other = make_household(
        world.territory_a, first_name="Helene", last_name="Leger-Dupuis", current_town="Paris", activity="craft"
    )
    FollowUp.objects.create(
        household=other, title="Rappeler", due_on=timezone.localdate(), assignee=world.users["advisor_a"]
    )
    other.villages_of_interest.add(world.village_a2)
    record_consents(other, {"follow_up": True, "sharing": True}, "fr", source="test")
    client = client_for("advisor_a")
    client.get(other.get_absolute_url())  # a read of the other file: part of its history
    page = client.get(reverse("prospects:merge", args=["gers", keep.pk]), {"other": other.pk})
    assert page.status_code == 200 and "Paris" in page.text and "Lyon" in page.text
    response = client.post(
        reverse("prospects:merge", args=["gers", keep.pk]), {"other": other.pk, "current_town": "other"}
    )
    assert response.status_code == 302
    keep.refresh_from_db()
    assert not Household.objects.filter(pk=other.pk).exists()
    assert keep.current_town == "Paris" and keep.activity == ""  # only the chosen field was taken
    assert keep.members.count() == 2 and keep.follow_ups.count() == 1
    assert list(keep.villages_of_interest.all()) == [world.village_a2]
    assert keep.consents.filter(purpose="sharing", given=True).exists()
    history = set(ActionLog.objects.filter(object_id=str(keep.pk)).values_list("action", flat=True))
    assert {"prospect.read", "prospect.merged"} <= history
    # Another territory's file cannot be merged in.
    foreign = make_household(world.territory_b)
    client.post(reverse("prospects:merge", args=["gers", keep.pk]), {"other": foreign.pk})
    assert Household.objects.filter(pk=foreign.pk).exists()


def test_same_names_and_town_match_whatever_the_accents(world):
    apply(Client(), current_town="Montréal", email="a@example.fr", phone="")
    apply(Client(), current_town="MONTREAL", email="b@example.fr", phone="", first_name="Helene")
    assert Household.objects.count() == 1


def test_a_saved_view_brings_back_the_filters_for_its_owner_only(world, client_for):
    make_household(world.territory_a)
    client = client_for("advisor_a")
    query = "stage=new&q=helene"
    response = client.post(reverse("prospects:save_view", args=["gers"]), {"name": "Nouvelles Hélène", "query": query})
    assert response["Location"].endswith("?" + query)
    page = client.get(reverse("prospects:list", args=["gers"])).text
    assert "Nouvelles Hélène" in page and f'href="?{query}"'.replace("&", "&amp;") in page
    assert "Nouvelles Hélène" not in client_for("manager_a").get(reverse("prospects:list", args=["gers"])).text
    from sohosolo.prospects.models import SavedView

    view = SavedView.objects.get()
    assert client_for("manager_a").post(reverse("prospects:delete_view", args=["gers", view.pk])).status_code == 404
    client.post(reverse("prospects:delete_view", args=["gers", view.pk]))
    assert not SavedView.objects.exists()


def test_the_team_corrects_the_members_and_the_change_is_logged(world, client_for):
    household = make_household(world.territory_a)
    person = household.members.get()
    data = {
        "members-TOTAL_FORMS": "2",
        "members-INITIAL_FORMS": "1",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-id": str(person.pk),
        "members-0-household": str(household.pk),
        "members-0-is_main_contact": "on",
        "members-0-kind": "adult",
        "members-0-first_name": "Hélène",
        "members-0-last_name": "Léger",
        "members-0-email": "nouvelle@example.fr",
        "members-0-phone": "06 98 76 54 32",
        "members-1-household": str(household.pk),
        "members-1-kind": "child",
        "members-1-birth_year": "2019",
        "language": "fr",
    }
    client = client_for("advisor_a")
    assert client.post(reverse("prospects:edit", args=["gers", household.pk]), data).status_code == 302
    person.refresh_from_db()
    assert person.email == "nouvelle@example.fr" and person.phone_key == "+33698765432"
    assert household.members.filter(kind="child").count() == 1
    assert ActionLog.objects.filter(action="prospect.changed", object_id=str(household.pk)).exists()
    no_main = data | {"members-0-is_main_contact": ""}
    assert client.post(reverse("prospects:edit", args=["gers", household.pk]), no_main).status_code == 400


def test_a_merge_keeps_only_the_latest_answer_about_sharing(world, client_for):
    keep = make_household(world.territory_a)
    other = make_household(world.territory_a, first_name="Paul", last_name="Martin")
    keep.villages_of_interest.add(world.village_a1)
    record_consents(other, {"follow_up": True, "sharing": True}, "fr", source="test")  # older yes
    Consent.objects.filter(household=other).update(recorded_at=timezone.now() - timedelta(days=30))
    record_consents(keep, {"follow_up": True, "sharing": False}, "fr", source="test")  # newer no
    client_for("advisor_a").post(reverse("prospects:merge", args=["gers", keep.pk]), {"other": other.pk})
    url = reverse("prospects:village_detail", args=["gers", "lectoure", keep.pk])
    assert client_for("volunteer_a1").get(url).status_code == 404
    assert not keep.consents.in_force().filter(purpose="sharing").exists()


def test_placeholder_phones_never_merge_strangers(world):
    apply(Client(), phone="00 00 00 00 00", email="un@example.fr", last_name="Un")
    apply(Client(), phone="0000000000", email="deux@example.fr", last_name="Deux")
    assert Household.objects.count() == 2


def test_leaving_settled_takes_the_household_out_of_the_results(world, client_for, django_capture_on_commit_callbacks):
    household = make_household(world.territory_a)
    with django_capture_on_commit_callbacks(execute=True):
        settle(client_for("advisor_a"), household)
    client_for("advisor_a").post(
        reverse("prospects:set_stage", args=["gers", household.pk]), {"stage": "on_hold", "reason": "Job fell through"}
    )
    household.refresh_from_db()
    assert household.stage == Stage.ON_HOLD and household.settled_on is None and household.settled_commune is None


def test_export_refuses_a_wrong_filter_instead_of_exporting_everything(world, client_for):
    make_household(world.territory_a)
    response = client_for("advisor_a").get(
        reverse("prospects:export", args=["gers", "csv"]), {"first_contact_from": "31/02/2026"}
    )
    assert response.status_code == 302
    assert not ActionLog.objects.filter(action="prospects.exported").exists()


def test_exported_values_never_become_spreadsheet_formulas(world, client_for):
    make_household(world.territory_a, first_name='=HYPERLINK("http://evil.example")', last_name="X")
    text = b"".join(
        client_for("advisor_a").get(reverse("prospects:export", args=["gers", "csv"])).streaming_content
    ).decode()
    assert "'=HYPERLINK" in text


def test_my_day_stays_within_the_advisors_territories_and_a_bounded_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    ours = make_household(world.territory_a)
    theirs = make_household(world.territory_b, first_name="Secret", last_name="Lot")
    for household in (ours, theirs):
        for i in range(12):
            FollowUp.objects.create(
                household=household, title=f"Tâche {i}", due_on=timezone.localdate(), assignee=world.users["advisor_a"]
            )
    client = client_for("advisor_a")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("prospects:my_day")).text
    assert "Hélène Léger" in page and "Secret Lot" not in page


def test_board_and_committee_list_stay_within_a_bounded_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    for i in range(40):
        household = make_household(world.territory_a, last_name=f"Nom{i}")
        household.villages_of_interest.add(world.village_a1)
        record_consents(household, {"follow_up": True, "sharing": True}, "fr", source="test")
    advisor, volunteer = client_for("advisor_a"), client_for("volunteer_a1")
    with django_assert_max_num_queries(14):
        assert advisor.get(reverse("prospects:board", args=["gers"])).status_code == 200
    with django_assert_max_num_queries(10):
        page = volunteer.get(reverse("prospects:village_list", args=["gers", "lectoure"]))
    assert page.text.count('href="/territoires/gers/villages/lectoure/candidats/') == 25  # one page


@pytest.mark.django_db(transaction=True)
def test_two_applications_at_the_same_moment_go_to_two_advisors(world, monkeypatch):
    """The round robin reads whose turn it is, then assigns: two applications arriving together must not both read
    the same turn. A slow read (half a second) makes them overlap unless assignments wait for each other."""
    import threading

    from sohosolo.accounts.models import RoleKind, User
    from sohosolo.prospects import views

    if not connection.features.has_select_for_update:
        pytest.skip("SQLite runs one write transaction at a time (IMMEDIATE): assignments cannot overlap there")
    second = User.objects.create_user(email="advisor.a2@example.fr", password="x", full_name="Lucie Advisor")
    Role.objects.create(user=second, kind=RoleKind.ADVISOR, territory=world.territory_a)
    households = [Household.objects.create(territory=world.territory_a) for _i in range(2)]
    read_turn = views.advisors_round_robin

    def slow_read(territory):
        advisor = read_turn(territory)
        time.sleep(0.5)
        return advisor

    monkeypatch.setattr(views, "advisors_round_robin", slow_read)
    together = threading.Barrier(2)

    def assign(household):
        together.wait()
        try:
            views.assign_in_turn(world.territory_a, household)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(household,)) for household in households]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    advisors = Household.objects.filter(pk__in=[h.pk for h in households]).values_list("advisor_id", flat=True)
    assert sorted(advisors) == sorted([world.users["advisor_a"].pk, second.pk])
