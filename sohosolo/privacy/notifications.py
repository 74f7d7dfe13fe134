"""The privacy emails: personal-space links, rights requests for the managers, retention warnings."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from sohosolo.accounts.models import RoleKind, User
from sohosolo.lib.emails import send_email, send_email_to_user


def managers_of(territory_id: int):
    return User.objects.filter(
        is_active=True, roles__kind=RoleKind.MANAGER, roles__territory_id=territory_id
    ).distinct()


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def url_in(language: str, name: str, args: list | None = None) -> str:
    """An absolute address in `language` (French at the root, English under /en/)."""
    with translation.override(language):
        return absolute(reverse(name, args=args or []))


def notify_managers_of_request(request) -> None:
    """Each manager of the territory, in their language; the territory's contact address when it has none."""
    managers = list(managers_of(request.territory_id))
    for manager in managers:
        send_email_to_user(
            manager,
            "privacy-request-received",
            {
                "request": request,
                "url": url_in(manager.language, "privacy:request_detail", [request.territory.code, request.pk]),
            },
        )
    if not managers and request.territory.email:
        url = url_in(settings.LANGUAGE_CODE, "privacy:request_detail", [request.territory.code, request.pk])
        send_email(request.territory.email, "privacy-request-received", {"request": request, "url": url})


def send_space_link(person, household, token: str) -> None:
    language = household.language
    send_email(
        person.email,
        "privacy-space-link",
        {
            "first_name": person.first_name,
            "url": url_in(language, "privacy:space_open", [token]),
            "minutes": settings.PERSONAL_SPACE_LINK_MINUTES,
            "territory": household.territory,
        },
        language=language,
    )
