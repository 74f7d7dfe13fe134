"""Permission matrix lines for the accounts app: sign-in, the person's own account, two-factor sign-in and
re-confirmation, the territory's team (see tests/matrix_site.py for the format, tests/test_permissions.py runs them).

The matrix's clients are signed in past their second factor (staff) and gave their password just now."""

from __future__ import annotations

from tests.matrix import TEAM_A, every, only

OUTSIDERS = ("advisor_b",)  # staff of territory B


def code(w) -> list:
    return [w.territory_a.code]


EXPECTED: dict = {
    "accounts:login": (lambda w: [], every(302, anonymous=200)),  # signed-in users go to their space
    "accounts:logout": (lambda w: [], every(405)),  # POST only
    "accounts:profile": (lambda w: [], every(200, anonymous=302)),
    "accounts:password_change": (lambda w: [], every(200, anonymous=302)),
    "accounts:password_reset": (lambda w: [], every(200)),
    "accounts:password_reset_done": (lambda w: [], every(200)),
    "accounts:password_reset_confirm": (lambda w: ["MQ", "bad-token"], every(200)),  # says the link is invalid
    "accounts:activate": (lambda w: ["forged-token"], every(404)),
    "accounts:team": (code, only(TEAM_A)),
    "accounts:invite": (code, only({"platform_admin": 200, "manager_a": 200, "advisor_a": 403})),
    # Already verified, or nothing owed: straight on to where they were going.
    "accounts:two_factor_verify": (lambda w: [], every(302)),
    # Staff move to a new phone; the others turn it on.
    "accounts:two_factor_setup": (lambda w: [], every(200, anonymous=302)),
    # Staff have codes; the others, without an app, are sent to set one up first.
    "accounts:recovery_codes": (
        lambda w: [],
        every(302) | {"platform_admin": 200, "manager_a": 200, "advisor_a": 200, "advisor_b": 200},
    ),
    "accounts:two_factor_disable": (lambda w: [], every(405, anonymous=302)),  # POST only
    "accounts:reauthenticate": (lambda w: [], every(200, anonymous=302)),
}

POST: dict = {
    # The team page only reads, but nothing says GET only: a POST must not get further than a GET.
    "accounts:team": (code, OUTSIDERS, {"role": "advisor"}),
    "accounts:invite": (
        code,
        OUTSIDERS,
        {"email": "intruder@example.fr", "full_name": "Intrus", "language": "fr", "kind": "advisor"},
    ),
}

SIGN_IN = "public: the sign-in and account recovery pages, for people not signed in yet"
OWN_ACCOUNT = "the signed-in person's own account (no territory, no one else's record in the URL)"
POST_EXEMPT: dict[str, str] = {
    "accounts:login": SIGN_IN,
    "accounts:logout": "ends the requester's own session",
    "accounts:password_reset": SIGN_IN,
    "accounts:password_reset_confirm": SIGN_IN + " (the signed link in the URL is the key)",
    "accounts:activate": "public: an invitation's signed token is the key (forged tokens are 404, see EXPECTED)",
    "accounts:two_factor_verify": SIGN_IN + " (the requester's own second factor)",
    "accounts:profile": OWN_ACCOUNT,
    "accounts:password_change": OWN_ACCOUNT,
    "accounts:two_factor_setup": OWN_ACCOUNT,
    "accounts:recovery_codes": OWN_ACCOUNT,
    "accounts:two_factor_disable": OWN_ACCOUNT,
    "accounts:reauthenticate": OWN_ACCOUNT,
}


def build(world) -> None:
    """Nothing to add: these pages are about the signed-in person or territory A's team."""
