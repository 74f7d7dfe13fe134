"""Demo data: a realistic programme in the Gers and a second territory, the Lot, sized like the real thing.

Deterministic: the same seed gives the same people every time. Every demo account has the password `demo`.
Later issues add their own part (prospects, events, housing …) to `load_demo`.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from sohosolo.accounts.demo import DEMO_DOMAIN, DEMO_LOGINS, DEMO_PASSWORD, PERSONAS, load_two_factor_devices
from sohosolo.accounts.models import CommitteeFunction, Role, RoleKind, User
from sohosolo.committees.demo import load_committees
from sohosolo.demo_checks import demo_problems
from sohosolo.events.demo import load_events
from sohosolo.housing.demo import load_housing
from sohosolo.intranet.demo import load_intranet
from sohosolo.network.demo import load_network
from sohosolo.privacy.demo import load_privacy
from sohosolo.prospects.demo import load_prospects
from sohosolo.results.figures import refresh_figures
from sohosolo.territory.communes import load_communes
from sohosolo.territory.models import SERVICES, BroadbandQuality, Commune, Goal, Hub, Territory, Village, Weekday

SEED = 32
TERRITORIES = {
    "gers": {
        "name": "Soho Solo Gers",
        "departement": "32",
        "main_town": "32013",  # Auch
        "email": "sohosolo@demo.sohosolo.fr",
        "phone": "05 62 61 62 61",
        "address": "CCI du Gers, 1 place Jean-David, 32000 Auch",
        "goals": {2025: (400, 36), 2026: (420, 40), 2027: (450, 45)},
        "hubs": [
            ("Gare de Toulouse-Matabiau", "station", 43.61130, 1.45360),
            ("Aéroport Toulouse-Blagnac", "airport", 43.63500, 1.36780),
            ("Gare d'Agen", "station", 44.20740, 0.62010),
        ],
    },
    "lot": {
        "name": "Soho Solo Lot",
        "departement": "46",
        "main_town": "46042",  # Cahors
        "email": "sohosolo.lot@demo.sohosolo.fr",
        "phone": "05 65 20 35 00",
        "address": "CCI du Lot, 107 quai Cavaignac, 46000 Cahors",
        "goals": {2026: (130, 12), 2027: (140, 14)},
        "hubs": [
            ("Gare de Cahors", "station", 44.44920, 1.43400),
            ("Aéroport Brive–Vallée de la Dordogne", "airport", 45.03920, 1.48560),
        ],
    },
}

# Partner villages: real communes of each département.
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
        "Castelnau d'Auzan Labarrère",
    ],
    "lot": [
        "Saint-Cirq-Lapopie",
        "Puy-l'Évêque",
        "Martel",
        "Cajarc",
        "Assier",
        "Lacapelle-Marival",
        "Limogne-en-Quercy",
        "Montcuq-en-Quercy-Blanc",
        "Castelnau-Montratier",
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


PROSPECTS_SCALE = {"gers": 1.0, "lot": 0.3}
# The demo is drawn as it stands at noon, Paris time, on its reference day.
DEMO_HOUR = time(12)


def demo_instant(today: date) -> datetime:
    """The moment a demo drawn for `today` stands at."""
    return datetime.combine(today, DEMO_HOUR, tzinfo=ZoneInfo(settings.TIME_ZONE))


def load_demo(prospects_scale: float = 1.0, today: date | None = None) -> dict[str, int]:
    """Fill an empty database with the demo programme as it stands on `today` (by default the real day); return how
    many of each thing were made.

    The clock stands still while the demo is drawn: at noon of `today` when it is given, so that the same day gives
    the same database whatever the real date and hour; at the real instant otherwise, so that a load that runs past
    midnight is still drawn for one day. Every row goes through `sohosolo.demo_checks` before the transaction commits:
    a draw that breaks a rule of the domain fails loudly and leaves the database empty.

    `prospects_scale` shrinks the prospects' history (tests use a small one to stay quick)."""
    now = demo_instant(today) if today is not None else timezone.now()
    with time_machine.travel(now, tick=False), transaction.atomic():
        counts = _load_demo(prospects_scale, timezone.localdate(), timezone.now())
        refresh_figures()  # the dashboard's per-day rows, counted at once rather than by the worker
        problems = demo_problems(timezone.localdate(), timezone.now())
        if problems:
            raise DemoInconsistent(problems)
    return counts


class DemoInconsistent(Exception):
    """The demo's draw broke a rule of the domain (a bug of the generator): nothing of it is saved."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The demo data break rules of the domain:\n- " + "\n- ".join(problems))


def _load_demo(prospects_scale: float, today: date, now: datetime) -> dict[str, int]:
    rng = random.Random(SEED)
    fake = Faker("fr_FR")
    fake.seed_instance(SEED)
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would take minutes

    territories = make_territories()
    villages = {(v.territory.code, v.slug): v for v in make_villages(territories, rng)}

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
    referents: set[str] = set()

    def function(slug: str | None) -> str:
        # The first volunteer of each committee (the persona, where there is one) is its referent.
        if slug is None:
            return ""
        if slug in referents:
            return CommitteeFunction.MEMBER
        referents.add(slug)
        return CommitteeFunction.REFERENT

    Role.objects.bulk_create(
        [
            Role(
                user=saved[users[index].email],
                kind=kind,
                territory=territories[code] if code else None,
                village=villages[(code, slug)] if slug else None,
                committee_function=function(slug),
            )
            for index, kind, code, slug in roles
        ],
        batch_size=500,
    )
    load_two_factor_devices(User.objects.filter(email__in=[email for email, _label in DEMO_LOGINS]))
    prospects = [
        load_prospects(
            territories[code],
            list(User.objects.filter(roles__kind=RoleKind.ADVISOR, roles__territory=territories[code]).order_by("pk")),
            rng,
            fake,
            today,
            scale * prospects_scale,
        )
        for code, scale in PROSPECTS_SCALE.items()
    ]
    # The club's members become settled households: before the events, whose workshops register them by name.
    network = [load_network(territories[code], today) for code in PROSPECTS_SCALE]
    events = [
        load_events(territories[code], rng, today, scale * prospects_scale) for code, scale in PROSPECTS_SCALE.items()
    ]
    for code in territories:
        load_intranet(territories[code], rng, now)
    committees = [load_committees(territories[code], rng, today, now) for code in PROSPECTS_SCALE]
    housing = [load_housing(territories[code], rng, fake, today, now) for code in PROSPECTS_SCALE]
    privacy = [load_privacy(territory, rng, today) for territory in territories.values()]
    return {
        "prospects": sum(p["households"] for p in prospects),
        "committee referrals": sum(c["referrals"] for c in committees),
        "housing offers": sum(h["housing offers"] for h in housing),
        "files anonymised (retention)": sum(p["anonymised"] for p in privacy),
        "event registrations": sum(e["registrations"] for e in events),
        "settled families": sum(p["settled families"] for p in prospects),
        "territories": len(territories),
        "villages": len(villages),
        "users": len(users),
        "volunteers": sum(1 for r in roles if r[1] == RoleKind.VOLUNTEER),
        "club members": sum(1 for r in roles if r[1] == RoleKind.MEMBER),
        "partners": sum(n["partners"] for n in network),
        "introductions": sum(n["introductions"] for n in network),
    }


def make_territories() -> dict[str, Territory]:
    if not Commune.objects.filter(departement__in=[t["departement"] for t in TERRITORIES.values()]).exists():
        load_communes(departements=[t["departement"] for t in TERRITORIES.values()])
    territories = {}
    for code, spec in TERRITORIES.items():
        territory = Territory.objects.create(
            code=code,
            name=spec["name"],
            departement=spec["departement"],
            main_town=Commune.objects.get(pk=spec["main_town"]),
            email=spec["email"],
            phone=spec["phone"],
            address=spec["address"],
        )
        Goal.objects.bulk_create(
            Goal(territory=territory, year=year, contacts=contacts, families_settled=families)
            for year, (contacts, families) in spec["goals"].items()
        )
        Hub.objects.bulk_create(
            Hub(territory=territory, name=name, kind=kind, latitude=lat, longitude=lon, position=i)
            for i, (name, kind, lat, lon) in enumerate(spec["hubs"])
        )
        territories[code] = territory
    return territories


ASSOCIATIONS = [
    "Comité des fêtes",
    "Club de rugby",
    "Foyer rural",
    "Association des parents d'élèves",
    "Chorale",
    "Club de randonnée",
    "Bibliothèque associative",
    "Atelier théâtre",
    "Club de pétanque",
    "Jumelage",
]
MARKET_DAYS = {  # weekday: (French, English) for the presentations
    Weekday.TUESDAY: ("le mardi matin", "on Tuesday mornings"),
    Weekday.WEDNESDAY: ("le mercredi matin", "on Wednesday mornings"),
    Weekday.THURSDAY: ("le jeudi matin", "on Thursday mornings"),
    Weekday.FRIDAY: ("le vendredi matin", "on Friday mornings"),
    Weekday.SATURDAY: ("le samedi matin", "on Saturday mornings"),
}


def make_villages(territories: dict[str, Territory], rng: random.Random) -> list[Village]:
    """The partner villages, with services in keeping with their size and a presentation drawn from real facts."""
    made = []
    for code, names in VILLAGES.items():
        territory = territories[code]
        communes = {c.name: c for c in Commune.objects.filter(departement=territory.departement, name__in=names)}
        for i, name in enumerate(names):
            commune = communes[name]
            size = commune.population or 0
            big = min(1.0, size / 3000)
            services = {field: rng.random() < 0.25 + 0.7 * big for field, _label in SERVICES}
            services["has_station"] = rng.random() < 0.1 * big
            services["has_school"] = services["has_school"] or size > 400
            village = Village(
                territory=territory,
                commune=commune,
                partner_since=date(2007 + i % 12, 1 + i % 12, 1),
                council_decision_date=date(2006 + i % 12, 1 + (i * 5) % 12, 10 + i % 15),
                status=Village.Status.PAUSED if i % 17 == 16 else Village.Status.ACTIVE,
                broadband=rng.choice(
                    [BroadbandQuality.FIBRE, BroadbandQuality.FIBRE, BroadbandQuality.GOOD, BroadbandQuality.AVERAGE]
                ),
                market_day=rng.choice(list(MARKET_DAYS)) if services["has_market"] else "",
                associations="\n".join(rng.sample(ASSOCIATIONS, k=2 + int(4 * big))),
                committee_email=f"comite.{slugify(name)}@{DEMO_DOMAIN}",
                **services,
            )
            village.presentation_fr, village.presentation_en = presentations(village)
            village.save()
            made.append(village)
    return made


def presentations(village: Village) -> tuple[str, str]:
    commune = village.commune
    town = village.territory.main_town
    distance = village.distance_to_main_town()
    population_fr = f"{commune.population:,}".replace(",", "\u202f")
    fr = [f"{commune.name} compte {population_fr} habitants et fait partie de la {commune.epci_name}."]
    en = [f"{commune.name} has {commune.population:,} inhabitants and belongs to the {commune.epci_name}."]
    if distance is not None and distance > 1:
        article = "d'" if town.name[0].upper() in "AEIOUYÉÈÊÂÎÔH" else "de "
        fr.append(f"Le village est à {distance:.0f} km à vol d'oiseau {article}{town.name}.")
        en.append(f"The village lies {distance:.0f} km from {town.name} as the crow flies.")
    if village.broadband == BroadbandQuality.FIBRE:
        fr.append("La fibre optique y est disponible : on peut y travailler à distance dans de bonnes conditions.")
        en.append("Fibre broadband is available: working remotely here is easy.")
    if village.has_market:
        day_fr, day_en = MARKET_DAYS[village.market_day]
        fr.append(f"Le marché se tient {day_fr}.")
        en.append(f"The market is held {day_en}.")
    fr.append("Le comité d'accueil vous fait visiter le village et vous aide à trouver un logement.")
    en.append("The welcome committee shows you round the village and helps you find a home.")
    return " ".join(fr), " ".join(en)
