"""Language helpers that know nothing of the domain.

There is no language cookie: the address carries the language (French at the root, English under /en/), and a
signed-in user's profile keeps theirs for emails and for where signing in leads."""

from __future__ import annotations

from django.urls import translate_url


def in_language(url: str, language: str) -> str:
    """The same page in `language` (/espace/ ↔ /en/espace/), or `url` itself when it has no translation."""
    return translate_url(url, language)
