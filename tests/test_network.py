"""The club (joining, directory, contact, renewal), partners, introductions and mentoring."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from sohosolo.accounts.models import Invitation, Role, RoleKind, User
from sohosolo.network import services
from sohosolo.network.models import Answer, CheckIn, Introduction, MemberProfile, Partner, PartnerContact, Skill
from sohosolo.network.stats import club_size
from sohosolo.network.tasks import send_check_in_reminders, send_membership_reminders
from sohosolo.privacy.personal_data import collect_household_data, erase_household_data
from sohosolo.prospects.models import Household, Interaction
from sohosolo.prospects.services import settle_household
from sohosolo.territory.models import Commune
from tests.conftest import make_user
from tests.factories import make_household

pytestmark = pytest.mark.django_db


# The prospect of these tests: a project and a note of the team that the club must never show; sharing consented.
PROSPECT = {
    "last_name": "Durand",
    "activity": "freelancer",
    "sector": "Graphisme",
    "project": "Secret project: we want to open a bakery",
    "notes": "Team's private note: budget is tight",
    "sharing": True,
}


def member_profile(world, user=None, visibility=MemberProfile.Visibility.PUBLIC, **fields) -> MemberProfile:
    user = user or world.users["member"]
    fields.setdefault("member_since", date(2020, 1, 1))
    profile = MemberProfile.objects.create(user=user, territory=world.territory_a, visibility=visibility, **fields)
    profile.refresh_search_text()
    return profile


def link_in(message, pattern: str) -> str:
    return re.search(rf"https?://[^\s\"]*{pattern}[^\s\"]*", message.body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


# --- Joining the club ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visibility", "anonymous_sees", "member_sees"),
    [("public", True, True), ("members", False, True), ("hidden", False, False)],
)
def test_settled_household_invitation_leads_to_a_member_profile_visible_per_its_visibility(
    world, client, client_for, django_capture_on_commit_callbacks, visibility, anonymous_sees, member_sees
):
    household = make_household(world.territory_a, **PROSPECT, language="en")
    lectoure = Commune.objects.get(pk="32208")
    with django_capture_on_commit_callbacks(execute=True):
        settle_household(household, lectoure, date(2026, 9, 1), 2, world.users["advisor_a"])

    profile = MemberProfile.objects.get(household=household)
    assert profile.commune == lectoure and profile.activity == "freelancer"
    assert profile.user.roles.filter(kind=RoleKind.MEMBER, territory=world.territory_a).exists()
    invitation = next(m for m in mail.outbox if m.to == ["helene.durand@example.fr"])
    assert invitation.subject == "Welcome to the club of Soho Solo Gers"  # in the household's language
    assert Interaction.objects.filter(household=household, kind=Interaction.Kind.WELCOME).exists()
    # Not activated yet: nobody finds the profile.
    assert "Hélène Durand" not in client_for("member").get(reverse("network:directory")).content.decode()

    activation = path_of(link_in(invitation, "/activer/"))
    response = client.post(
        activation,
        {
            "full_name": "Hélène Durand",
            "language": "en",
            "new_password1": "a long pass phrase",
            "new_password2": "a long pass phrase",
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.member_since == timezone.localdate()  # the first sign-in starts the membership
    response = client.post(
        reverse("network:my_profile"),
        {
            "visibility": visibility,
            "headline": "Graphic designer",
            "activity": "freelancer",
            "skills_text": "Logo, print",
            "commune": "32208",
            "languages": ["fr", "en"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    from django.test import Client

    anonymous_page = Client().get(reverse("network:directory")).content.decode()
    member_page = client_for("member").get(reverse("network:directory")).content.decode()
    assert ("Hélène Durand" in anonymous_page) is anonymous_sees
    assert ("Hélène Durand" in member_page) is member_sees
    assert (Client().get(profile.get_absolute_url()).status_code == 200) is anonymous_sees
    # The programme team always finds it in its own list.
    staff_page = client_for("advisor_a").get(reverse("network:staff_members", args=["gers"])).content.decode()
    assert "Hélène Durand" in staff_page


def test_settling_again_does_not_invite_twice(world, django_capture_on_commit_callbacks):
    household = make_household(world.territory_a, **PROSPECT)
    commune = Commune.objects.get(pk="32208")
    services.invite_settled_household(household, world.users["advisor_a"])
    services.invite_settled_household(household, world.users["advisor_a"])
    assert MemberProfile.objects.filter(household=household).count() == 1
    assert len([m for m in mail.outbox if m.to == ["helene.durand@example.fr"]]) == 1
    assert Invitation.objects.filter(user__email="helene.durand@example.fr").count() == 1
    assert commune  # the commune fixture exists


def test_existing_member_is_not_invited_again(world):
    member_profile(world)
    household = make_household(world.territory_a, **PROSPECT, email="member@example.fr")
    assert services.invite_settled_household(household, None) is None
    assert not mail.outbox


def test_application_to_the_club_is_approved_by_the_team(world, client, client_for):
    response = client.post(
        reverse("network:apply", args=["gers"]),
        {
            "full_name": "Marc Lefort",
            "email": "Marc@Example.fr",
            "language": "fr",
            "headline": "Ébéniste",
            "activity": "craft",
            "skills_text": "menuiserie, restauration de meubles",
            "commune": "32013",
            "website": "",
            "bio": "",
            "application_message": "Installé à Auch depuis 2019.",
        },
    )
    assert response.status_code == 302
    profile = MemberProfile.objects.get(user__email="marc@example.fr")
    assert profile.status == MemberProfile.Status.APPLIED and not profile.user.is_active
    assert [m.to for m in mail.outbox] == [["marc@example.fr"], ["manager.a@example.fr"]]
    assert f"/territoires/gers/club/{profile.pk}/" in mail.outbox[1].body
    assert "Marc Lefort" not in client_for("member").get(reverse("network:directory")).content.decode()
    assert client_for("member").get(reverse("network:staff_member", args=["gers", profile.pk])).status_code == 404

    staff = client_for("manager_a")
    response = staff.post(reverse("network:staff_member", args=["gers", profile.pk]), {"action": "approve"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == MemberProfile.Status.ACTIVE and profile.renewal_on
    assert Role.objects.filter(user=profile.user, kind=RoleKind.MEMBER, territory=world.territory_a).exists()
    assert "/compte/activer/" in mail.outbox[-1].body


def test_application_refused_is_told_and_stays_out(world, client, client_for):
    user = User.objects.create_user(email="x@example.fr", full_name="Xavier", is_active=False)
    profile = MemberProfile.objects.create(user=user, territory=world.territory_a, status=MemberProfile.Status.APPLIED)
    client_for("advisor_a").post(reverse("network:staff_member", args=["gers", profile.pk]), {"action": "refuse"})
    profile.refresh_from_db()
    assert profile.status == MemberProfile.Status.REFUSED
    assert mail.outbox[-1].to == ["x@example.fr"]
    assert not Role.objects.filter(user=user).exists()


def test_application_with_bad_answers_says_why(world, client):
    response = client.post(reverse("network:apply", args=["gers"]), {"full_name": "", "email": "nope"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not MemberProfile.objects.exists()


def test_staff_of_another_territory_cannot_approve(world, client_for):
    user = User.objects.create_user(email="x@example.fr", full_name="Xavier", is_active=False)
    profile = MemberProfile.objects.create(user=user, territory=world.territory_a, status=MemberProfile.Status.APPLIED)
    response = client_for("advisor_b").post(
        reverse("network:staff_member", args=["gers", profile.pk]), {"action": "approve"}
    )
    assert response.status_code == 404
    profile.refresh_from_db()
    assert profile.status == MemberProfile.Status.APPLIED


# --- Directory and contact -----------------------------------------------------------------------------------------


def test_directory_searches_by_skill_activity_and_commune(world, client):
    web = member_profile(world, activity="freelancer", commune_id="32208")
    web.skills.set(Skill.from_names(["Web design"]))
    web.refresh_search_text()
    other = make_user("wood@example.fr", "Paul Boisier", (RoleKind.MEMBER, world.territory_a))
    wood = member_profile(world, user=other, activity="craft", commune_id="32233")
    wood.skills.set(Skill.from_names(["Ébénisterie"]))
    wood.refresh_search_text()

    def names(**params):
        return client.get(reverse("network:directory"), params).content.decode()

    assert "Thomas Member" in names(skill="web") and "Paul Boisier" not in names(skill="web")
    assert "Paul Boisier" in names(skill="ebenisterie")  # accents and case ignored
    assert "Paul Boisier" in names(activity="craft") and "Thomas Member" not in names(activity="craft")
    assert "Thomas Member" in names(commune="32208") and "Paul Boisier" not in names(commune="32208")
    assert "Paul Boisier" in names(q="boisier")
    assert '"lat": 43.934' in names()  # the map places Lectoure


def test_directory_runs_a_bounded_number_of_queries(world, client_for, django_assert_max_num_queries):
    for i in range(30):
        user = make_user(f"m{i}@example.fr", f"Member {i}", (RoleKind.MEMBER, world.territory_a))
        profile = member_profile(world, user=user, commune_id="32208")
        profile.skills.set(Skill.from_names([f"skill {i}", "common"]))
    client = client_for("member")
    with django_assert_max_num_queries(14):
        response = client.get(reverse("network:directory"))
    assert response.status_code == 200
    staff = client_for("advisor_a")
    with django_assert_max_num_queries(12):
        assert staff.get(reverse("network:staff_members", args=["gers"])).status_code == 200


def test_members_write_to_each_other_without_seeing_addresses(world, client_for):
    member_profile(world)
    other = make_user("lea@example.fr", "Léa Other", (RoleKind.MEMBER, world.territory_a))
    lea = member_profile(world, user=other, visibility=MemberProfile.Visibility.MEMBERS)
    client = client_for("member")
    page = client.get(lea.get_absolute_url()).content.decode()
    assert "lea@example.fr" not in page
    response = client.post(
        reverse("network:contact_member", args=[lea.pk]), {"subject": "Coworking", "message": "Shall we share a desk?"}
    )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["lea@example.fr"]
    assert "Shall we share a desk?" in message.body
    assert "member@example.fr" not in message.body and "member@example.fr" not in message.subject
    # A non-member cannot write, even to a public profile.
    assert client_for("volunteer_a1").get(reverse("network:contact_member", args=[lea.pk])).status_code == 404


def test_messages_between_members_are_limited_per_day(world, client_for):
    member_profile(world)
    other = make_user("lea@example.fr", "Léa Other", (RoleKind.MEMBER, world.territory_a))
    lea = member_profile(world, user=other)
    client = client_for("member")
    for _i in range(10):
        client.post(reverse("network:contact_member", args=[lea.pk]), {"subject": "Hi", "message": "Hello"})
    response = client.post(reverse("network:contact_member", args=[lea.pk]), {"subject": "Hi", "message": "Hello"})
    assert response.status_code == 200 and "beaucoup de messages" in response.content.decode()
    assert len(mail.outbox) == 10


def test_member_edits_profile_with_photo_and_a_bad_file_is_refused(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    profile = member_profile(world)
    client = client_for("member")
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), "orange").save(buffer, "JPEG")
    data = {"visibility": "members", "headline": "Dev", "activity": "freelancer", "skills_text": "python"}
    response = client.post(
        reverse("network:my_profile"), data | {"photo_upload": SimpleUploadedFile("me.jpg", buffer.getvalue())}
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.photo and profile.thumbnail and profile.visibility == "members"
    assert [s.name for s in profile.skills.all()] == ["python"]
    response = client.post(
        reverse("network:my_profile"), data | {"photo_upload": SimpleUploadedFile("me.jpg", b"not an image")}
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()


# --- Partners -----------------------------------------------------------------------------------------------------


def test_public_partners_page_shows_only_public_partners(world, client):
    Partner.objects.create(territory=world.territory_a, name="Banque Gasconne", kind="bank", services="Prêts\nComptes")
    Partner.objects.create(
        territory=world.territory_a, name="Secret Partner", kind="bank", services="x", is_public=False
    )
    page = client.get(reverse("network:partners")).content.decode()
    assert "Banque Gasconne" in page and "Prêts" in page and "Secret Partner" not in page


def test_staff_create_a_partner_with_contacts_and_give_one_an_account(world, client_for):
    client = client_for("advisor_a")
    response = client.post(
        reverse("network:partner_create", args=["gers"]),
        {
            "name": "Cabinet Durand",
            "kind": "law_firm",
            "services": "Statuts",
            "description": "",
            "website": "",
            "email": "",
            "phone": "",
            "address": "",
            "commune": "",
            "is_public": "on",
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
            "contacts-0-full_name": "Maître Paul",
            "contacts-0-function": "Avocat",
            "contacts-0-email": "paul@cabinet.fr",
            "contacts-0-phone": "",
            "contacts-0-language": "fr",
        },
    )
    assert response.status_code == 302
    partner = Partner.objects.get(name="Cabinet Durand")
    contact = partner.contacts.get()
    client.post(reverse("network:partner_edit", args=["gers", partner.pk]), {"action": "invite", "contact": contact.pk})
    contact.refresh_from_db()
    assert contact.user and contact.user.roles.filter(kind=RoleKind.PARTNER, territory=world.territory_a).exists()
    assert mail.outbox[-1].to == ["paul@cabinet.fr"]


# --- Introductions -------------------------------------------------------------------------------------------------


def test_introduction_accepted_by_both_sides_shows_in_timeline_and_member_list(world, client, client_for):
    profile = member_profile(world)  # the member persona reads English
    household = make_household(world.territory_a, **PROSPECT)
    response = client_for("advisor_a").post(
        reverse("network:introduce", args=["gers", household.pk]),
        {"kind": "introduction", "member": profile.pk, "purpose": "Talk about freelancing in the Gers"},
    )
    assert response.status_code == 302
    introduction = Introduction.objects.get()
    to_prospect = next(m for m in mail.outbox if m.to == ["helene.durand@example.fr"])
    to_member = next(m for m in mail.outbox if m.to == ["member@example.fr"])
    assert "Thomas Member" in to_prospect.subject and "Voulez-vous" in to_prospect.subject  # French household
    assert to_member.subject == "A newcomer would like to meet you"  # English member
    assert "06 12 34 56 78" not in to_member.body and "helene.durand" not in to_member.body

    # The prospect accepts from the link and gives the email only.
    answer = path_of(link_in(to_prospect, "/mise-en-relation/"))
    assert client.post(answer, {"action": "accept", "share_email": "on"}).status_code == 200
    introduction.refresh_from_db()
    assert introduction.prospect_answer == Answer.ACCEPTED and introduction.status == Introduction.Status.PROPOSED

    member = client_for("member")
    assert "Hélène" in member.get(reverse("network:my_introductions")).content.decode()
    response = member.post(reverse("network:my_introduction", args=[introduction.pk]), {"action": "accept"})
    assert response.status_code == 302
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.ACCEPTED

    timeline = [i.summary for i in household.interactions.filter(kind=Interaction.Kind.INTRODUCTION)]
    assert any("acceptée par les deux parties" in s for s in timeline), timeline
    detail = client_for("advisor_a").get(household.get_absolute_url()).content.decode()
    assert "acceptée par les deux parties" in detail
    page = member.get(reverse("network:my_introduction", args=[introduction.pk])).content.decode()
    assert "helene.durand@example.fr" in page  # given
    assert "06 12 34 56 78" not in page  # not given
    assert "bakery" not in page and "budget is tight" not in page
    assert any(m.to == ["member@example.fr"] and "helene.durand@example.fr" in m.body for m in mail.outbox)


def test_member_never_sees_prospect_files(world, client_for):
    profile = member_profile(world)
    household = make_household(world.territory_a, **PROSPECT)
    household.villages_of_interest.add(world.village_a1)
    services.propose_introduction(
        household, actor=world.users["advisor_a"], kind="introduction", purpose="x", member=profile
    )
    member = client_for("member")
    for url in [
        reverse("prospects:detail", args=["gers", household.pk]),
        reverse("prospects:list", args=["gers"]),
        reverse("prospects:village_detail", args=["gers", world.village_a1.slug, household.pk]),
        reverse("network:staff_introductions", args=["gers"]),
        reverse("network:staff_introduction", args=["gers", household.introductions.get().pk]),
        reverse("network:introduce", args=["gers", household.pk]),
    ]:
        assert member.get(url).status_code == 404, url
    page = member.get(reverse("network:my_introduction", args=[household.introductions.get().pk])).content.decode()
    assert "bakery" not in page and "budget is tight" not in page and "Durand" not in page


def test_partner_sees_only_introductions_addressed_to_it(world, client_for):
    mine = Partner.objects.create(territory=world.territory_a, name="Compta Plus", kind="accountant", services="x")
    PartnerContact.objects.create(partner=mine, full_name="Nathalie", email="n@compta.fr", user=world.users["partner"])
    other = Partner.objects.create(territory=world.territory_a, name="Other Bank", kind="bank", services="x")
    household = make_household(world.territory_a, **PROSPECT)
    addressed = services.propose_introduction(
        household, actor=world.users["advisor_a"], kind="introduction", purpose="Accounts", partner=mine
    )
    not_mine = services.propose_introduction(
        household, actor=world.users["advisor_a"], kind="introduction", purpose="Loan", partner=other
    )
    assert any(m.to == ["partner@example.fr"] for m in mail.outbox)  # the contact's account address
    client = client_for("partner")
    assert client.get(reverse("network:my_introduction", args=[addressed.pk])).status_code == 200
    assert client.get(reverse("network:my_introduction", args=[not_mine.pk])).status_code == 404
    client.post(reverse("network:my_introduction", args=[addressed.pk]), {"action": "decline"})
    addressed.refresh_from_db()
    assert addressed.status == Introduction.Status.DECLINED and addressed.party_answered_by == world.users["partner"]


def test_prospect_declines_and_nothing_is_shared(world, client):
    profile = member_profile(world)
    household = make_household(world.territory_a, **PROSPECT)
    introduction = services.propose_introduction(
        household, actor=world.users["advisor_a"], kind="introduction", purpose="x", member=profile
    )
    client.post(reverse("network:answer", args=[services.introduction_token(introduction)]), {"action": "decline"})
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.DECLINED
    assert introduction.shared_email == "" and introduction.shared_phone == ""
    assert client.get(reverse("network:answer", args=["forged"])).status_code == 404


def test_mentoring_needs_a_mentor_and_lasts_months_with_check_ins(world, client, client_for):
    profile = member_profile(world)
    household = make_household(world.territory_a, **PROSPECT)
    advisor = client_for("advisor_a")
    url = reverse("network:introduce", args=["gers", household.pk])
    response = advisor.post(url, {"kind": "mentoring", "member": profile.pk, "purpose": "Settle in", "months": 6})
    assert response.status_code == 400 and not Introduction.objects.exists()
    profile.is_mentor = True
    profile.save()
    advisor.post(url, {"kind": "mentoring", "member": profile.pk, "purpose": "Settle in", "months": 6})
    introduction = Introduction.objects.get()
    services.answer_as_prospect(introduction, True, True, False)
    services.answer_as_party(introduction, True, world.users["member"])
    introduction.refresh_from_db()
    today = timezone.localdate()
    assert introduction.ends_on > today + timedelta(days=170)
    assert introduction.next_check_in_on == today + timedelta(days=30)

    # The reminder goes once, on the day.
    Introduction.objects.filter(pk=introduction.pk).update(next_check_in_on=today)
    mail.outbox.clear()
    assert send_check_in_reminders.call()["reminded"] == 1
    assert send_check_in_reminders.call()["reminded"] == 0
    assert mail.outbox[0].to == ["member@example.fr"]

    response = client_for("member").post(
        reverse("network:my_introduction", args=[introduction.pk]),
        {"action": "check_in", "held_on": today.isoformat(), "note": "Settling well, found a coworking desk"},
    )
    assert response.status_code == 302
    assert CheckIn.objects.filter(introduction=introduction).count() == 1
    introduction.refresh_from_db()
    assert introduction.next_check_in_on == today + timedelta(days=30)
    assert household.interactions.filter(summary__contains="coworking desk").exists()


def test_advisor_records_meeting_and_outcome(world, client_for):
    profile = member_profile(world)
    household = make_household(world.territory_a, **PROSPECT)
    introduction = services.propose_introduction(
        household, actor=world.users["advisor_a"], kind="introduction", purpose="x", member=profile
    )
    services.answer_as_prospect(introduction, True, False, False)
    services.answer_as_party(introduction, True, world.users["member"])
    client = client_for("advisor_a")
    url = reverse("network:staff_introduction", args=["gers", introduction.pk])
    client.post(url, {"action": "met", "met_on": "2026-10-01"})
    client.post(url, {"action": "outcome", "outcome": "Found a first client"})
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.CLOSED and introduction.met_on == date(2026, 10, 1)
    assert household.interactions.filter(summary__contains="Found a first client").exists()


# --- Membership renewal, figures, personal data -------------------------------------------------------------------


def test_renewal_reminder_goes_once_and_unrenewed_memberships_lapse(world):
    today = timezone.localdate()
    profile = member_profile(world, renewal_on=today + timedelta(days=20))
    assert send_membership_reminders.call()["reminded"] == 1
    assert send_membership_reminders.call()["reminded"] == 0
    assert mail.outbox[0].to == ["member@example.fr"] and "renew" in mail.outbox[0].subject  # English member
    MemberProfile.objects.filter(pk=profile.pk).update(renewal_on=today - timedelta(days=61))
    assert send_membership_reminders.call()["lapsed"] == 1
    profile.refresh_from_db()
    assert profile.status == MemberProfile.Status.LAPSED
    assert not MemberProfile.objects.visible_to(world.users["member"]).exists()


def test_club_size_counts_members_on_a_date(world):
    member_profile(world, member_since=date(2020, 1, 1))
    other = make_user("lea@example.fr", "Léa", (RoleKind.MEMBER, world.territory_a))
    member_profile(world, user=other, member_since=date(2024, 1, 1), ended_on=date(2025, 6, 1), status="ended")
    user = User.objects.create_user(email="x@example.fr", full_name="X", is_active=False)
    MemberProfile.objects.create(
        user=user, territory=world.territory_a, status="applied", member_since=date(2019, 1, 1)
    )
    assert club_size(world.territory_a, date(2019, 6, 1)) == 0
    assert club_size(world.territory_a, date(2024, 6, 1)) == 2
    assert club_size(world.territory_a, date(2025, 6, 1)) == 1
    assert club_size(world.territory_b, date(2025, 6, 1)) == 0


def test_household_introductions_are_exported_and_erased(world):
    profile = member_profile(world)
    household = make_household(world.territory_a, **PROSPECT)
    introduction = services.propose_introduction(
        household, actor=world.users["advisor_a"], kind="introduction", purpose="Talk", member=profile
    )
    services.answer_as_prospect(introduction, True, True, True)
    sections = dict(result for _receiver, result in collect_household_data.send(sender=Household, household=household))
    assert sections["introductions"][0]["email_given"] == "helene.durand@example.fr"
    erase_household_data.send(sender=Household, household=household)
    introduction.refresh_from_db()
    assert introduction.shared_email == introduction.shared_phone == introduction.prospect_name == ""
    assert introduction.purpose == "" and introduction.status == Introduction.Status.PROPOSED


def test_a_member_who_leaves_loses_the_club_pages_and_comes_back_when_renewed(world, client_for):
    profile = member_profile(world)
    client = client_for("advisor_a")
    client.post(reverse("network:staff_member", args=["gers", profile.pk]), {"action": "end"})
    profile.refresh_from_db()
    assert profile.status == MemberProfile.Status.ENDED and profile.ended_on == timezone.localdate()
    assert client_for("member").get(reverse("network:my_profile")).status_code == 404
    assert not MemberProfile.objects.visible_to(world.users["platform_admin"]).filter(pk=profile.pk).exists()
    client.post(reverse("network:staff_member", args=["gers", profile.pk]), {"action": "renew"})
    profile.refresh_from_db()
    assert profile.status == MemberProfile.Status.ACTIVE and profile.renewal_on > timezone.localdate()
    assert client_for("member").get(reverse("network:my_profile")).status_code == 200


def test_introduction_lists_run_a_bounded_number_of_queries(world, client_for, django_assert_max_num_queries):
    profile = member_profile(world)
    partner = Partner.objects.create(territory=world.territory_a, name="Compta", kind="accountant", services="x")
    PartnerContact.objects.create(partner=partner, full_name="N", user=world.users["partner"])
    for i in range(12):
        household = make_household(world.territory_a, **PROSPECT, email=f"p{i}@example.fr")
        Introduction.objects.create(territory=world.territory_a, household=household, member=profile, purpose="a")
        Introduction.objects.create(territory=world.territory_a, household=household, partner=partner, purpose="b")
    staff, member, partner_client = client_for("advisor_a"), client_for("member"), client_for("partner")
    with django_assert_max_num_queries(10):
        assert staff.get(reverse("network:staff_introductions", args=["gers"])).status_code == 200
    with django_assert_max_num_queries(8):
        page = member.get(reverse("network:my_introductions"))
    assert page.content.decode().count("/club/mises-en-relation/") >= 12
    with django_assert_max_num_queries(8):
        page = partner_client.get(reverse("network:my_introductions"))
    assert "Compta" in page.content.decode() and page.content.decode().count("/club/mises-en-relation/") >= 12


def test_prospect_file_lists_its_introductions_in_one_query(world, client_for):
    profile = member_profile(world)
    household = make_household(world.territory_a, **PROSPECT)
    client = client_for("advisor_a")
    client.get(household.get_absolute_url())  # warm up the session
    with CaptureQueriesContext(connection) as before:
        client.get(household.get_absolute_url())
    for i in range(5):
        other = make_user(f"m{i}@example.fr", f"Member {i}", (RoleKind.MEMBER, world.territory_a))
        member = member_profile(world, user=other)
        Introduction.objects.create(territory=world.territory_a, household=household, member=member, purpose="x")
    Introduction.objects.create(territory=world.territory_a, household=household, member=profile, purpose="y")
    with CaptureQueriesContext(connection) as after:
        page = client.get(household.get_absolute_url()).content.decode()
    assert "Member 4" in page and "Thomas Member" in page
    assert len(after.captured_queries) <= len(before.captured_queries) + 2


def test_prospect_link_after_the_other_side_declined_says_it_is_closed(world, client):
    profile = member_profile(world)
    household = make_household(world.territory_a, **PROSPECT)
    introduction = services.propose_introduction(
        household, actor=world.users["advisor_a"], kind="introduction", purpose="x", member=profile
    )
    services.answer_as_party(introduction, False, world.users["member"])
    url = reverse("network:answer", args=[services.introduction_token(introduction)])
    assert "plus ouverte" in client.get(url).content.decode()
    client.post(url, {"action": "accept", "share_email": "on"})
    introduction.refresh_from_db()
    assert introduction.prospect_answer == Answer.PENDING and introduction.shared_email == ""


def test_renewing_a_membership_is_a_contact_with_the_settled_file(world):
    """The retention job counts the club: an active member's file does not go stale."""
    household = make_household(world.territory_a, **PROSPECT, last_contact_on=date(2020, 1, 1))
    profile = member_profile(world, household=household, renewal_on=date(2021, 1, 1))
    services.renew_membership(profile, world.users["manager_a"])
    household.refresh_from_db()
    assert household.last_contact_on == timezone.localdate()


def test_introducing_to_a_village_committee_goes_through_a_referral(world, client_for):
    """Introductions are to members and partners; the page sends a village's committee to the referral."""
    household = make_household(world.territory_a, **PROSPECT)
    page = client_for("advisor_a").get(reverse("network:introduce", args=["gers", household.pk])).content.decode()
    assert reverse("committees:refer", args=["gers", household.pk]) in page
