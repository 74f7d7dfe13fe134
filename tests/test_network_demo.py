"""The demo network: members drawn from the settled households, the personas' profile and organisation."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sohosolo.accounts.models import User
from sohosolo.network.models import Introduction, MemberProfile, Partner
from sohosolo.network.stats import club_size
from sohosolo.prospects.models import FOLLOWED_STAGES, Household, Interaction, Stage
from sohosolo.prospects.services import settle_household
from sohosolo.territory.models import Territory
from tests.conftest import load_demo_of_the_tests


@pytest.fixture
def demo(db, on_demo_day):
    load_demo_of_the_tests(0.05)


def test_demo_club_members_are_settled_households_and_the_personas_have_their_place(demo):
    gers = Territory.objects.get(code="gers")
    profiles = MemberProfile.objects.filter(territory=gers)
    assert profiles.count() == 221  # every member user of the Gers, as the README says
    linked = profiles.filter(household__isnull=False).select_related("household", "user")
    assert linked.count() >= 20
    for profile in linked[:20]:
        assert profile.household.stage == Stage.SETTLED
        assert profile.commune_id == profile.household.settled_commune_id
        assert profile.user.full_name == profile.household.main_contact.full_name
    persona = profiles.get(user__email="member@demo.sohosolo.fr")
    assert persona.is_listed and persona.visibility == MemberProfile.Visibility.PUBLIC and persona.is_mentor
    assert Introduction.objects.addressed_to(persona.user).exists()
    partner_user = User.objects.get(email="partner@demo.sohosolo.fr")
    assert Partner.objects.filter(contacts__user=partner_user, kind=Partner.Kind.ACCOUNTANT).exists()
    assert Introduction.objects.addressed_to(partner_user).exists()
    assert Partner.objects.filter(territory=gers).values("kind").distinct().count() >= 7
    introduction = Introduction.objects.filter(territory=gers, status=Introduction.Status.ACCEPTED).first()
    assert Interaction.objects.filter(household=introduction.household, data__introduction=introduction.pk).exists()
    # The club grew over the years.
    assert 0 < club_size(gers, date(2012, 1, 1)) < club_size(gers, timezone.localdate()) <= 221


def test_demo_personas_open_their_network_pages(demo):
    client = Client()
    client.post(reverse("accounts:login"), {"username": "member@demo.sohosolo.fr", "password": "demo"})
    assert client.get(reverse("network:my_profile")).status_code == 200
    page = client.get(reverse("network:my_introductions")).content.decode()
    assert "votre réponse est attendue" in page or "Acceptée" in page or "Proposée" in page
    public = Client().get(reverse("network:directory"), {"q": "Girard"}).content.decode()
    assert "Thomas Girard" in public
    partner = Client()
    partner.post(reverse("accounts:login"), {"username": "partner@demo.sohosolo.fr", "password": "demo"})
    assert partner.get(reverse("network:my_introductions")).status_code == 200
    assert "Soulé" in Client().get(reverse("network:partners")).content.decode()


def test_a_settled_demo_household_invitation_leads_to_its_profile_in_the_directory(
    demo, django_capture_on_commit_callbacks
):
    """A followed demo household settles: the welcome sequence invites it to the club; it activates its account,
    makes its profile public and is found in the public directory."""
    # Any followed household with an email: at this small scale, on some days none is at the follow-up stage.
    household = (
        Household.objects.filter(territory__code="gers", stage__in=FOLLOWED_STAGES, members__is_main_contact=True)
        .exclude(members__email="")
        .order_by("pk")
        .first()
    )
    contact = household.main_contact
    village = household.territory.villages.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        settle_household(household, village.commune, timezone.localdate(), 2, household.advisor)
    profile = MemberProfile.objects.get(household=household)
    invitation = next(m for m in mail.outbox if m.to == [contact.email] and "/activer/" in m.body)
    link = re.search(r"https?://\S*/activer/\S+", invitation.body).group(0)
    client = Client()
    password = "x-long-phrase-1"
    response = client.post(
        re.sub(r"^https?://[^/]+", "", link),
        {"full_name": contact.full_name, "language": "fr", "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 302
    assert contact.full_name not in Client().get(reverse("network:directory"), {"q": contact.last_name}).text
    client.post(
        reverse("network:my_profile"),
        {
            "visibility": "public",
            "headline": "Graphiste",
            "activity": "freelancer",
            "skills_text": "Graphisme",
            "commune": village.commune.pk,
        },
    )
    profile.refresh_from_db()
    assert profile.visibility == "public" and profile.is_listed and profile.commune == village.commune
    assert contact.full_name in Client().get(reverse("network:directory"), {"q": contact.last_name}).text
