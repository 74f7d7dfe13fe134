"""Permission matrix lines for the campaigns app (format: tests/matrix_site.py)."""

from __future__ import annotations

EXPECTED: dict = {}

POST: dict = {}

POST_EXEMPT: dict[str, str] = {}


def build(world) -> None:
    """The objects of territory A the campaigns URLs need."""
