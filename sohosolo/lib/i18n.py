"""Language helpers that know nothing of the domain."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.urls import translate_url


def set_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    """Remember `language` in the browser, with the project's cookie settings (as Django's set_language does)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def in_language(url: str, language: str) -> str:
    """The same page in `language` (/espace/ ↔ /en/espace/), or `url` itself when it has no translation."""
    return translate_url(url, language)
