"""Keyset pagination: a page is "the rows after (or before) this one in this order", never an OFFSET.

The cost of a page stays the same on page 1 and on page 4,000: the database starts reading its index at the cursor
instead of counting its way there. A cursor is the row's sort key and primary key, `2026-03-14.1234`, in the URL as
`?apres=` (the next page) or `?avant=` (the previous one). A cursor that is not one (an old bookmark, a typed URL)
shows the first page, as a wrong filter does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

AFTER, BEFORE = "apres", "avant"


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None
    previous_cursor: str | None

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def parse_cursor(field, text: str | None) -> tuple[Any, int] | None:
    if not text or len(text) > 80 or "." not in text:
        return None
    key, _dot, pk = text.rpartition(".")
    if not pk.isdigit() or len(pk) > 18:
        return None
    try:
        value = field.to_python(key)
    except ValidationError:
        return None
    return (value, int(pk)) if value is not None else None


def cursor_of(row, name: str) -> str:
    value = getattr(row, name)
    return f"{value.isoformat() if hasattr(value, 'isoformat') else value}.{row.pk}"


def keyset_page(queryset: QuerySet, key: str, size: int, params) -> KeysetPage:
    """The page of `queryset` ordered by `key` (a non-null field, "-name" for descending) then by primary key in
    the same direction, after the cursor `params["apres"]` or before `params["avant"]` (a QueryDict or dict).
    An index on (…filters, key, id) makes each page a short index range."""
    name = key.lstrip("-")
    descending = key.startswith("-")
    field = queryset.model._meta.get_field(name)
    after = parse_cursor(field, params.get(AFTER))
    before = None if after else parse_cursor(field, params.get(BEFORE))
    cursor = after or before
    forwards = before is None
    if cursor:
        value, pk = cursor
        # Rows past the cursor in the reading direction; the first condition alone lets the index start there.
        past = "lt" if descending == forwards else "gt"
        queryset = queryset.filter(
            Q(**{f"{name}__{past}e": value}), Q(**{f"{name}__{past}": value}) | Q(**{name: value, f"pk__{past}": pk})
        )
    order = [key, "-pk" if descending else "pk"]
    if not forwards:
        order = [o[1:] if o.startswith("-") else f"-{o}" for o in order]
    rows = list(queryset.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forwards:
        rows.reverse()
    if not rows:
        return KeysetPage([], None, None)
    if forwards:
        next_cursor = cursor_of(rows[-1], name) if more else None
        previous_cursor = cursor_of(rows[0], name) if cursor else None
    else:
        next_cursor = cursor_of(rows[-1], name)
        previous_cursor = cursor_of(rows[0], name) if more else None
    return KeysetPage(rows, next_cursor, previous_cursor)
