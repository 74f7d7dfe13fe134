"""A settled household with everything a file can hold, for the privacy tests."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.core import mail
from django.test import Client
from django.utils import timezone

from sohosolo.audit.log import log_action
from sohosolo.events.models import Event
from sohosolo.events.services import register
from sohosolo.privacy.consents import record_consents
from sohosolo.prospects.models import FollowUp, Household, Interaction, Person
from sohosolo.territory.models import Commune

NAME_FIRST = "Gwendoline"
NAME_LAST = "Quintard-Hérault"
EMAIL = "gwendoline.quintard@exemple.fr"
PHONE = "06 12 34 56 78"


def full_household(world, settled: bool = True) -> Household:
    household = Household.objects.create(
        territory=world.territory_a,
        stage="settled" if settled else "follow_up",
        advisor=world.users["advisor_a"],
        activity="freelancer",
        source="press",
        sector="Graphisme pour Gwendoline Studio",
        current_country="Belgique",
        current_town="Namur",
        project=f"Nous, {NAME_FIRST} et Paul, voulons ouvrir la brasserie Zorglub.",
        notes=f"Appeler {NAME_FIRST} le soir au {PHONE}.",
        notes_for_committee="Aime la randonnée.",
        first_contact_on=date(2025, 3, 4),
        last_contact_on=date(2026, 5, 6),
        settled_on=date(2026, 5, 6) if settled else None,
        settled_commune=Commune.objects.get(insee_code="32208") if settled else None,
        settled_people=3 if settled else None,
        language="fr",
    )
    Person.objects.create(
        household=household,
        is_main_contact=True,
        first_name=NAME_FIRST,
        last_name=NAME_LAST,
        email=EMAIL,
        phone=PHONE,
        birth_year=1985,
    )
    Person.objects.create(household=household, first_name="Paul", last_name=NAME_LAST, birth_year=1984)
    Person.objects.create(household=household, kind=Person.Kind.CHILD, birth_year=2018)
    household.villages_of_interest.add(world.village_a1)
    record_consents(household, {"follow_up": True, "sharing": True, "news": True}, "fr", source="application form")
    Interaction.objects.create(
        household=household, kind="call", summary=f"Appel avec {NAME_FIRST} {NAME_LAST} ({EMAIL}).", data={}
    )
    FollowUp.objects.create(household=household, title=f"Rappeler {NAME_FIRST}", due_on=date(2026, 6, 1))
    household.refresh_search_text()
    start = timezone.now() + timedelta(days=10)
    event = Event.objects.create(
        territory=world.territory_a,
        kind="info_meeting",
        title_fr="Réunion d'information",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    register(event, name=f"{NAME_FIRST} {NAME_LAST}", email=EMAIL, people=2, language="fr", household=household)
    log_action(world.users["advisor_a"], "prospect.read", household)
    log_action(world.users["advisor_a"], "prospect.changed", household, {"email": EMAIL, "phone": PHONE})
    mail.outbox.clear()
    return household


def link_from(message) -> str:
    """The site path of the first link of an email's text."""
    url = re.search(r"https?://\S+", message.body).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def open_space(client: Client, email: str = EMAIL) -> None:
    """Ask for a link as the household would, and open the space with it."""
    mail.outbox.clear()
    client.post("/mon-espace/", {"email": email})
    path = link_from(mail.outbox[-1])
    assert client.post(path).status_code == 302
