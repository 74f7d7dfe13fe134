"""Permission matrix lines for the intranet app: news, threads, documents, notice board (see test_permissions)."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, every, only  # noqa: F401

EXPECTED: dict = {}


def build(world) -> None:
    """Add to the matrix's world the objects this app's URLs need (world.household, world.event … already exist)."""
