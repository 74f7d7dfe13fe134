"""The data export gathers every app's section (privacy/personal_data.py) and shows it readably, whatever its keys."""

from __future__ import annotations

import time_machine
from django.template.loader import render_to_string
from django.utils import timezone


def test_a_section_with_a_key_named_items_is_shown():
    """A housing proposal's "items" must not be read as the mapping's own .items method (nor the reverse)."""
    html = render_to_string(
        "privacy/_value.html", {"value": {"sent_to": "a@example.fr", "items": [{"village": "Lectoure"}]}}
    )
    assert "Lectoure" in html and "a@example.fr" in html
    assert "Ce qui a été proposé" in html  # the key's label, in French


def test_the_personal_space_lists_proposals_and_introductions_to_answer(world):
    """Housing proposals and introductions come to the household's personal space, with their links to answer."""
    from django.test import Client

    from sohosolo.housing.models import Proposal, ProposalItem
    from sohosolo.network.models import MemberProfile
    from tests.privacy_helpers import full_household, open_space

    household = full_household(world)
    proposal = Proposal.objects.create(territory=world.territory_a, household=household)
    ProposalItem.objects.create(proposal=proposal, village=world.village_a1)
    member = MemberProfile.objects.create(user=world.users["member"], territory=world.territory_a, status="active")
    from sohosolo.network.models import Introduction

    Introduction.objects.create(territory=world.territory_a, household=household, member=member, purpose="Conseils")
    client = Client()
    open_space(client)
    # The answer link is signed with the time of the second it is made: the clock stands still while both are made.
    with time_machine.travel(timezone.now(), tick=False):
        page = client.get("/mon-espace/").content.decode()
        assert proposal.answer_url() in page
    assert "1 réponse attendue" in page
    assert "Mise en relation avec" in page and "/mise-en-relation/" in page


def test_the_privacy_notice_names_the_map_tiles_server(db, client, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert "tiles.example.org" in client.get("/confidentialite/").content.decode()
