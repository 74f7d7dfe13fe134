"""Permission matrix lines for the appointments app (format: tests/matrix_site.py)."""

from __future__ import annotations

EXPECTED: dict = {}

POST: dict = {}

POST_EXEMPT: dict[str, str] = {}


def build(world) -> None:
    """The objects of territory A the appointments URLs need."""
