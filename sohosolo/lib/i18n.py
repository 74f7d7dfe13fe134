"""Language helpers that know nothing of the domain.

There is no language cookie: the address carries the language (French at the root, English under /en/), and a
signed-in user's profile keeps theirs for emails and for where signing in leads."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import translate_url
from django.utils import translation


def in_language(url: str, language: str) -> str:
    """The same page in `language` (/espace/ ↔ /en/espace/), or `url` itself when it has no translation.

    `url` is read in its own language (its prefix), whatever the language of the request that asks."""
    own = translation.get_language_from_path(urlsplit(url).path) or settings.LANGUAGE_CODE
    with translation.override(own):
        return translate_url(url, language)
