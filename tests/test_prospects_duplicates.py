"""Applying again lands on the same file: the same phone written differently, or the same names and town whatever the
accents; placeholder phones never join strangers."""

from __future__ import annotations

from django.test import Client

from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import Household, Interaction
from tests.prospects_helpers import apply


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


def test_same_names_and_town_match_whatever_the_accents(world):
    apply(Client(), current_town="Montréal", email="a@example.fr", phone="")
    apply(Client(), current_town="MONTREAL", email="b@example.fr", phone="", first_name="Helene")
    assert Household.objects.count() == 1


def test_placeholder_phones_never_merge_strangers(world):
    apply(Client(), phone="00 00 00 00 00", email="un@example.fr", last_name="Un")
    apply(Client(), phone="0000000000", email="deux@example.fr", last_name="Deux")
    assert Household.objects.count() == 2
