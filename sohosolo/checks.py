"""Deploy checks: `manage.py check --deploy` refuses a configuration that is unsafe in production."""

from __future__ import annotations

import os

from django.conf import settings
from django.core import checks

DEV_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@checks.register(checks.Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    errors: list[checks.CheckMessage] = []
    if settings.SECRET_KEY == settings.INSECURE_DEV_SECRET_KEY:
        errors.append(
            checks.Error(
                "SECRET_KEY is not set: the development key would let anyone forge sessions.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value.",
                id="sohosolo.E001",
            )
        )
    web_concurrency = int(os.environ.get("WEB_CONCURRENCY", "1") or 1)
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and web_concurrency > 1:
        errors.append(
            checks.Error(
                "SQLite with several app server processes: writes would queue behind one another and the "
                "database file cannot be shared between servers.",
                hint="Set DATABASE_URL to a PostgreSQL database, or run a single process (WEB_CONCURRENCY=1).",
                id="sohosolo.E002",
            )
        )
    if settings.MAILERS.get("default", {}).get("BACKEND") in DEV_EMAIL_BACKENDS:
        errors.append(
            checks.Error(
                "No real email backend: invitations and password resets would never reach anyone.",
                hint="Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) to send by SMTP.",
                id="sohosolo.E003",
            )
        )
    unsafe = sorted(
        {source for sources in settings.SECURE_CSP.values() for source in sources}
        & {"'unsafe-inline'", "'unsafe-eval'", "*"}
    )
    if unsafe:
        errors.append(
            checks.Error(
                f"The Content-Security-Policy allows {', '.join(unsafe)}: injected code would run.",
                hint="Keep scripts and styles in static files; inline scripts carry the CSP nonce.",
                id="sohosolo.E005",
            )
        )
    if not settings.SITE_URL.startswith("https://"):
        errors.append(
            checks.Error(
                "SITE_URL is not an https:// address: cookies would not be Secure, HSTS and the HTTPS redirect are "
                "off, and links in emails would be sent in clear.",
                hint="Serve the platform over HTTPS and set SITE_URL=https://…",
                id="sohosolo.E006",
            )
        )
    if settings.DEMO_MODE:
        errors.append(
            checks.Error(
                "DEMO_MODE is on: the sign-in page would show the demo logins.",
                hint="Unset DEMO_MODE in production.",
                id="sohosolo.E004",
            )
        )
    return errors
