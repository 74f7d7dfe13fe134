"""The wordings people agree to, one per purpose, each with a version: a consent records the version it was given on.

Change a wording's text → give it a new version, so that older consents keep pointing to what people really read.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sohosolo.privacy.models import Consent

WORDINGS = {
    Consent.Purpose.FOLLOW_UP: (
        "2026-11",
        _(
            "I agree that the Soho Solo team keeps the information of this form to follow my settling project and "
            "contacts me about it. Required to be followed."
        ),
    ),
    Consent.Purpose.SHARING: (
        "2026-11",
        _(
            "I agree that the welcome committees of the partner villages I am interested in see my first name, my "
            "household, my project and my wishes, to help me find a home and settle."
        ),
    ),
    Consent.Purpose.NEWS: (
        "2026-11",
        _("I would like to receive the programme's news (information meetings, workshops, open houses)."),
    ),
}


# How a consent was recorded (`Consent.source`), worded for the person reading their data.
SOURCES = {
    "application form": _("application form"),
    "event registration": _("event registration"),
    "settling interview": _("settling interview"),
    "phone call": _("said orally, on a phone call"),
    "fair": _("said orally, at a fair or show"),
    "walk-in": _("said orally, at the desk"),
}


def source_label(source: str) -> str:
    return str(SOURCES.get(source, source))


def record_consents(household, answers: dict[str, bool], language: str, source: str, recorded_by=None) -> list[Consent]:
    """Store one consent per purpose, on the current wording in the person's language. A "no" ends the earlier
    "yes" for that purpose, so that what is in force is always the latest answer. `recorded_by`: the team member
    who recorded a consent given orally."""
    from django.utils import timezone

    refused = [purpose for purpose in WORDINGS if not answers.get(purpose)]
    household.consents.in_force().filter(purpose__in=refused).update(withdrawn_at=timezone.now())
    consents = []
    with translation.override(language):
        for purpose, (version, wording) in WORDINGS.items():
            consents.append(
                Consent(
                    household=household,
                    purpose=purpose,
                    given=bool(answers.get(purpose)),
                    wording_version=version,
                    wording=str(wording),
                    language=language,
                    source=source,
                    recorded_by=recorded_by,
                )
            )
    return Consent.objects.bulk_create(consents)


def has_consent(household, purpose: str) -> bool:
    """The most recent answer for `purpose` is a yes that was not withdrawn."""
    latest = household.consents.filter(purpose=purpose).order_by("-recorded_at", "-pk").first()
    return bool(latest and latest.given and latest.withdrawn_at is None)


def settle_consents(household) -> None:
    """After consents of two files were put together: for each purpose, the latest answer alone stays in force."""
    from django.utils import timezone

    for purpose in WORDINGS:
        latest = household.consents.filter(purpose=purpose).order_by("-recorded_at", "-pk").first()
        if latest is not None:
            household.consents.in_force().filter(purpose=purpose).exclude(pk=latest.pk).update(
                withdrawn_at=timezone.now()
            )
