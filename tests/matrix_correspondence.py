"""Permission matrix lines for the correspondence app (format: tests/matrix_site.py): the territory's email
templates and writing to a household from its file, for territory A's team only."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, only

OUTSIDERS = ("advisor_b",)  # staff of territory B


def code(w) -> list:
    return [w.territory_a.code]


def template(w) -> list:
    return [w.territory_a.code, w.email_template.pk]


def household(w) -> list:
    return [w.territory_a.code, w.household.pk]


EXPECTED: dict = {
    "correspondence:templates": (code, only(TEAM_A)),
    "correspondence:template_edit": (template, only(TEAM_A)),
    "correspondence:template_delete": (template, only(STAFF_POST_ONLY)),
    "correspondence:compose": (household, only(TEAM_A)),
}

TEMPLATE_DATA = {"name": "Modèle pirate", "language": "fr", "subject": "Pirate", "body": "Bonjour {first_name}"}

POST: dict = {
    "correspondence:templates": (code, OUTSIDERS, TEMPLATE_DATA),
    "correspondence:template_edit": (template, OUTSIDERS, TEMPLATE_DATA),
    "correspondence:template_delete": (template, OUTSIDERS, {}),
    "correspondence:compose": (
        household,
        OUTSIDERS,
        lambda w: {
            "action": "send",
            "recipient": w.main_contact.pk,
            "language": "fr",
            "subject": "Pirate",
            "body": "Bonjour {first_name}",
        },
    ),
}

POST_EXEMPT: dict[str, str] = {}


def build(world) -> None:
    """A French email template of territory A."""
    from sohosolo.correspondence.models import EmailTemplate

    world.email_template = EmailTemplate.objects.create(
        territory=world.territory_a, name="Bienvenue", language="fr", subject="Bienvenue", body="Bonjour {first_name}"
    )
