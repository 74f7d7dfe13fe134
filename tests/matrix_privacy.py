"""Permission matrix lines for the privacy app: personal space, legal pages, rights requests, access log."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, every, only

MANAGERS_A = {"platform_admin": 200, "manager_a": 200, "advisor_a": 403}
OUTSIDERS = ("advisor_b",)  # staff of territory B

EXPECTED: dict = {
    # The personal space: a form for everyone; its pages need a space opened by a one-time link (403 without).
    "privacy:space": (lambda w: [], every(200)),
    "privacy:space_open": (lambda w: ["forged-token"], every(404)),
    "privacy:space_close": (lambda w: [], every(405)),
    "privacy:space_consent": (lambda w: [], every(405)),
    "privacy:space_request": (lambda w: [], every(405)),
    **{
        name: (lambda w: [], every(403))
        for name in (
            "privacy:space_project",
            "privacy:space_documents",
            "privacy:space_data",
            "privacy:space_data_json",
            "privacy:space_erase",
        )
    },
    "privacy:keep_in_touch": (lambda w: ["forged-token"], every(404)),
    "privacy:notice": (lambda w: [], every(200)),
    "privacy:legal": (lambda w: [], every(200)),
    "privacy:accessibility": (lambda w: [], every(200)),
    # Managers answer rights requests and read the access log; advisors see the territory but may not (403).
    "privacy:requests": (lambda w: [w.territory_a.code], only(MANAGERS_A)),
    "privacy:request_create": (lambda w: [w.territory_a.code], only(MANAGERS_A)),
    "privacy:access_log": (lambda w: [w.territory_a.code], only(MANAGERS_A)),
    **{
        name: (lambda w: [w.territory_a.code, w.rights_request.pk], only(MANAGERS_A))
        for name in ("privacy:request_detail", "privacy:request_export", "privacy:request_export_json")
    },
    "privacy:request_anonymise": (lambda w: [w.territory_a.code, w.rights_request.pk], only(STAFF_POST_ONLY)),
}


def rights_request(w) -> list:
    return [w.territory_a.code, w.rights_request.pk]


POST: dict = {
    "privacy:request_create": (
        lambda w: [w.territory_a.code],
        OUTSIDERS,
        lambda w: {"household_number": w.household.pk, "kind": "erasure", "received_on": "2026-01-05"},
    ),
    "privacy:request_detail": (rights_request, OUTSIDERS, {"status": "done", "outcome": "Répondu (pirate)"}),
    # An open erasure request (of territory A's other file): confirmed, it would erase the household's data.
    "privacy:request_anonymise": (
        lambda w: [w.territory_a.code, w.erasure_request.pk],
        OUTSIDERS,
        {"confirm": "yes"},
    ),
}

SPACE = (
    "the prospect's personal space: no account, no territory in the URL; it is opened by a one-time link sent by "
    "email and kept in the visitor's own session (its pages are 403 without it, see EXPECTED)"
)
SPACE_ACTIONS = (
    "privacy:space_close",
    "privacy:space_project",
    "privacy:space_documents",
    "privacy:space_consent",
    "privacy:space_erase",
    "privacy:space_request",
)
POST_EXEMPT: dict[str, str] = {
    "privacy:space": "public: asks for a one-time link to the personal space by email (throttled)",
    "privacy:space_open": "public: the one-time link's token in the URL is the key (forged tokens are 404)",
    "privacy:keep_in_touch": "public: the retention warning's signed token in the URL is the key (forged: 404)",
    **dict.fromkeys(SPACE_ACTIONS, SPACE),
}


def build(world) -> None:
    """An access request about territory A's household, and an erasure request about its other file."""
    from sohosolo.privacy.models import RightsRequest

    world.rights_request = RightsRequest.objects.create(
        territory=world.territory_a, household=world.household, kind=RightsRequest.Kind.ACCESS
    )
    world.erasure_request = RightsRequest.objects.create(
        territory=world.territory_a, household=world.other_household, kind=RightsRequest.Kind.ERASURE
    )
