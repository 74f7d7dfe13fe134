"""Shorthands for the permission matrix (tests/test_permissions.py and the per-app tests/matrix_<app>.py)."""

from __future__ import annotations

from tests.conftest import PERSONAS

TEAM_A = {"platform_admin": 200, "manager_a": 200, "advisor_a": 200}
# POST-only staff actions: a GET is refused (405) once the user is known to be staff; no data is shown either way.
STAFF_POST_ONLY = {"platform_admin": 405, "manager_a": 405, "advisor_a": 405, "advisor_b": 405}


def only(allowed: dict[str, int], anonymous: int = 302, others: int = 404) -> dict[str, int]:
    """Expected codes: `allowed` personas as given, anonymous sent to sign in, everybody else 404."""
    return {persona: allowed.get(persona, others) for persona in PERSONAS} | {"anonymous": anonymous}


def every(code: int, anonymous: int | None = None) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, code) | ({"anonymous": anonymous} if anonymous else {})
