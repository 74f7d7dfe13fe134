"""Permission matrix lines for the campaigns app: the team's campaigns of a territory, the readers' unsubscribe link."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, every, only

OUTSIDERS = ("advisor_b", "volunteer_a1", "member", "partner")


def territory(w) -> list:
    return [w.territory_a.code]


def campaign(w) -> list:
    return [w.territory_a.code, w.campaign.pk]


EXPECTED: dict = {
    "campaigns:list": (territory, only(TEAM_A)),
    "campaigns:create": (territory, only(TEAM_A)),
    "campaigns:detail": (campaign, only(TEAM_A)),
    "campaigns:edit": (campaign, only(TEAM_A)),
    "campaigns:test": (campaign, only(STAFF_POST_ONLY)),
    "campaigns:send": (campaign, only(STAFF_POST_ONLY)),
    # Public: the token in the URL is the key; a forged one is 404 for everyone.
    "campaigns:unsubscribe": (lambda w: ["forged-token"], every(404)),
}

NEW_CAMPAIGN = {"audience": "members", "subject_fr": "Pirate", "body_fr": "Texte pirate"}

POST: dict = {
    "campaigns:create": (territory, OUTSIDERS, NEW_CAMPAIGN),
    "campaigns:edit": (campaign, OUTSIDERS, NEW_CAMPAIGN),
    "campaigns:test": (campaign, OUTSIDERS, {}),
    "campaigns:send": (campaign, OUTSIDERS, {}),
}

POST_EXEMPT: dict[str, str] = {
    "campaigns:unsubscribe": "public: the recipient's unguessable token in the URL is the key (forged: 404); mail "
    "clients' one-click unsubscribe (RFC 8058) posts without a session or a CSRF token",
}


def build(world) -> None:
    """A draft campaign of territory A to the prospects of the manager's saved view."""
    from sohosolo.campaigns.models import Campaign

    world.campaign = Campaign.objects.create(
        territory=world.territory_a,
        audience="saved_view",
        saved_view=world.saved_view,
        subject_fr="Réunion d'information",
        body_fr="Venez nous voir **jeudi**.",
        subject_en="Information meeting",
        body_en="Come and see us on **Thursday**.",
        created_by=world.users["manager_a"],
    )
