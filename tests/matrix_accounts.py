"""Permission matrix lines for sign-in security: two-factor sign-in and re-confirmation (see test_permissions).

The matrix's clients are signed in past their second factor (staff) and gave their password just now."""

from __future__ import annotations

from tests.matrix import every

EXPECTED: dict = {
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


def build(world) -> None:
    """Nothing to add: these pages are about the signed-in person."""
