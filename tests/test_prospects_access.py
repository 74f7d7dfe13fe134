"""Who sees a prospect: its territory's advisors; a committee, only what is shared and with consent; nobody else."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from sohosolo.audit.models import ActionLog
from sohosolo.privacy.consents import record_consents
from tests.factories import make_household


def test_advisor_of_another_territory_cannot_open_the_file(world, client_for):
    household = make_household(world.territory_a)
    assert client_for("advisor_b").get(household.get_absolute_url()).status_code == 404
    response = client_for("advisor_b").post(
        reverse("prospects:add_interaction", args=["gers", household.pk]), {"kind": "note", "summary": "x"}
    )
    assert response.status_code == 404 and not household.interactions.exists()


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
