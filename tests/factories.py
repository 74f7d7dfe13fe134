"""One way to make the records the tests need: plain functions, keyword arguments, sensible defaults.

Each record is made as the application would leave it (a household's search text filled, a person's keys, a role in
its scope); a test names only what matters to it. The personas and their territories are conftest.py's `world`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import timezone
from django.utils.text import slugify

from sohosolo.accounts.models import Role, RoleKind, User
from sohosolo.privacy.consents import record_consents
from sohosolo.prospects.models import FollowUp, Household, Interaction, Person
from sohosolo.territory.models import Commune, Territory, Village

PASSWORD = "correct horse battery staple"


# --- The map -------------------------------------------------------------------------------------------------------


def make_commune(
    insee_code: str, name: str, *, population: int = 1000, latitude: float = 43.6, longitude: float = 0.6, **fields
) -> Commune:
    """A commune in its département (the first two digits of its code), its outline a small triangle around it."""
    fields.setdefault("departement", insee_code[:2])
    fields.setdefault(
        "outline",
        f"[[[{longitude - 0.05},{latitude - 0.04}],[{longitude + 0.05},{latitude - 0.04}],"
        f"[{longitude},{latitude + 0.05}]]]",
    )
    return Commune.objects.create(
        insee_code=insee_code, name=name, population=population, latitude=latitude, longitude=longitude, **fields
    )


def make_territory(code: str, main_town: Commune, *, name: str = "", **fields) -> Territory:
    """A territory of the programme around `main_town`, in its département; named "Soho Solo <Code>" by default."""
    fields.setdefault("departement", main_town.departement)
    return Territory.objects.create(code=code, name=name or f"Soho Solo {code.title()}", main_town=main_town, **fields)


def make_village(territory: Territory, commune: Commune, **fields) -> Village:
    """A partner village of `territory` (its name and slug are the commune's)."""
    return Village.objects.create(territory=territory, commune=commune, **fields)


# --- People with an account ----------------------------------------------------------------------------------------


def make_user(email: str, name: str, *roles: tuple, language: str = "fr", **fields) -> User:
    """A user whose password is PASSWORD, with one role per (kind, scope) of `roles`: the scope is a village for a
    volunteer (their territory is the village's), a territory otherwise."""
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=name, language=language, **fields)
    for kind, scope in roles:
        if kind == RoleKind.VOLUNTEER:
            Role.objects.create(user=user, kind=kind, village=scope, territory=scope.territory)
        else:
            Role.objects.create(user=user, kind=kind, territory=scope)
    return user


# --- Prospects -----------------------------------------------------------------------------------------------------


def email_of(first_name: str, last_name: str) -> str:
    """The address a test's person has unless told otherwise: "Hélène Léger" is helene.leger@example.fr."""
    local = ".".join(part for part in (slugify(first_name), slugify(last_name)) if part)
    return f"{local or 'contact'}@example.fr"


def make_person(
    household: Household,
    *,
    first_name: str = "",
    last_name: str = "",
    kind: str = Person.Kind.ADULT,
    email: str = "",
    phone: str = "",
    **fields,
) -> Person:
    """A member of `household` (an adult by default; a child is `kind="child", birth_year=...`)."""
    return Person.objects.create(
        household=household, kind=kind, first_name=first_name, last_name=last_name, email=email, phone=phone, **fields
    )


def make_household(
    territory: Territory,
    *,
    first_name: str = "Hélène",
    last_name: str = "Léger",
    email: str | None = None,
    phone: str = "06 12 34 56 78",
    members: Iterable[dict] = (),
    villages: Iterable[Village] = (),
    sharing: bool | None = None,
    **fields,
) -> Household:
    """A prospect's file in `territory`, a new one (stage "new", no advisor) unless `fields` say otherwise.

    Its main contact comes first: `first_name` `last_name`, with `phone` and `email` (by default made of the names,
    see email_of; "" for none). `members` are the other people of the household, each a dict of make_person's
    keywords. `villages` are its villages of interest. `sharing`: None records no consent; True or False records the
    follow-up consent given and the sharing with the committees given or refused, in the household's language.
    The search text is filled, as the application does after each change."""
    household = Household.objects.create(territory=territory, **fields)
    make_person(
        household,
        is_main_contact=True,
        first_name=first_name,
        last_name=last_name,
        email=email_of(first_name, last_name) if email is None else email,
        phone=phone,
    )
    for member in members:
        make_person(household, **member)
    if villages:
        household.villages_of_interest.add(*villages)
    if sharing is not None:
        record_consents(household, {"follow_up": True, "sharing": sharing}, household.language, source="test")
    household.refresh_search_text()
    return household


def followed_household(world) -> Household:
    """A file of territory A followed by its advisor, interested in village A1, which agreed to sharing."""
    return make_household(
        world.territory_a,
        last_name="Durand",
        advisor=world.users["advisor_a"],
        stage="follow_up",
        villages=[world.village_a1],
        sharing=True,
    )


def make_follow_up(
    household: Household, title: str = "Rappeler", *, due_on: date | None = None, assignee: User | None = None, **fields
) -> FollowUp:
    """Something to do for `household`, due today unless `due_on` says otherwise, assigned to `assignee` (or nobody)."""
    return FollowUp.objects.create(
        household=household, title=title, due_on=due_on or timezone.localdate(), assignee=assignee, **fields
    )


def make_interaction(
    household: Household,
    summary: str = "Premier appel : projet solide.",
    *,
    kind: str = Interaction.Kind.NOTE,
    author: User | None = None,
    **fields,
) -> Interaction:
    """An entry of `household`'s timeline (a note, now, by default), found by the search as the application does."""
    interaction = Interaction.objects.create(household=household, kind=kind, summary=summary, author=author, **fields)
    household.refresh_search_text()
    return interaction
