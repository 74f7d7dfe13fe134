"""Two advisors on the same file: a save over someone else's newer change is refused with who, when and what they
changed; the stage history's "from" is always the stage the file really had."""

from __future__ import annotations

from django.urls import reverse

from sohosolo.prospects.models import Household, Interaction
from sohosolo.prospects.services import change_stage
from tests.factories import make_household


def edit_form(client, household) -> dict:
    """The edit form as the page sends it back, unchanged: its fields' current values."""
    form = client.get(reverse("prospects:edit", args=["gers", household.pk])).context["form"]
    members = household.members.get()
    names = ("current_town", "language", "notes", "version", "project", "activity")
    data = {name: form[name].value() for name in names}
    return {key: "" if value is None else value for key, value in data.items()} | {
        "members-TOTAL_FORMS": 1,
        "members-INITIAL_FORMS": 1,
        "members-0-id": members.pk,
        "members-0-is_main_contact": "on",
        "members-0-kind": "adult",
        "members-0-first_name": members.first_name,
        "members-0-last_name": members.last_name,
        "members-0-email": members.email,
    }


def test_a_save_over_a_newer_change_is_refused_and_the_other_change_is_never_lost(world, client_for):
    household = make_household(world.territory_a, current_town="Lyon")
    url = reverse("prospects:edit", args=["gers", household.pk])
    mine, theirs = client_for("advisor_a"), client_for("manager_a")
    my_form, their_form = edit_form(mine, household), edit_form(theirs, household)
    changed = their_form | {"current_town": "Toulouse", "activity": "creation", "members-0-email": "neuf@example.fr"}
    assert theirs.post(url, changed).status_code == 302

    stale = mine.post(url, my_form | {"notes": "Rappeler jeudi"})
    assert stale.status_code == 409
    text = stale.text
    assert world.users["manager_a"].full_name in text and "Toulouse" in text and "neuf@example.fr" in text
    assert "creation" not in text.split("warning")[1].split("</div>")[0]  # the choice's label, not its code
    household.refresh_from_db()
    assert household.current_town == "Toulouse" and household.notes == ""  # nothing of the stale form saved
    # The form now holds their change and my other answers, on the current version: saving again loses nothing.
    again = stale.context["form"].data
    assert again["notes"] == "Rappeler jeudi" and again["current_town"] == "Toulouse"
    assert stale.context["members"].data["members-0-email"] == "neuf@example.fr"
    assert mine.post(url, again).status_code == 302
    household.refresh_from_db()
    assert (household.notes, household.current_town, household.activity) == ("Rappeler jeudi", "Toulouse", "creation")
    assert household.members.get().email == "neuf@example.fr" and household.version == 2


def test_the_stage_history_says_the_stage_the_file_really_had(world):
    household = make_household(world.territory_a)
    seen_by_first = Household.objects.get(pk=household.pk)  # both opened the file at stage "new"
    seen_by_second = Household.objects.get(pk=household.pk)
    change_stage(seen_by_first, "first_interview", "", world.users["advisor_a"])
    change_stage(seen_by_second, "follow_up", "", world.users["manager_a"])
    moves = [(e.data["from"], e.data["to"]) for e in household.interactions.filter(kind=Interaction.Kind.STAGE)]
    assert sorted(moves) == [("first_interview", "follow_up"), ("new", "first_interview")]
