"""Permission matrix lines for the results app (merged into tests/test_permissions.py's EXPECTED)."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, every, only  # noqa: F401

EXPECTED: dict = {
    "results:dashboard": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "results:goals": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "results:annual_report": (lambda w: [w.territory_a.code, 2025, "xlsx"], only(TEAM_A)),
}


def build(world) -> None:
    """Add to the matrix's world the objects this app's URLs need (world.household, world.event … already exist)."""
