"""A file opened by the team from a phone call, a fair or a walk-in: duplicates warned of, oral consent recorded."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import Household, Interaction
from tests.factories import make_household

pytestmark = pytest.mark.django_db

CALL = {
    "channel": "phone call",
    "first_name": "Élodie",
    "last_name": "Marchand",
    "email": "",
    "phone": "06 12 34 56 78",
    "current_town": "Bordeaux",
    "source": "press",
    "activity": "",
    "language": "fr",
    "note": "A entendu parler du programme à la radio ; cherche une maison près d'Auch.",
    "consent_follow_up": "on",
    "consent_news": "on",
}


def new_url(world, **query) -> str:
    url = reverse("prospects:new", args=[world.territory_a.code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_an_advisor_opens_a_file_from_a_call_with_the_oral_consent_recorded(world, client_for):
    advisor = world.users["advisor_a"]
    response = client_for("advisor_a").post(new_url(world), CALL | {"advisor": advisor.pk})
    household = Household.objects.get(members__last_name="Marchand")
    assert response.status_code == 302 and response.url == household.get_absolute_url()
    assert household.territory == world.territory_a and household.advisor == advisor
    assert household.source == "press" and household.current_town == "Bordeaux"
    entry = household.interactions.get()
    assert entry.kind == Interaction.Kind.CALL and "radio" in entry.summary and entry.author == advisor
    consents = {c.purpose: c for c in household.consents.all()}
    assert consents[Consent.Purpose.FOLLOW_UP].given and consents[Consent.Purpose.NEWS].given
    assert not consents[Consent.Purpose.SHARING].given
    for consent in consents.values():
        assert consent.recorded_by == advisor and consent.source == "phone call"
        assert consent.wording and consent.wording_version and consent.language == "fr"
    assert mail.outbox == []  # no acknowledgment unless asked


def test_the_acknowledgment_goes_only_when_asked_in_the_persons_language(world, client_for):
    data = CALL | {"email": "elodie@example.org", "language": "en", "send_acknowledgment": "on"}
    client_for("advisor_a").post(new_url(world), data)
    assert [m.to for m in mail.outbox] == [["elodie@example.org"]]
    assert mail.outbox[0].extra_headers["Content-Language"] == "en"


def test_a_file_needs_the_persons_agreement_and_a_way_to_reach_them(world, client_for):
    response = client_for("advisor_a").post(new_url(world), CALL | {"phone": "", "email": "", "consent_follow_up": ""})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"email", "consent_follow_up"}
    assert not Household.objects.filter(members__last_name="Marchand").exists()


def test_the_duplicate_warning_while_typing_links_to_the_existing_file(world, client_for):
    existing = make_household(world.territory_a, first_name="Elodie", last_name="MARCHAND", phone="+33612345678")
    other_territory = make_household(world.territory_b, first_name="Élodie", last_name="Marchand", phone="0612345678")
    client = client_for("advisor_a")
    url = reverse("prospects:new_duplicates", args=[world.territory_a.code])
    response = client.get(url, {"phone": "06.12.34.56.78"}, headers={"HX-Request": "true"})
    assert existing.get_absolute_url() in response.text
    assert other_territory.get_absolute_url() not in response.text
    assert "<html" not in response.text  # a fragment
    # Half a phone number or half an email matches nothing yet.
    assert existing.get_absolute_url() not in client.get(url, {"phone": "06 12"}).text
    assert existing.get_absolute_url() not in client.get(url, {"email": "elodie@"}).text


def test_a_likely_duplicate_is_not_opened_twice_unless_the_advisor_says_it_is_another_person(world, client_for):
    existing = make_household(world.territory_a, first_name="Élodie", last_name="Marchand", phone="0612345678")
    client = client_for("advisor_a")
    response = client.post(new_url(world), CALL)
    assert response.status_code == 400 and existing.get_absolute_url() in response.text
    assert Household.objects.filter(members__last_name="Marchand").count() == 1
    response = client.post(new_url(world), CALL | {"create_anyway": "on"})
    assert response.status_code == 302
    assert Household.objects.filter(members__last_name="Marchand").count() == 2


def test_fair_mode_comes_back_empty_keeping_the_stands_choices_with_no_rate_limit(world, client_for):
    client = client_for("advisor_a")
    for number in range(8):
        data = CALL | {
            "channel": "fair",
            "source": "fair",
            "phone": f"06 00 00 00 {number:02}",
            "last_name": f"N{number}",
        }
        response = client.post(new_url(world, salon=1), data)
        assert response.status_code == 302, response.content
        assert "salon=1" in response.url and "source=fair" in response.url and "channel=fair" in response.url
    page = client.get(response.url)
    assert page.context["form"]["source"].value() == "fair" and page.context["last"].display_name.endswith("N7")
    assert Household.objects.filter(territory=world.territory_a, consents__source="fair").distinct().count() == 8
