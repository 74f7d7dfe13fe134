"""Welcome committees at work: referrals, visits, the welcome of newcomers, committee life and the team's figures."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from sohosolo.accounts.models import CommitteeFunction, Role, User
from sohosolo.audit.models import ActionLog
from sohosolo.committees.models import (
    Availability,
    CommitteeFollowUp,
    Referral,
    Visit,
    WelcomeAction,
    WelcomeChecklist,
)
from sohosolo.committees.services import create_welcome_checklist, plan_visit, record_visit, refer_household
from sohosolo.committees.stats import activity_by_village, is_quiet
from sohosolo.committees.tasks import remind_welcome_actions
from sohosolo.privacy.consents import record_consents
from sohosolo.privacy.personal_data import collect_household_data, erase_household_data
from sohosolo.prospects.models import FollowUp, Household, Interaction, Stage
from sohosolo.prospects.services import settle_household
from tests.factories import make_household

# The household of these tests (followed by advisor A): what the team keeps to itself, what it tells the committees.
ABOUT = {
    "activity": "craft",
    "notes": "Confidential: budget tight",
    "notes_for_committee": "Likes old stone houses",
    "sharing": True,
}


def refer_url(household) -> str:
    return reverse("committees:refer", args=["gers", household.pk])


def committee_url(name: str, *args, village="lectoure") -> str:
    return reverse(f"committees:{name}", args=["gers", village, *args])


@pytest.fixture
def referent_a1(world):
    Role.objects.filter(user=world.users["volunteer_a1"]).update(committee_function=CommitteeFunction.REFERENT)
    return world.users["volunteer_a1"]


# --- Referral ----------------------------------------------------------------------------------------------------


def test_advisor_refers_a_consenting_prospect_and_the_referent_sees_only_shared_fields(world, client_for, referent_a1):
    referent_a1.language = "en"
    referent_a1.save()
    # Interested in no village: the referral alone opens it to Lectoure.
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    response = client_for("advisor_a").post(
        refer_url(household), {"villages": [world.village_a1.pk], "note": "They love old stone houses"}
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.household, referral.village, referral.referred_by) == (
        household,
        world.village_a1,
        world.users["advisor_a"],
    )
    entry = household.interactions.get(kind=Interaction.Kind.REFERRAL)
    assert "Lectoure" in entry.summary and "old stone houses" in entry.summary
    assert ActionLog.objects.filter(action="prospect.referred", object_id=str(household.pk)).exists()
    # The referent is told, in English (their language), with the first name only.
    (email,) = mail.outbox
    assert email.to == [referent_a1.email]
    assert email.subject == "A household is referred to the committee of Lectoure"
    assert (
        "Hélène" in email.body and "Léger" not in email.body and "/en/territoires/gers/villages/lectoure/" in email.body
    )

    volunteer = client_for("volunteer_a1")
    dashboard = volunteer.get(committee_url("dashboard")).text
    assert "Hélène" in dashboard and "They love old stone houses" in dashboard
    page = volunteer.get(reverse("prospects:village_detail", args=["gers", "lectoure", household.pk])).text
    assert "Hélène" in page and "Artisanat" in page and "They love old stone houses" in page
    for secret in ("Léger", "helene.leger@example.fr", "06 12 34 56 78", "Confidential"):
        assert secret not in page and secret not in dashboard
    # Village B's volunteers (Marciac) get 404 for this household, through their village or Lectoure's.
    other = client_for("volunteer_a2")
    assert other.get(reverse("prospects:village_detail", args=["gers", "lectoure", household.pk])).status_code == 404
    assert other.get(reverse("prospects:village_detail", args=["gers", "marciac", household.pk])).status_code == 404
    assert other.get(committee_url("dashboard")).status_code == 404
    assert "Hélène" not in other.get(committee_url("dashboard", village="marciac")).text


def test_a_non_consenting_prospect_cannot_be_referred(world, client_for, referent_a1):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **(ABOUT | {"sharing": False}))
    client = client_for("advisor_a")
    page = client.get(refer_url(household)).text
    assert "Ce foyer n'a pas accepté que les comités des villages voient son projet" in html.unescape(page)
    response = client.post(refer_url(household), {"villages": [world.village_a1.pk], "note": "x"}, follow=True)
    assert response.status_code == 400
    assert "rien n'a été envoyé" in html.unescape(response.text)
    assert not Referral.objects.exists() and not mail.outbox
    assert not household.interactions.filter(kind=Interaction.Kind.REFERRAL).exists()


def test_a_referral_needs_a_village_and_reaches_every_volunteer_when_there_is_no_referent(world, client_for):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    client = client_for("advisor_a")
    response = client.post(refer_url(household), {"note": "x"})
    assert response.status_code == 400 and "Choisissez au moins un village" in response.text
    assert not Referral.objects.exists()
    # Lectoure has no referent: its volunteers are told. A village of the other territory cannot be chosen.
    response = client.post(refer_url(household), {"villages": [world.village_b1.pk]})
    assert response.status_code == 400 and not Referral.objects.exists()
    assert client.post(refer_url(household), {"villages": [world.village_a1.pk]}).status_code == 302
    assert [m.to for m in mail.outbox] == [[world.users["volunteer_a1"].email]]
    assert mail.outbox[0].subject == "Un foyer est orienté vers le comité de Lectoure"


# --- Visits ------------------------------------------------------------------------------------------------------


def test_committee_plans_a_visit_records_its_outcome_and_the_advisor_sees_it(world, client_for):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    household.villages_of_interest.add(world.village_a1)
    volunteer = client_for("volunteer_a1")
    starts = timezone.localtime() + timedelta(days=2)
    response = volunteer.post(
        committee_url("visit_plan"),
        {
            "household": household.pk,
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "guides": [world.users["volunteer_a1"].pk],
            "homes": "12 rue Nationale",
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == committee_url("visit", visit.pk)
    assert list(visit.guides.all()) == [world.users["volunteer_a1"]] and visit.homes == "12 rue Nationale"
    assert not mail.outbox  # the volunteer planned it for themself: nobody else to tell
    # A guide from another village cannot be chosen.
    response = volunteer.post(
        committee_url("visit_plan"),
        {
            "household": household.pk,
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "guides": [world.users["volunteer_a2"].pk],
        },
    )
    assert response.status_code == 400 and Visit.objects.count() == 1

    # Without saying how it went, nothing is recorded.
    response = volunteer.post(committee_url("visit", visit.pk), {"interest": "high"})
    assert response.status_code == 400 and "Dites comment la visite s'est passée" in html.unescape(response.text)
    response = volunteer.post(
        committee_url("visit", visit.pk), {"outcome": "well", "interest": "high", "report": "Coup de cœur"}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.recorded_by == world.users["volunteer_a1"] and visit.interest == "high"
    entry = household.interactions.get(kind=Interaction.Kind.VISIT)
    assert "Lectoure" in entry.summary and "Très intéressés" in entry.summary and "Coup de cœur" in entry.summary
    page = client_for("advisor_a").get(household.get_absolute_url()).text
    assert "Coup de cœur" in page and "Bien passée" in page


def test_advisor_plans_a_visit_with_volunteers_of_the_chosen_village_who_are_told(world, client_for):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    advisor = client_for("advisor_a")
    data = {
        "village": world.village_a1.slug,
        "starts_at": (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "guides": [world.users["volunteer_a2"].pk],
    }
    with translation.override("en"):
        english = reverse("committees:household_visit", args=["gers", household.pk])
    response = advisor.post(english, data)
    assert response.status_code == 400 and not Visit.objects.exists()
    assert "This volunteer is not one of the volunteers of Lectoure" in response.text
    data["guides"] = [world.users["volunteer_a1"].pk]
    assert advisor.post(reverse("committees:household_visit", args=["gers", household.pk]), data).status_code == 302
    visit = Visit.objects.get()
    # The visit refers the household to the village, so that its committee sees it.
    assert Referral.objects.filter(household=household, village=world.village_a1).exists()
    (email,) = mail.outbox
    assert email.to == [world.users["volunteer_a1"].email] and "Visite de Lectoure" in email.subject
    assert client_for("volunteer_a1").get(committee_url("visit", visit.pk)).status_code == 200
    # Not without the household's agreement.
    private = make_household(
        world.territory_a, advisor=world.users["advisor_a"], **(ABOUT | {"sharing": False}), first_name="Paul"
    )
    assert advisor.post(reverse("committees:household_visit", args=["gers", private.pk]), data).status_code == 400
    assert Visit.objects.count() == 1


def test_the_advisors_visit_form_offers_only_the_chosen_villages_volunteers_in_two_steps(world, client_for):
    """A territory of many villages: the form lists the chosen village's volunteers only, the household's first."""
    from sohosolo.accounts.models import RoleKind
    from sohosolo.territory.models import Commune, Village
    from tests.conftest import make_user

    for n in range(8):
        commune = Commune.objects.create(
            insee_code=f"329{n:02d}", name=f"Bourg {n}", departement="32", population=300, latitude=43.6, longitude=0.5
        )
        village = Village.objects.create(territory=world.territory_a, commune=commune)
        for m in range(4):
            make_user(f"v{n}-{m}@example.fr", f"Guide {n}-{m}", (RoleKind.VOLUNTEER, village))
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    household.villages_of_interest.add(world.village_a2)
    advisor = client_for("advisor_a")
    url = reverse("committees:household_visit", args=["gers", household.pk])

    # Step one: the village only, the household's village first (and chosen already), no volunteer yet.
    page = html.unescape(advisor.get(url).text)
    assert 'name="guides"' not in page and "Guide 0-0" not in page
    assert page.index("Marciac") < page.index("Bourg 0") and '<option value="marciac" selected>' in page
    # Step two (GET ?village=…, no JavaScript needed): only that village's volunteers and offers.
    page = html.unescape(advisor.get(url + "?village=bourg-3").text)
    assert page.count('name="guides"') == 4 and "Guide 3-0" in page and "Guide 4-0" not in page
    assert "Bernard Volunteer" not in page and 'name="village" value="bourg-3"' in page
    # A village of another territory, or unknown, is refused.
    assert advisor.get(url + "?village=martel").status_code == 400

    # A guide of another village posted anyway is refused.
    bourg = Village.objects.get(slug="bourg-3")
    data = {
        "village": "bourg-3",
        "starts_at": (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "guides": [User.objects.get(email="v4-0@example.fr").pk],
    }
    assert advisor.post(url, data).status_code == 400 and not Visit.objects.exists()
    data["guides"] = [User.objects.get(email="v3-1@example.fr").pk]
    assert advisor.post(url, data).status_code == 302
    assert [g.email for g in Visit.objects.get(village=bourg).guides.all()] == ["v3-1@example.fr"]
    # Posting without a village shows step one again.
    del data["village"]
    assert advisor.post(url, data).status_code == 400 and Visit.objects.count() == 1


# --- Welcome of newcomers ----------------------------------------------------------------------------------------


def settle_in_lectoure(world, household, django_capture_on_commit_callbacks, day=date(2026, 11, 2)):
    from sohosolo.territory.models import Commune

    with django_capture_on_commit_callbacks(execute=True):
        settle_household(household, Commune.objects.get(pk="32208"), day, 3, world.users["advisor_a"])


def test_settling_in_village_a_creates_the_checklist_and_a_ticked_item_is_logged_and_seen_by_the_advisor(
    world, client_for, referent_a1, django_capture_on_commit_callbacks
):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    settle_in_lectoure(world, household, django_capture_on_commit_callbacks)
    checklist = WelcomeChecklist.objects.get()
    assert (checklist.household, checklist.village, checklist.settled_on) == (
        household,
        world.village_a1,
        date(2026, 11, 2),
    )
    actions = list(checklist.actions.all())
    assert [a.kind for a in actions] == [
        "welcome_visit",
        "town_hall",
        "school",
        "associations",
        "businesses",
        "club",
    ]
    assert actions[0].assignee == referent_a1 and actions[0].due_on == date(2026, 11, 16)
    # The +1, +6 and +12-month follow-ups of settling are offered to the committee.
    assert CommitteeFollowUp.objects.filter(checklist=checklist).count() == 3
    # Settling again (the task delivered twice) changes nothing.
    create_welcome_checklist(household, world.village_a1)
    assert WelcomeChecklist.objects.count() == 1 and WelcomeAction.objects.count() == 6

    volunteer = client_for("volunteer_a1")
    assert "Hélène" in volunteer.get(committee_url("dashboard")).text
    town_hall = actions[1]
    response = volunteer.post(
        committee_url("action_done", checklist.pk, town_hall.pk), {"done": "1", "note": "Reçus par le maire"}
    )
    assert response.status_code == 302
    town_hall.refresh_from_db()
    assert town_hall.done_by == referent_a1 and town_hall.done_at is not None
    log = ActionLog.objects.get(action="welcome.action_done")
    assert log.actor == referent_a1 and log.object_id == str(household.pk) and log.data["action"] == "town_hall"
    page = client_for("advisor_a").get(household.get_absolute_url()).text
    assert "Accueil à Lectoure" in page and "fait par Bernard Volunteer" in page and "Reçus par le maire" in page
    # Who does what, by when.
    response = volunteer.post(
        committee_url("action_edit", checklist.pk, actions[2].pk),
        {
            f"action-{actions[2].pk}-assignee": world.users["volunteer_a2"].pk,
            f"action-{actions[2].pk}-due_on": "2026-12-01",
        },
    )
    actions[2].refresh_from_db()
    assert actions[2].assignee is None  # not a volunteer of Lectoure
    volunteer.post(
        committee_url("action_edit", checklist.pk, actions[2].pk),
        {f"action-{actions[2].pk}-assignee": referent_a1.pk, f"action-{actions[2].pk}-due_on": "2026-12-01"},
    )
    actions[2].refresh_from_db()
    assert actions[2].assignee == referent_a1 and actions[2].due_on == date(2026, 12, 1)


def test_settling_outside_partner_villages_makes_no_checklist(world, django_capture_on_commit_callbacks):
    from sohosolo.territory.models import Commune

    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    with django_capture_on_commit_callbacks(execute=True):
        settle_household(household, Commune.objects.get(pk="32013"), date(2026, 11, 2), 2, world.users["advisor_a"])
    assert not WelcomeChecklist.objects.exists()


def test_a_volunteer_takes_a_follow_up_of_settling_and_records_it_for_the_advisor(
    world, client_for, django_capture_on_commit_callbacks
):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    settle_in_lectoure(world, household, django_capture_on_commit_callbacks)
    take = CommitteeFollowUp.objects.order_by("follow_up__due_on").first()
    volunteer = client_for("volunteer_a1")
    assert volunteer.post(committee_url("follow_up_take", take.pk)).status_code == 302
    take.refresh_from_db()
    assert take.taken_by == world.users["volunteer_a1"]
    # Already taken: the team's own tap does not steal it.
    client_for("advisor_a").post(committee_url("follow_up_take", take.pk))
    take.refresh_from_db()
    assert take.taken_by == world.users["volunteer_a1"]
    assert volunteer.post(committee_url("follow_up", take.pk), {"report": ""}).status_code == 400
    response = volunteer.post(committee_url("follow_up", take.pk), {"report": "Les enfants adorent l'école"})
    assert response.status_code == 302
    take.follow_up.refresh_from_db()
    assert take.follow_up.done_at is not None and take.follow_up.done_by == world.users["volunteer_a1"]
    welcome_entries = household.interactions.filter(kind=Interaction.Kind.WELCOME).values_list("summary", flat=True)
    assert any("Les enfants adorent l'école" in summary for summary in welcome_entries)


# --- Consent -----------------------------------------------------------------------------------------------------


def test_withdrawing_the_sharing_consent_removes_the_household_from_every_committee_view(
    world, client_for, django_capture_on_commit_callbacks
):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    household.villages_of_interest.add(world.village_a2)
    refer_household(household, [world.village_a1], "Note", world.users["advisor_a"])
    visit = plan_visit(
        household, world.village_a1, timezone.now() - timedelta(hours=2), [], "", world.users["advisor_a"]
    )
    settle_in_lectoure(world, household, django_capture_on_commit_callbacks)
    checklist = WelcomeChecklist.objects.get()
    action = checklist.actions.first()
    take = checklist.follow_ups.first()
    a1, a2 = client_for("volunteer_a1"), client_for("volunteer_a2")
    pages = [
        committee_url("visit", visit.pk),
        committee_url("checklist", checklist.pk),
        committee_url("follow_up", take.pk),
        reverse("prospects:village_detail", args=["gers", "lectoure", household.pk]),
    ]
    for url in pages:
        assert a1.get(url).status_code == 200, url
    assert "Hélène" in a1.get(committee_url("dashboard")).text
    assert "Hélène" in a2.get(reverse("prospects:village_list", args=["gers", "marciac"])).text

    record_consents(household, {"follow_up": True, "sharing": False}, "fr", source="personal space")

    for url in pages:
        assert a1.get(url).status_code == 404, url
    for listing in (
        committee_url("dashboard"),
        reverse("prospects:village_list", args=["gers", "lectoure"]),
        committee_url("visit_plan"),
    ):
        assert "Hélène" not in a1.get(listing).text, listing
    assert "Hélène" not in a2.get(reverse("prospects:village_list", args=["gers", "marciac"])).text
    assert a1.post(committee_url("action_done", checklist.pk, action.pk), {"done": "1"}).status_code == 404
    assert a1.post(committee_url("follow_up_take", take.pk)).status_code == 404
    assert a1.post(committee_url("visit", visit.pk), {"outcome": "well", "interest": "high"}).status_code == 404
    mail.outbox.clear()
    WelcomeAction.objects.update(due_on=timezone.localdate())
    remind_welcome_actions.call()
    assert not mail.outbox  # no reminder names a household that withdrew
    # The team's file still shows the committees' work.
    assert "Accueil à Lectoure" in client_for("advisor_a").get(household.get_absolute_url()).text


# --- Committee life ----------------------------------------------------------------------------------------------


def test_a_volunteer_says_when_they_can_guide_and_the_committee_sees_it(world, client_for):
    volunteer = client_for("volunteer_a1")
    response = volunteer.post(committee_url("availability"), {"can_guide": "on", "when": "Le samedi matin"})
    assert response.status_code == 302
    assert Availability.objects.get().user == world.users["volunteer_a1"]
    page = client_for("advisor_a").get(committee_url("dashboard")).text
    assert "Bernard Volunteer" in page and "Le samedi matin" in page
    volunteer.post(committee_url("availability"), {"when": "", "away_until": "2030-01-01"})
    assert Availability.objects.count() == 1
    assert "absent jusqu'au 01/01/2030" in html.unescape(volunteer.get(committee_url("dashboard")).text)


def test_reminders_go_once_to_whoever_holds_an_action_due(world, referent_a1, django_capture_on_commit_callbacks):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    checklist = create_welcome_checklist(household, world.village_a1)
    WelcomeAction.objects.filter(checklist=checklist).update(due_on=timezone.localdate() + timedelta(days=30))
    due = checklist.actions.get(kind="town_hall")
    due.due_on = timezone.localdate() + timedelta(days=2)
    due.assignee = world.users["volunteer_a1"]
    due.save()
    mail.outbox.clear()
    assert remind_welcome_actions.call() == {"reminded": 1}
    (email,) = mail.outbox
    assert email.to == [world.users["volunteer_a1"].email]
    assert "Présentation à la mairie" in email.body and "Hélène" in email.body and "Léger" not in email.body
    assert remind_welcome_actions.call() == {"reminded": 0}
    assert len(mail.outbox) == 1


def test_the_reminder_job_is_registered():
    from sohosolo.tasks import PERIODIC_JOBS

    assert "remind_welcome_actions" in {job.name for job in PERIODIC_JOBS}


def test_the_committee_page_runs_a_bounded_number_of_queries(world, client_for, django_assert_max_num_queries):
    def add(count: int, offset: int) -> None:
        for i in range(count):
            household = make_household(
                world.territory_a, advisor=world.users["advisor_a"], **ABOUT, first_name=f"Prénom{offset + i}"
            )
            refer_household(household, [world.village_a1], "", world.users["advisor_a"])
            plan_visit(
                household,
                world.village_a1,
                timezone.now() + timedelta(days=i + 1),
                [world.users["volunteer_a1"]],
                "",
                None,
            )
            checklist = WelcomeChecklist.objects.create(
                household=household, village=world.village_a1, settled_on=timezone.localdate()
            )
            WelcomeAction.objects.create(checklist=checklist, kind="school", due_on=timezone.localdate())
            follow_up = FollowUp.objects.create(household=household, title="Suivi", due_on=timezone.localdate())
            CommitteeFollowUp.objects.create(checklist=checklist, follow_up=follow_up)

    client = client_for("volunteer_a1")
    add(2, 0)
    with django_assert_max_num_queries(30) as few:
        assert client.get(committee_url("dashboard")).status_code == 200
    add(15, 100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(committee_url("dashboard")).status_code == 200


# --- The team's figures ------------------------------------------------------------------------------------------


def test_activity_by_village_counts_the_committees_work_and_flags_a_quiet_committee(
    world, client_for, django_assert_max_num_queries
):
    today = timezone.localdate()
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    refer_household(household, [world.village_a1], "", world.users["advisor_a"])
    visit = plan_visit(household, world.village_a1, timezone.now() - timedelta(days=1), [], "", None)
    record_visit(visit, "well", "high", "", world.users["volunteer_a1"])
    plan_visit(household, world.village_a1, timezone.now() + timedelta(days=10), [], "", None)  # not held yet
    checklist = create_welcome_checklist(household, world.village_a1)
    checklist.actions.filter(kind="school").update(done_at=timezone.now())
    # Last year's referral to Marciac counts in Marciac's last activity, not in this month's figures.
    old = Referral.objects.create(household=household, village=world.village_a2)
    Referral.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))

    with django_assert_max_num_queries(10):
        figures = activity_by_village(world.territory_a, today - timedelta(days=30), today)
    assert figures[world.village_a1.pk] == {
        "referrals": 1,
        "visits": 1,
        "newcomers": 1,
        "actions_done": 1,
        "last_activity": today,
    }
    assert figures[world.village_a2.pk]["referrals"] == 0
    assert figures[world.village_a2.pk]["last_activity"] == today - timedelta(days=400)
    assert world.village_b1.pk not in figures
    assert not is_quiet(today) and is_quiet(today - timedelta(days=400)) and is_quiet(None)

    page = client_for("advisor_a").get(reverse("committees:activity", args=["gers"])).text
    assert "1 comité est silencieux" in page
    bad = client_for("advisor_a").get(
        reverse("committees:activity", args=["gers"]), {"start": "2026-12-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 400


# --- Personal data -----------------------------------------------------------------------------------------------


def test_the_committees_part_of_a_households_data_is_exported_and_erased(world, django_capture_on_commit_callbacks):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    refer_household(household, [world.village_a1], "Note confidentielle", world.users["advisor_a"])
    visit = plan_visit(household, world.village_a1, timezone.now(), [], "12 rue Nationale", None)
    record_visit(visit, "well", "high", "Coup de cœur", None)
    checklist = create_welcome_checklist(household, world.village_a1)
    checklist.actions.update(note="Reçus par le maire")

    sections = dict(result for _receiver, result in collect_household_data.send(sender=Household, household=household))
    data = sections["committees"]
    assert data["referrals"][0]["note"] == "Note confidentielle"
    assert data["visits"][0]["homes"] == "12 rue Nationale" and data["visits"][0]["report"] == "Coup de cœur"
    assert {a["note"] for a in data["welcome"]} == {"Reçus par le maire"}

    erase_household_data.send(sender=Household, household=household)
    assert Referral.objects.get().note == ""
    visit.refresh_from_db()
    assert visit.homes == visit.report == "" and visit.outcome == "well"  # the figures stay
    assert set(WelcomeAction.objects.values_list("note", flat=True)) == {""}


def test_a_dropped_household_leaves_the_committees_views(world, client_for):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    refer_household(household, [world.village_a1], "", world.users["advisor_a"])
    assert (
        client_for("volunteer_a1")
        .get(reverse("prospects:village_detail", args=["gers", "lectoure", household.pk]))
        .status_code
        == 200
    )
    Household.objects.filter(pk=household.pk).update(stage=Stage.DROPPED, stage_reason="Projet abandonné")
    assert (
        client_for("volunteer_a1")
        .get(reverse("prospects:village_detail", args=["gers", "lectoure", household.pk]))
        .status_code
        == 404
    )


def test_the_committee_pages_read_in_english(world, client_for):
    from django.utils import translation

    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    refer_household(household, [world.village_a1], "Loves the market", world.users["advisor_a"])
    visit = plan_visit(household, world.village_a1, timezone.now() - timedelta(hours=1), [], "", None)
    checklist = create_welcome_checklist(household, world.village_a1)
    client = client_for("volunteer_a1")
    with translation.override("en"):
        urls = [committee_url("dashboard"), committee_url("visit", visit.pk), committee_url("checklist", checklist.pk)]
        activity = reverse("committees:activity", args=["gers"])
    assert all(url.startswith("/en/") for url in urls)
    assert "Committee of Lectoure at work" in client.get(urls[0]).text
    page = html.unescape(client.get(urls[1]).text)
    assert "How did it go?" in page and "Very interested" in page
    assert "Introduction at the town hall" in client.get(urls[2]).text
    assert "Committees' activity" in html.unescape(client_for("advisor_a").get(activity).text)


def test_planning_a_visit_shows_who_can_guide_and_when(world, client_for):
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    household.villages_of_interest.add(world.village_a1)
    Availability.objects.create(user=world.users["volunteer_a1"], village=world.village_a1, when="Le samedi matin")
    page = client_for("advisor_a").get(committee_url("visit_plan")).text
    assert "Bernard Volunteer — peut guider : Le samedi matin" in page
    Availability.objects.update(away_until=timezone.localdate() + timedelta(days=3))
    page = client_for("advisor_a").get(committee_url("visit_plan")).text
    assert "Bernard Volunteer — absent jusqu'au" in html.unescape(page)
    url = reverse("committees:household_visit", args=["gers", household.pk])
    page = html.unescape(client_for("advisor_a").get(url + "?village=lectoure").text)
    assert "Bernard Volunteer — absent jusqu'au" in page and "Monique Volunteer" not in page


def test_merging_two_files_keeps_the_committees_records(world):
    from sohosolo.prospects.services import merge_households

    keep = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT)
    other = make_household(world.territory_a, advisor=world.users["advisor_a"], **ABOUT, first_name="Tom")
    refer_household(keep, [world.village_a1], "Gardée", world.users["advisor_a"])
    refer_household(other, [world.village_a1, world.village_a2], "Doublon", world.users["advisor_a"])
    plan_visit(other, world.village_a2, timezone.now(), [], "", None)
    create_welcome_checklist(other, world.village_a2)
    merge_households(keep, other, [], world.users["advisor_a"])
    assert sorted(Referral.objects.values_list("village__name", "note")) == [
        ("Lectoure", "Gardée"),
        ("Marciac", "Doublon"),
    ]
    assert set(Referral.objects.values_list("household", flat=True)) == {keep.pk}
    assert Visit.objects.get().household == keep and WelcomeChecklist.objects.get().household == keep
