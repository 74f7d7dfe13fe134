"""The national-scale dataset of bin/bench-pages: territories, villages, teams, households with their members,
timelines and follow-ups, and housing offers, generated reproducibly (one seed) and loaded fast.

Small tables (territories, villages, users, roles) go through the ORM; the big ones are generated as tuples with
explicit ids and inserted raw: `executemany` in large transactions on SQLite, `COPY … FROM STDIN` on PostgreSQL. The
database's own triggers (stage tallies, full-text index) fire on these inserts as on any other.

Imported by bin/bench-pages after django.setup().
"""

from __future__ import annotations

import functools
import json
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone, translation

from sohosolo.accounts.models import Role, RoleKind, User
from sohosolo.housing.models import HousingOffer
from sohosolo.lib.text import fold, name_key
from sohosolo.prospects.models import (
    FOLLOWED_STAGES,
    FollowUp,
    Household,
    Interaction,
    Person,
    Stage,
    fold_stage_tallies,
)
from sohosolo.results.figures import refresh_figures
from sohosolo.territory.models import Commune, Territory, Village

DATASET_VERSION = 1  # raise when the generated contents change: a dataset of another version is rebuilt
MARKER_TABLE = "bench_dataset"
PASSWORD = "bench-pages"
ADVISORS_PER_TERRITORY = 5
VILLAGES_PER_TERRITORY = 8
VILLAGES_IN_BIG = 24
CHUNK = 5_000  # households generated and inserted per transaction (with their ~10 entries each)
FIRST_DAY = date(2008, 1, 1)
BIG_DEPARTEMENT = "32"  # the Gers: many small communes


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    "Hélène Chloé Léa Zoé Anaïs Inès Maëlle Noémie Amélie Agnès Cécile Valérie Émilie Héloïse Céline Aurélie Mélanie "
    "Thérèse Josée Stéphanie Bérénice Clémence Manon Camille Emma Julie Sophie Claire Marie Laura Sarah Nathalie "
    "Isabelle Juliette Louise Alice Lucie Pauline Margaux Elsa "
    "Gérard Jérôme Frédéric Stéphane Sébastien Benoît Éric Raphaël Gaël Joël Noël Théo Mathéo Loïc Clément Hervé René "
    "André Jérémie Maël Noé Cédric Grégoire Timothée Lucas Hugo Louis Jean Pierre Paul Nicolas Thomas Antoine Julien "
    "Philippe Michel Alain Laurent Olivier Vincent Arthur Jules"
)
LAST_NAMES = [
    *_words(
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèvre Michel Garcia "
        "David Bertrand Roux Vincent Fournier Morel Girard André Lefebvre Mercier Dupont Lambert Bonnet François "
        "Martinez Legrand Garnier Faure Rousseau Blanc Guérin Müller Henry Roussel Perrin Morin Mathieu Clément "
        "Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sánchez Gérard Nguyen Boyer Denis Lemaire Duval Joly "
        "Gautier Roger Roche Roy Noël Meyer Meunier Pérez Marchand Dufour Blanchard Barbier Brun Dumas Brunet Schmitt "
        "Leroux Colin Fernandez Renard Arnaud Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine "
        "Picard Gaillard Leclercq Lacroix Fabre Dupuis Olivier Rodriguez Hubert Guillot Rivière Guillaume Adam Rey "
        "Moulin Gonzalez Berger Lecomte Ménard Fleury Deschamps Carpentier Bénard Maillard Marchal Aubry Vasseur "
        "Renault Jacquet Collet Prévost Poirier Charpentier Royer Huet Baron Dupuy Pons Carré Rémy Schneider Perrot "
        "Guyot Barré Marty Cousin Bélanger Hébert Castéran Dupré Séguin Thévenin Lagarde Daguerre Espérandieu "
        "Labbé Courrège Sévérac Lafitte Cazenave Lesage Bénézech"
    ),
    "Da Silva",
    "Le Gall",
    "Le Roux",
    "N'Diaye",
    "D'Artagnan",
    "Saint-Clair",
]
MAIL_DOMAINS = ["gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr", "hotmail.fr", "yahoo.fr", "proton.me"]
TOWNS = [
    ("Paris", "France", "Île-de-France"),
    ("Lyon", "France", "Auvergne-Rhône-Alpes"),
    ("Bordeaux", "France", "Nouvelle-Aquitaine"),
    ("Toulouse", "France", "Occitanie"),
    ("Nantes", "France", "Pays de la Loire"),
    ("Lille", "France", "Hauts-de-France"),
    ("Marseille", "France", "Provence-Alpes-Côte d'Azur"),
    ("Montpellier", "France", "Occitanie"),
    ("Rennes", "France", "Bretagne"),
    ("Strasbourg", "France", "Grand Est"),
    ("Grenoble", "France", "Auvergne-Rhône-Alpes"),
    ("Nîmes", "France", "Occitanie"),
    ("Orléans", "France", "Centre-Val de Loire"),
    ("Besançon", "France", "Bourgogne-Franche-Comté"),
    ("Saint-Étienne", "France", "Auvergne-Rhône-Alpes"),
    ("Boulogne-Billancourt", "France", "Île-de-France"),
    ("Bruxelles", "Belgique", ""),
    ("Genève", "Suisse", ""),
    ("Montréal", "Canada", ""),
    ("Londres", "Royaume-Uni", ""),
]
SECTORS = [
    "Boulangerie",
    "Informatique",
    "Développement web",
    "Santé",
    "Artisanat d'art",
    "Maraîchage",
    "Conseil en gestion",
    "Tourisme",
    "Enseignement",
    "Menuiserie",
    "Graphisme",
    "Céramique",
    "Comptabilité",
    "Hôtellerie-restauration",
]
PROJECTS = [
    "Nous cherchons une maison avec jardin près d'une école.",
    "Reprendre une épicerie de village et y vivre à l'année.",
    "Télétravail à plein temps, besoin de la fibre.",
    "Ouvrir un atelier de céramique avec une boutique.",
    "S'installer comme infirmière libérale.",
    "Créer des chambres d'hôtes dans une ferme rénovée.",
    "Quitter la ville pour élever nos enfants au calme.",
    "",
]
SUMMARIES = {
    "call": [
        "Appel : questions sur les écoles et la crèche.",
        "Appel : point sur la recherche de logement.",
        "Appel : le conjoint a trouvé un poste à Auch.",
        "Appel de relance, pas de réponse.",
        "Appel : ils hésitent entre deux villages.",
    ],
    "email": [
        "Courriel envoyé avec la liste des logements.",
        "Courriel : envoi du guide d'accueil.",
        "Réponse à leurs questions sur la fibre.",
        "Courriel : invitation à la prochaine réunion.",
    ],
    "meeting": [
        "Rendez-vous à la maison du projet.",
        "Entretien : présentation du projet professionnel.",
        "Rendez-vous avec la chambre de métiers.",
    ],
    "event": ["Participation à la réunion d'information.", "Venus au salon Vivre à la campagne.", "Atelier création."],
    "visit": ["Visite du village avec le comité.", "Séjour découverte de trois jours.", "Visite de deux maisons."],
    "note": [
        "Note : cherche une maison avec jardin.",
        "Note : budget serré, plutôt en location.",
        "Note : très motivés, à suivre de près.",
        "Note : préfèrent un bourg avec des commerces.",
    ],
    "referral": ["Orientés vers le comité d'accueil du village."],
    "proposal": ["Proposition de logements envoyée."],
    "introduction": ["Mise en relation avec un membre du club."],
}
APPLICATION_SUMMARY = "Candidature reçue par le formulaire en ligne."
OTHER_KINDS = ["call"] * 30 + ["email"] * 25 + ["meeting"] * 12 + ["event"] * 8 + ["visit"] * 7 + ["note"] * 12
OTHER_KINDS += ["referral"] * 3 + ["proposal"] * 2 + ["introduction"]
FOLLOW_UP_TITLES = [
    "Rappeler pour faire le point",
    "Envoyer la liste des logements",
    "Proposer une visite du village",
    "Relancer après la réunion d'information",
    "Présenter au comité d'accueil",
    "Vérifier le financement du projet",
]
REASONS = {
    Stage.DROPPED: ["Projet abandonné.", "Installés ailleurs.", "Pas de logement trouvé.", "Emploi du conjoint."],
    Stage.ON_HOLD: ["Projet reporté d'un an.", "Attendent la vente de leur logement.", "Raisons familiales."],
}
# The stages a file goes through, in order, before it ends open, settled, on hold or dropped.
PATH = [Stage.NEW, Stage.FIRST_INTERVIEW, Stage.FOLLOW_UP, Stage.VISIT, Stage.SETTLED]
STAGE_WEIGHTS = {
    Stage.DROPPED: 44,
    Stage.ON_HOLD: 7,
    Stage.SETTLED: 10,
    Stage.NEW: 12,
    Stage.FIRST_INTERVIEW: 8,
    Stage.FOLLOW_UP: 13,
    Stage.VISIT: 6,
}
OFFER_TITLES = {
    "house": ["Maison de village rénovée", "Maison en pierre avec jardin", "Maison de plain-pied près de l'école"],
    "flat": ["Appartement au centre du bourg", "Duplex lumineux au-dessus des commerces"],
    "farmhouse": ["Corps de ferme avec dépendances", "Fermette à rénover avec terrain"],
    "room": ["Chambre chez l'habitant", "Studio meublé"],
    "commercial": ["Commerce avec logement à l'étage", "Ancienne boulangerie avec appartement"],
}


# --- Parameters and the marker ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    households: int
    territories: int
    big: int
    seed: int
    version: int = DATASET_VERSION

    def as_dict(self) -> dict:
        return {"households": self.households, "territories": self.territories, "big": self.big,
                "seed": self.seed, "version": self.version}  # fmt: skip

    def households_of(self, index: int) -> int:
        """How many households territory `index` has: the big one `big`, the others an even share of the rest."""
        if self.territories == 1:
            return self.households
        if index == 0:
            return self.big
        rest, others = self.households - self.big, self.territories - 1
        return rest // others + (1 if index - 1 < rest % others else 0)


def read_marker() -> dict | None:
    """The parameters of the dataset loaded in this database, None when there is none (or it is incomplete)."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if MARKER_TABLE not in tables:
            return None
        cursor.execute(f"SELECT params, seconds FROM {MARKER_TABLE} WHERE complete = 1")
        row = cursor.fetchone()
    return {**json.loads(row[0]), "seconds": row[1]} if row else None


def write_marker(params: Params, seconds: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (params TEXT, seconds REAL, complete INTEGER)")
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (params, seconds, complete) VALUES (%s, %s, 1)",
            [json.dumps(params.as_dict()), seconds],
        )


def start_marker() -> None:
    """Marks the database as a bench one before loading: an interrupted load is found incomplete and rebuilt."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (params TEXT, seconds REAL, complete INTEGER)")
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")


# --- Raw tables -------------------------------------------------------------------------------------------------


class RawTable:
    """One model's table filled with tuples: the columns given, then every other concrete column at its default
    (Django's defaults live in Python, not in the database), converted for the database as a save() would."""

    def __init__(self, model, given: list[str]) -> None:
        self.model, self.given = model, given
        self.name = model._meta.db_table
        now = timezone.now()
        rest, values = [], []
        for f in model._meta.concrete_fields:
            if f.column in given:
                continue
            if f.has_default():
                value = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.null:
                value = None
            else:
                value = f.get_default()  # "" for text fields
                if value is None:
                    raise SystemExit(f"{self.name}.{f.column}: NOT NULL, no default; bin/benchdata.py must set it")
            rest.append(f.column)
            values.append(f.get_db_prep_save(value, connection))
        unknown = set(given) - {f.column for f in model._meta.concrete_fields}
        if unknown:
            raise SystemExit(f"{self.name} has no column {', '.join(sorted(unknown))}: bin/benchdata.py is out of date")
        self.columns = [*given, *rest]
        self.tail = tuple(values)
        self.seconds = 0.0
        self.rows = 0

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        began = time.perf_counter()
        tail = self.tail
        cursor = connection.connection.cursor()
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + tail)
        else:
            marks = ", ".join("?" * len(self.columns))
            cursor.executemany(
                f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({marks})", [row + tail for row in rows]
            )
        cursor.close()
        self.seconds += time.perf_counter() - began
        self.rows += len(rows)


# --- The generator --------------------------------------------------------------------------------------------------


class _Searchable:
    """What Household.build_search_text reads of a household, without building a model instance per row."""

    __slots__ = ("current_town", "current_country", "sector", "notes", "project")
    SEARCHED_ENTRIES = Household.SEARCHED_ENTRIES


class _Member:
    __slots__ = ("first_name", "last_name", "email", "phone", "phone_key")

    def __init__(self, first_name, last_name, email, phone, key) -> None:
        self.first_name, self.last_name, self.email = first_name, last_name, email
        self.phone, self.phone_key = phone, key


@dataclass
class Team:
    territory: Territory
    households: int
    advisors: list[int]
    commune_codes: list[str]
    village_ids: list[int]
    village_communes: list[str]
    region: str = ""


@dataclass
class Loader:
    params: Params
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.params.seed)
        self.postgres = connection.vendor == "postgresql"
        self.dt_suffix = "+00" if self.postgres else ""
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.fold = functools.lru_cache(maxsize=100_000)(fold)
        self.name_key = functools.lru_cache(maxsize=100_000)(name_key)
        with translation.override("fr"):
            self.stage_labels = {stage: str(stage.label) for stage in Stage}
            from django.utils.translation import gettext

            self.anonymised_reason = gettext("Anonymised")
            self.anonymised_title = gettext("Follow-up")
        self.households = RawTable(Household, HOUSEHOLD_COLUMNS)
        self.people = RawTable(Person, PERSON_COLUMNS)
        self.entries = RawTable(Interaction, INTERACTION_COLUMNS)
        self.follow_ups = RawTable(FollowUp, FOLLOW_UP_COLUMNS)
        self.offers = RawTable(HousingOffer, OFFER_COLUMNS)
        self.stage_choices = list(STAGE_WEIGHTS)
        self.stage_cum = []
        total = 0
        for stage in self.stage_choices:
            total += STAGE_WEIGHTS[stage]
            self.stage_cum.append(total)

    # Dates as the database reads them from text (SQLite stores them so; COPY parses them).
    def dt(self, day: date, seconds: int) -> str:
        return f"{day.isoformat()} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{self.dt_suffix}"

    def teams(self, say) -> list[Team]:
        """Territories, villages, managers and advisors (through the ORM: a few hundred rows)."""
        params = self.params
        departements = [
            d for (d,) in Commune.objects.order_by().values_list("departement").distinct() if d != BIG_DEPARTEMENT
        ]
        departements.sort()
        departements.insert(0, BIG_DEPARTEMENT)
        password = make_password(PASSWORD)
        teams = []
        for index in range(params.territories):
            departement = departements[index % len(departements)]
            communes = list(
                Commune.objects.filter(departement=departement)
                .order_by("-population", "insee_code")
                .only("insee_code", "name", "latitude", "longitude", "region_name", "population")
            )
            territory = Territory.objects.create(
                code=f"bench-{index:03d}",
                name=f"Bench {index:03d} ({communes[0].departement_name if communes else departement})",
                departement=departement,
                main_town=communes[0],
                email=f"contact@bench-{index:03d}.example",
                phone="05 62 00 00 00",
            )
            wanted = VILLAGES_IN_BIG if index == 0 else VILLAGES_PER_TERRITORY
            rng = random.Random(params.seed * 1000 + index)
            small = communes[1:] or communes
            villages = []
            for commune in rng.sample(small, min(wanted, len(small))):
                village = Village(
                    territory=territory,
                    commune=commune,
                    partner_since=date(2008 + rng.randrange(15), 1 + rng.randrange(12), 1),
                    has_school=rng.random() < 0.6,
                    has_shops=rng.random() < 0.5,
                    has_doctor=rng.random() < 0.3,
                    has_coworking=rng.random() < 0.2,
                    broadband=rng.choice(["fibre", "good", "average", "poor"]),
                    presentation_fr=f"{commune.name}, un village accueillant de {commune.population or 300} habitants.",
                )
                village.save()
                villages.append(village)
            manager = User(
                email=f"manager@bench-{index:03d}.example", full_name=f"Manon Gérante {index:03d}", password=password
            )
            advisors = [
                User(
                    email=f"advisor{n}@bench-{index:03d}.example",
                    full_name=f"{FIRST_NAMES[(index + n * 7) % len(FIRST_NAMES)]} Conseil {index:03d}-{n}",
                    password=password,
                )
                for n in range(1, ADVISORS_PER_TERRITORY + 1)
            ]
            users = User.objects.bulk_create([manager, *advisors])
            Role.objects.bulk_create(
                [Role(user=users[0], kind=RoleKind.MANAGER, territory=territory)]
                + [Role(user=user, kind=RoleKind.ADVISOR, territory=territory) for user in users[1:]]
            )
            teams.append(
                Team(
                    territory=territory,
                    households=params.households_of(index),
                    advisors=[user.pk for user in users[1:]],
                    commune_codes=[c.insee_code for c in communes],
                    village_ids=[v.pk for v in villages],
                    village_communes=[v.commune_id for v in villages],
                    region=communes[0].region_name if communes else "",
                )
            )
        say(f"  {len(teams)} territories, {sum(len(t.village_ids) for t in teams)} villages, "
            f"{len(teams) * (1 + ADVISORS_PER_TERRITORY)} staff")  # fmt: skip
        return teams

    def load(self, say) -> dict[str, float]:
        """Every big table; returns the seconds spent per table (generating in Python counted apart)."""
        teams = self.teams(say)
        timings = {"generate": 0.0}
        ids = Ids()
        done, total, began = 0, self.params.households, time.perf_counter()
        for team in teams:
            remaining = team.households
            while remaining:
                count = min(CHUNK, remaining)
                started = time.perf_counter()
                rows = self.chunk(team, count, ids)
                timings["generate"] += time.perf_counter() - started
                with transaction.atomic():
                    self.households.insert(rows[0])
                    self.people.insert(rows[1])
                    self.entries.insert(rows[2])
                    self.follow_ups.insert(rows[3])
                remaining -= count
                done += count
                if done % 50_000 < count or done == total:
                    elapsed = time.perf_counter() - began
                    say(f"  {done:>9,} / {total:,} households  {elapsed:6.0f} s  "
                        f"({done / elapsed:,.0f}/s, ETA {elapsed / done * (total - done):4.0f} s)")  # fmt: skip
        started = time.perf_counter()
        offers = self.offer_rows(teams)
        timings["generate"] += time.perf_counter() - started
        for start in range(0, len(offers), 50_000):
            with transaction.atomic():
                self.offers.insert(offers[start : start + 50_000])
        for table in (self.households, self.people, self.entries, self.follow_ups, self.offers):
            timings[table.name] = table.seconds
            say(f"  {table.name:<28} {table.rows:>11,} rows  {table.seconds:7.1f} s insert")
        self.verify_keys()
        return timings

    def verify_keys(self) -> None:
        """The phone and name keys written here are the ones Person.fill_keys() computes (checked on a sample)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT first_name, last_name, email, phone, phone_key, name_key FROM {self.people.name} "
                "WHERE phone <> '' ORDER BY id LIMIT 300"
            )
            for first, last, email, phone, key, nkey in cursor.fetchall():
                person = Person(first_name=first, last_name=last, email=email, phone=phone).fill_keys()
                if (person.phone_key, person.name_key, person.email) != (key, nkey, email):
                    raise SystemExit(f"Keys differ from Person.fill_keys() for {first} {last} {phone}: {key} {nkey}")

    def pick_stage(self) -> Stage:
        r = self.rng.random() * self.stage_cum[-1]
        for stage, bound in zip(self.stage_choices, self.stage_cum, strict=True):
            if r < bound:
                return stage
        return self.stage_choices[-1]

    def phone(self) -> tuple[str, str]:
        rng = self.rng
        r = rng.random()
        prefixes = MOBILE_PREFIXES if r < 0.75 else LANDLINE_PREFIXES
        digits = f"{rng.choice(prefixes)}{rng.randrange(1_000_000):06d}"
        spaced = " ".join(digits[i : i + 2] for i in range(0, 10, 2))
        return spaced, "+33" + digits[1:]

    def chunk(self, team: Team, count: int, ids: Ids) -> tuple[list, list, list, list]:
        rng, today, dt, fold_ = self.rng, self.today, self.dt, self.fold
        households, people, entries, follow_ups = [], [], [], []
        span = (today - FIRST_DAY).days
        territory_id = team.territory.pk
        for _n in range(count):
            hid = ids.next("household")
            stage = self.pick_stage()
            open_file = stage in FOLLOWED_STAGES
            if open_file:
                first = today - timedelta(days=int(730 * rng.random() ** 1.5))
                last = today - timedelta(days=int((today - first).days * rng.random() ** 3))
            else:
                first = FIRST_DAY + timedelta(days=int(span * rng.random() ** 0.6))
                last = min(today, first + timedelta(days=int(rng.expovariate(1 / 240))))
            advisor = rng.choice(team.advisors) if rng.random() < 0.95 else None
            anonymised = not open_file and (today - last).days > 4 * 365 and rng.random() < 0.2
            town, country, region = rng.choice(TOWNS)
            home = _Searchable()
            home.current_town = "" if anonymised else town
            home.current_country = country
            home.sector = "" if anonymised or rng.random() < 0.4 else rng.choice(SECTORS)
            home.notes = "" if anonymised or rng.random() < 0.8 else "Contact pris au salon de Paris."
            home.project = "" if anonymised else rng.choice(PROJECTS)

            # Members: the main contact, a partner for about half, children for some.
            last_name = rng.choice(LAST_NAMES)
            members = []
            first_name = rng.choice(FIRST_NAMES)
            local = f"{fold_(first_name)}.{fold_(last_name)}".replace(" ", "").replace("'", "")
            email = f"{local}{hid}@{rng.choice(MAIL_DOMAINS)}"
            phone, key = self.phone()
            members.append((first_name, last_name, email, phone, key, True, "adult", 1960 + rng.randrange(40)))
            if rng.random() < 0.5:
                partner_last = last_name if rng.random() < 0.6 else rng.choice(LAST_NAMES)
                partner_first = rng.choice(FIRST_NAMES)
                p_email = f"{fold_(partner_first)}.{hid}@{rng.choice(MAIL_DOMAINS)}" if rng.random() < 0.4 else ""
                p_phone, p_key = self.phone() if rng.random() < 0.3 else ("", "")
                members.append((partner_first, partner_last, p_email, p_phone, p_key, False, "adult", None))
            if rng.random() < 0.3:
                births = sorted(today.year - rng.randrange(1, 17) for _c in range(rng.randrange(1, 4)))
                members += [(rng.choice(FIRST_NAMES), last_name, "", "", "", False, "child", b) for b in births]
            search_members = []
            for first_n, last_n, mail, tel, tel_key, is_main, kind, birth in members:
                pid = ids.next("person")
                if anonymised:
                    first_n = last_n = mail = tel = tel_key = ""
                    birth = None
                nkey = self.name_key(f"{first_n} {last_n}")
                people.append((pid, hid, kind, is_main, first_n, last_n, mail, tel, tel_key, nkey, birth))
                search_members.append(_Member(first_n, last_n, mail, tel, tel_key))

            # The timeline: the application, the stage changes in order, and calls, emails, meetings between.
            if stage in (Stage.ON_HOLD, Stage.DROPPED):
                reached = PATH[: rng.randrange(1, 4)]
                changes = [*reached, stage]
            else:
                changes = PATH[: PATH.index(stage) + 1]
                if stage == Stage.SETTLED and rng.random() < 0.3:
                    changes.remove(Stage.VISIT)
            transitions = list(zip(changes, changes[1:], strict=False))
            n_entries = max(len(transitions) + 1, rng.randrange(5, 16))
            first_s = 9 * 3600 + rng.randrange(9 * 3600)
            end = (last - first).days * 86400 + 9 * 3600 + rng.randrange(9 * 3600)  # on the last contact's day
            end = max(end, first_s + n_entries * 60)
            stamps = [first_s, *sorted(rng.randrange(first_s + 1, end) for _e in range(n_entries - 2)), end]
            for i in range(1, n_entries):
                stamps[i] = max(stamps[i], stamps[i - 1] + 1)  # strictly after the one before
            # Stage changes take ordered slots among entries 1…; closing a file is its last entry.
            if transitions and not open_file:
                slots = [*sorted(rng.sample(range(1, n_entries - 1), len(transitions) - 1)), n_entries - 1]
            else:
                slots = sorted(rng.sample(range(1, n_entries), len(transitions)))
            kinds_of = dict(zip(slots, transitions, strict=True))
            summaries = []
            settled_on = None
            for index, stamp in enumerate(stamps):
                eid = ids.next("entry")
                day = first + timedelta(days=stamp // 86400)
                when = dt(day, stamp % 86400)
                author = advisor
                if index == 0:
                    kind, summary, data = "application", APPLICATION_SUMMARY, "{}"
                    author = None
                elif index in kinds_of:
                    before, after = kinds_of[index]
                    kind = "stage"
                    summary = f"Étape : {self.stage_labels[before]} → {self.stage_labels[after]}."
                    if after in REASONS:
                        summary += " " + rng.choice(REASONS[after])
                    data = f'{{"from": "{before.value}", "to": "{after.value}"}}'
                    if after == Stage.SETTLED:
                        settled_on = day
                else:
                    kind = rng.choice(OTHER_KINDS)
                    summary = rng.choice(SUMMARIES[kind])
                    data = "{}"
                if anonymised:
                    summary = ""
                    if kind != "stage":
                        data = "{}"
                entries.append((eid, hid, kind, when, summary, author, data))
                summaries.append(summary)
            last = first + timedelta(days=stamps[-1] // 86400)
            summaries.reverse()  # newest first, as refresh_search_text reads them

            reason = ""
            if stage in REASONS:
                reason = self.anonymised_reason if anonymised else rng.choice(REASONS[stage])
            settled_commune = settled_people = None
            if stage == Stage.SETTLED:
                settled_on = settled_on or last
                pool = team.village_communes if rng.random() < 0.7 and team.village_communes else team.commune_codes
                settled_commune = rng.choice(pool)
                settled_people = len(members)
            search_text = "" if anonymised else Household.build_search_text(home, search_members, summaries, fold_)
            households.append((
                hid, territory_id, stage.value, reason, advisor,
                rng.choice(SOURCES), rng.choice(ACTIVITIES), home.sector, home.current_country, home.current_town,
                region if anonymised else "", rng.choice(TIMELINES), rng.choice(TENURES), rng.choice(HOUSING_TYPES),
                rng.randrange(2, 7), rng.randrange(500, 400_000, 500), rng.choice(VILLAGE_SIZES),
                rng.random() < 0.6, rng.random() < 0.2, rng.random() < 0.35, home.project, home.notes,
                "fr" if rng.random() < 0.9 else "en",
                first.isoformat(), last.isoformat(), settled_on.isoformat() if settled_on else None, settled_commune,
                settled_people, search_text, dt(today - timedelta(days=30), 3600) if anonymised else None,
                dt(first, first_s), dt(last, 20 * 3600),
            ))  # fmt: skip

            # About one follow-up per file: open ones around today for the files still followed (and some on hold).
            for _f in range(1 if rng.random() < 0.85 else 2):
                fid = ids.next("follow_up")
                title = self.anonymised_title if anonymised else rng.choice(FOLLOW_UP_TITLES)
                still_open = (open_file and rng.random() < 0.9) or (stage == Stage.ON_HOLD and rng.random() < 0.6)
                still_open = still_open or (not open_file and rng.random() < 0.12 and not anonymised)
                if still_open:
                    due = today + timedelta(days=rng.randrange(-60, 31))
                    done_at = done_by = None
                else:
                    due = first + timedelta(days=rng.randrange(max(1, (last - first).days + 1)))
                    done_at, done_by = dt(min(today, due + timedelta(days=rng.randrange(-3, 6))), 15 * 3600), advisor
                created = dt(min(due, first + timedelta(days=1)), 10 * 3600)
                follow_ups.append((fid, hid, title, due.isoformat(), advisor, done_at, done_by, advisor, created))
        return households, people, entries, follow_ups

    def offer_rows(self, teams: list[Team]) -> list[tuple]:
        """A tenth as many housing offers as households, in each territory's partner villages."""
        rng, today, dt = self.rng, self.today, self.dt
        rows, oid = [], 0
        for team in teams:
            if not team.village_ids:
                continue
            for _n in range(max(1, team.households // 10)):
                oid += 1
                kind = rng.choice(["house"] * 6 + ["flat"] * 2 + ["farmhouse", "room", "commercial"])
                tenure = "rent" if rng.random() < 0.55 else "sale"
                rooms = 1 if kind == "room" else rng.randrange(2, 9)
                bedrooms = max(0, rooms - 1 - rng.randrange(2))
                area = 15 if kind == "room" else rooms * rng.randrange(18, 35)
                price = rng.randrange(350, 1500, 10) if tenure == "rent" else rng.randrange(60_000, 450_000, 1000)
                status = rng.choice(["available"] * 4 + ["reserved", "draft", "withdrawn"] + ["let", "sold"] * 2)
                if status in ("let", "sold"):
                    status = "let" if tenure == "rent" else "sold"
                changed = today - timedelta(days=rng.randrange(400))
                updated = changed + timedelta(days=rng.randrange((today - changed).days + 1))
                owner_first, owner_last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                owner_mail = f"{self.fold(owner_first)}.{oid}@{rng.choice(MAIL_DOMAINS)}".replace(" ", "")
                rows.append((
                    oid, team.territory.pk, rng.choice(team.village_ids), rng.choice(OFFER_TITLES[kind]), tenure, kind,
                    rooms, bedrooms, area, rng.randrange(0, 3000, 50) if kind in ("house", "farmhouse") else None,
                    price, rng.randrange(0, 150, 10) if tenure == "rent" else 0, rng.choice("ABCDEFG "[:8]).strip(),
                    (today + timedelta(days=rng.randrange(-30, 120))).isoformat(), kind == "room",
                    "Belle exposition, proche des commerces.", f"{owner_first} {owner_last}", self.phone()[0],
                    owner_mail, status, dt(changed, 11 * 3600), rng.random() < 0.8, rng.choice(team.advisors),
                    dt(changed - timedelta(days=rng.randrange(30)), 10 * 3600), dt(updated, 16 * 3600),
                ))  # fmt: skip
        return rows


class Ids:
    """Explicit ids, one counter per table: children need no read-back of their parents' ids."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def next(self, table: str) -> int:
        value = self.last.get(table, 0) + 1
        self.last[table] = value
        return value


HOUSEHOLD_COLUMNS = [
    "id", "territory_id", "stage", "stage_reason", "advisor_id",
    "source", "activity", "sector", "current_country", "current_town",
    "residence_region", "timeline", "tenure", "housing_type",
    "rooms", "budget", "village_size",
    "needs_broadband", "needs_coworking", "needs_school", "project", "notes",
    "language",
    "first_contact_on", "last_contact_on", "settled_on", "settled_commune_id",
    "settled_people", "search_text", "anonymised_at",
    "created_at", "updated_at",
]  # fmt: skip
PERSON_COLUMNS = ["id", "household_id", "kind", "is_main_contact", "first_name", "last_name", "email", "phone",
                  "phone_key", "name_key", "birth_year"]  # fmt: skip
INTERACTION_COLUMNS = ["id", "household_id", "kind", "occurred_at", "summary", "author_id", "data"]
FOLLOW_UP_COLUMNS = ["id", "household_id", "title", "due_on", "assignee_id", "done_at", "done_by_id", "created_by_id",
                     "created_at"]  # fmt: skip
OFFER_COLUMNS = [
    "id", "territory_id", "village_id", "title", "tenure", "kind",
    "rooms", "bedrooms", "living_area_m2", "land_m2",
    "price", "charges", "energy_class",
    "available_from", "furnished",
    "description_fr", "owner_name", "owner_phone",
    "owner_email", "status", "status_changed_at", "is_public", "created_by_id",
    "created_at", "updated_at",
]  # fmt: skip


def _prefixes(*areas: str) -> list[str]:
    """The first four digits of the French numbers that exist in these areas ("04 06" and "06 92" do not)."""
    import phonenumbers

    return [
        f"{area}{block}"
        for area in areas
        for block in range(10, 100)
        if phonenumbers.is_valid_number(phonenumbers.parse(f"{area}{block}123456", "FR"))
    ]


MOBILE_PREFIXES = _prefixes("06", "07")
LANDLINE_PREFIXES = _prefixes("01", "02", "03", "04", "05")


def _values(field_name: str, model=Household) -> list[str]:
    return [value for value, _label in model._meta.get_field(field_name).choices if value]


SOURCES = _values("source")
ACTIVITIES = _values("activity")
TIMELINES = _values("timeline")
TENURES = _values("tenure")
HOUSING_TYPES = _values("housing_type")
VILLAGE_SIZES = _values("village_size")


def finish(say) -> dict[str, float]:
    """After the raw inserts: the id sequences moved past the ids given (PostgreSQL), statistics for the planner,
    and the stage tallies folded as the periodic job does."""
    timings = {}
    began = time.perf_counter()
    tables = [m._meta.db_table for m in (Household, Person, Interaction, FollowUp, HousingOffer)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                highest = f"COALESCE((SELECT MAX(id) FROM {table}), 1)"
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {highest})")
    started = time.perf_counter()
    removed = fold_stage_tallies()
    timings["fold stage tallies"] = time.perf_counter() - started
    say(f"  stage tallies folded (as the periodic job does): {removed:,} rows removed")
    started = time.perf_counter()
    refresh_figures()
    timings["dashboard figures"] = time.perf_counter() - started
    say(f"  dashboard figures counted (as the worker does) in {timings['dashboard figures']:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - started
    timings["finish"] = time.perf_counter() - began
    return timings


def build(params: Params, say) -> dict[str, float]:
    """Load the whole dataset into the (migrated, empty) database; returns the seconds per step."""
    began = time.perf_counter()
    timings = {}
    start_marker()
    started = time.perf_counter()
    call_command("load_communes", verbosity=0)
    timings["communes"] = time.perf_counter() - started
    say(f"  communes loaded in {timings['communes']:.1f} s")
    if Household.objects.exists():
        raise SystemExit("The bench database already has households: run with --reload")
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -400000")
    timings |= Loader(params).load(say)
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = NORMAL")
    timings |= finish(say)
    timings["total"] = time.perf_counter() - began
    write_marker(params, timings["total"])
    return timings
