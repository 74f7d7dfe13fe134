"""Permission matrix lines for the correspondence app (format: tests/matrix_site.py)."""

from __future__ import annotations

EXPECTED: dict = {}

POST: dict = {}

POST_EXEMPT: dict[str, str] = {}


def build(world) -> None:
    """The objects of territory A the correspondence URLs need."""
