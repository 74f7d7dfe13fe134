"""Demo data: a realistic programme in the Gers and a second territory, the Lot, sized like the real thing.

Deterministic: the same seed gives the same people every time. Every demo account has the password `demo`.
Later issues add their own part (prospects, events, housing …) to `load_demo`.
"""

from __future__ import annotations

import random
import unicodedata

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from faker import Faker

from sohosolo.accounts.models import Role, RoleKind, User
from sohosolo.territory.models import Territory, Village

SEED = 32
DEMO_PASSWORD = "demo"
DEMO_DOMAIN = "demo.sohosolo.fr"

# The persona accounts, shown on the sign-in page in demo mode and listed in the README.
PERSONAS = [
    # email, full name, role, territory code, village slug, description
    ("admin", "Hélène Marty", RoleKind.PLATFORM_ADMIN, None, None, _("Platform administrator")),
    ("manager.gers", "Sophie Laborde", RoleKind.MANAGER, "gers", None, _("Programme manager, Gers")),
    ("advisor.gers", "Julien Castaing", RoleKind.ADVISOR, "gers", None, _("Advisor, Gers")),
    ("advisor.lot", "Camille Delpech", RoleKind.ADVISOR, "lot", None, _("Advisor, Lot")),
    ("volunteer.lectoure", "Bernard Dubarry", RoleKind.VOLUNTEER, "gers", "lectoure", _("Volunteer, Lectoure")),
    ("volunteer.marciac", "Monique Lacoste", RoleKind.VOLUNTEER, "gers", "marciac", _("Volunteer, Marciac")),
    ("member", "Thomas Girard", RoleKind.MEMBER, "gers", None, _("Soho Solo club member, Gers")),
    ("partner", "Nathalie Soulé", RoleKind.PARTNER, "gers", None, _("Partner (accountant), Gers")),
]
DEMO_LOGINS = [(f"{login}@{DEMO_DOMAIN}", label) for login, _name, _kind, _t, _v, label in PERSONAS]

TERRITORIES = [
    ("gers", "Soho Solo Gers", "32"),
    ("lot", "Soho Solo Lot", "46"),
]

# Partner villages: real communes of each département (the territory issue links them to the official data).
VILLAGES = {
    "gers": [
        "Lectoure",
        "Marciac",
        "Fleurance",
        "Mirande",
        "Eauze",
        "Vic-Fezensac",
        "Samatan",
        "Lombez",
        "Gimont",
        "Mauvezin",
        "Saint-Clar",
        "Montréal",
        "La Romieu",
        "Valence-sur-Baïse",
        "Nogaro",
        "Riscle",
        "Aignan",
        "Plaisance",
        "Masseube",
        "Simorre",
        "Cologne",
        "Barran",
        "Bassoues",
        "Jegun",
        "Castéra-Verduzan",
        "Saramon",
        "Miélan",
        "Montesquiou",
        "Seissan",
        "Lavardens",
        "Fourcès",
        "Sarrant",
        "Cazaubon",
        "Saint-Puy",
        "Miradoux",
        "Montestruc-sur-Gers",
        "Aubiet",
        "Monfort",
        "Solomiac",
        "Estang",
        "Manciet",
        "Beaumarchés",
        "Castelnau-Barbarens",
        "Cazaux-Savès",
        "Montaut-les-Créneaux",
        "Peyrusse-Grande",
        "Larressingle",
        "Saint-Mont",
        "Tillac",
        "Pavie",
        "Castelnau-d'Auzan-Labarrère",
    ],
    "lot": [
        "Saint-Cirq-Lapopie",
        "Puy-l'Évêque",
        "Martel",
        "Cajarc",
        "Labastide-Murat",
        "Lacapelle-Marival",
        "Limogne-en-Quercy",
        "Montcuq-en-Quercy-Blanc",
        "Castelnau-Montratier-Sainte-Alauzie",
        "Souillac",
        "Gramat",
        "Luzech",
    ],
}

# Sizes of the real programme in the Gers; the Lot is a younger, smaller one.
TEAM_SIZE = {"gers": 3, "lot": 2}  # advisors besides the personas
VOLUNTEERS_PER_VILLAGE = (4, 8)  # about 300 volunteers over 51 villages
CLUB_MEMBERS = {"gers": 220, "lot": 40}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def database_is_empty() -> bool:
    return not User.objects.exists() and not Territory.objects.exists()


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Fill an empty database with the demo programme; return how many of each thing were made."""
    rng = random.Random(SEED)
    fake = Faker("fr_FR")
    fake.seed_instance(SEED)
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would take minutes

    territories = {
        code: Territory.objects.create(code=code, name=name, departement=dep) for code, name, dep in TERRITORIES
    }
    villages = {}
    for code, names in VILLAGES.items():
        for name in names:
            villages[(code, slugify(name))] = Village.objects.create(
                territory=territories[code], name=name, slug=slugify(name)
            )

    users: list[User] = []
    roles: list[tuple[int, RoleKind, str | None, str | None]] = []
    emails: set[str] = set()

    def add_user(email: str, full_name: str, language: str = "fr", **fields) -> int:
        emails.add(email)
        users.append(User(email=email, full_name=full_name, password=password, language=language, **fields))
        return len(users) - 1

    for login, full_name, kind, territory_code, village_slug, _label in PERSONAS:
        index = add_user(
            f"{login}@{DEMO_DOMAIN}",
            full_name,
            is_staff=kind == RoleKind.PLATFORM_ADMIN,
            is_superuser=kind == RoleKind.PLATFORM_ADMIN,
        )
        roles.append((index, kind, territory_code, village_slug))

    def add_person(kind: RoleKind, territory_code: str, village_slug: str | None = None) -> None:
        while True:
            first, last = fake.first_name(), fake.last_name()
            email = f"{_ascii(first)}.{_ascii(last)}@{DEMO_DOMAIN}".replace(" ", "-").replace("'", "")
            if email not in emails:
                break
        # About one newcomer in ten in the club speaks English at home (many Britons settle in the South-West).
        language = "en" if kind == RoleKind.MEMBER and rng.random() < 0.1 else "fr"
        roles.append((add_user(email, f"{first} {last}", language), kind, territory_code, village_slug))

    for code in territories:
        for _i in range(TEAM_SIZE[code]):
            add_person(RoleKind.ADVISOR, code)
        for name in VILLAGES[code]:
            for _i in range(rng.randint(*VOLUNTEERS_PER_VILLAGE)):
                add_person(RoleKind.VOLUNTEER, code, slugify(name))
        for _i in range(CLUB_MEMBERS[code]):
            add_person(RoleKind.MEMBER, code)

    User.objects.bulk_create(users, batch_size=500)
    saved = {u.email: u for u in User.objects.filter(email__in=emails)}
    Role.objects.bulk_create(
        [
            Role(
                user=saved[users[index].email],
                kind=kind,
                territory=territories[code] if code else None,
                village=villages[(code, slug)] if slug else None,
            )
            for index, kind, code, slug in roles
        ],
        batch_size=500,
    )
    return {
        "territories": len(territories),
        "villages": len(villages),
        "users": len(users),
        "volunteers": sum(1 for r in roles if r[1] == RoleKind.VOLUNTEER),
        "club members": sum(1 for r in roles if r[1] == RoleKind.MEMBER),
    }
