"""Demo prospects: a territory's households from 2008 to today, shaped like the Gers programme's figures.

In 2008 the programme had 180 new contacts, settled 19 families (48 people) and followed 80 files at the year's end;
contacts then grew (+7–11 % a year until 2013, a few per cent after, a dip in 2020 and a rush to the countryside in
2021) and the number of families settled rose towards the goal of 40 a year. `scale` multiplies every figure.

How "followed at the year's end" is recorded: a file is followed from its first contact until it is settled, dropped
or put on hold; each of these closings is a "stage" entry of its timeline (Interaction.Kind.STAGE, dated, with
``data = {"from": …, "to": …}``), and settled files also carry ``settled_on``. `Household.objects.followed_at(day)`
(the dashboard's definition) counts the files followed at the end of `day` from these, so any year's figure can be
read back from the data.

Consents: households that applied by the form (most of them after 2015) get what
`privacy.consents.record_consents` stores for a new applicant (one consent per purpose, on the current wording in
their language, source "application form"), built here in memory and dated on the day they applied.

Deterministic: the only sources of chance are the `rng` and the `fake` given by the caller (the foreign name
generators are seeded from `rng`) and the `today` it passes. Everything is written with bulk inserts, a few dozen
queries in all whatever the size: the Gers (about 5,800 households with 15,000 members, 20,000 timeline entries,
7,700 follow-ups and 12,700 consents) loads in about 8–10 s on SQLite, most of it in Django's bulk_create.
"""

from __future__ import annotations

import functools
import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone, translation
from faker import Faker

from sohosolo.accounts.models import User
from sohosolo.lib.text import fold, name_key, phone_key
from sohosolo.privacy.consents import WORDINGS
from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import (
    FOLLOWED_STAGES,
    Activity,
    FollowUp,
    Household,
    HousingType,
    Interaction,
    Person,
    Source,
    Stage,
    Tag,
    Tenure,
    Timeline,
    VillageSize,
)
from sohosolo.territory.models import Commune, Territory, Village

FIRST_YEAR = 2008
CONTACTS_2008 = 180
SETTLED_2008 = 19
PEOPLE_2008 = 48
FOLLOWED_END_2008 = 80
GOAL_FAMILIES = 40
CONSENT_SOURCE = "application form"
BATCH = 1000


# --- The shape of the programme -------------------------------------------------------------------------------------


def contacts_growth(year: int, rng: random.Random) -> float:
    """How much the new contacts grow from the year before."""
    if year <= 2013:
        return rng.uniform(0.07, 0.11)  # the programme makes itself known
    if year == 2020:
        return rng.uniform(-0.08, -0.04)  # lockdowns
    if year == 2021:
        return rng.uniform(0.16, 0.22)  # the rush to the countryside
    if year >= 2022:
        return rng.uniform(0.01, 0.04)
    return rng.uniform(0.02, 0.04)


def settled_target(year: int, rng: random.Random) -> float:
    """Families settled in `year` (before scaling): 19 in 2008, then towards the goal of 40."""
    if year == FIRST_YEAR:
        return SETTLED_2008
    progress = min(1.0, (year - FIRST_YEAR) / 16) ** 0.85
    families = (SETTLED_2008 + (GOAL_FAMILIES - SETTLED_2008) * progress) * rng.uniform(0.93, 1.03)
    if year == 2020:
        families *= 0.8
    return min(families, GOAL_FAMILIES + 1)


MONTH_WEIGHTS = [1.2, 1.1, 1.2, 1.0, 0.9, 0.9, 0.7, 0.6, 1.2, 1.1, 1.0, 0.7]  # fairs in spring, quiet summers

# Households: size → weight (the mean is about 2.6 people).
SIZES = {1: 22, 2: 33, 3: 17, 4: 19, 5: 7, 6: 2}


# --- Where they come from -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    country: str
    towns: tuple[tuple[str, int], ...]
    locale: str  # Faker locale of their names
    english: float  # share of households who prefer English
    phone: str  # country code
    domains: tuple[str, ...]


# fmt: off
FRENCH_TOWNS = (
    ("Paris", 22), ("Toulouse", 12), ("Bordeaux", 8), ("Lyon", 6), ("Montpellier", 4), ("Nantes", 4), ("Lille", 4),
    ("Marseille", 3), ("Boulogne-Billancourt", 2), ("Montreuil", 2), ("Versailles", 2), ("Saint-Denis", 1),
    ("Strasbourg", 2), ("Rennes", 2), ("Grenoble", 2), ("Nice", 2), ("Pau", 2), ("Agen", 2), ("Tarbes", 2),
    ("Bayonne", 2), ("Montauban", 2), ("Tours", 1), ("Orléans", 1), ("Clermont-Ferrand", 1), ("Limoges", 1),
    ("Angers", 1), ("Dijon", 1), ("Rouen", 1), ("Le Mans", 1), ("Brest", 1), ("Annecy", 1), ("Perpignan", 1),
    ("Nîmes", 1), ("Mont-de-Marsan", 1), ("Reims", 1), ("Caen", 1), ("Metz", 1), ("Nancy", 1), ("Poitiers", 1),
    ("La Rochelle", 1),
)
FR_DOMAINS = ("example.fr", "example.fr", "example.fr", "example.com", "example.org", "example.net")
ORIGINS: list[tuple[float, Origin]] = [  # weight, origin
    (80.0, Origin("France", FRENCH_TOWNS, "fr_FR", 0.0, "33", FR_DOMAINS)),
    (1.3, Origin("France", FRENCH_TOWNS[:8], "en_GB", 1.0, "33", ("example.com", "example.co.uk"))),  # expatriates
    (7.0, Origin("Royaume-Uni", (("Londres", 30), ("Bristol", 6), ("Manchester", 5), ("Brighton", 5), ("Oxford", 4),
                                 ("Cambridge", 3), ("Bath", 3), ("Édimbourg", 3), ("Leeds", 3), ("Norwich", 2),
                                 ("York", 2), ("Exeter", 2), ("Canterbury", 2)),
                 "en_GB", 0.95, "44", ("example.co.uk",))),
    (0.7, Origin("Irlande", (("Dublin", 5), ("Cork", 2), ("Galway", 1)), "en_IE", 1.0, "353", ("example.ie",))),
    (4.0, Origin("Belgique", (("Bruxelles", 10), ("Liège", 3), ("Namur", 2), ("Charleroi", 2), ("Mons", 1),
                              ("Louvain-la-Neuve", 1), ("Wavre", 1)),
                 "fr_BE", 0.0, "32", ("example.be",))),
    (3.0, Origin("Pays-Bas", (("Amsterdam", 6), ("Utrecht", 3), ("Rotterdam", 3), ("La Haye", 2), ("Eindhoven", 1),
                              ("Haarlem", 1)),
                 "nl_NL", 0.7, "31", ("example.nl",))),
    (1.5, Origin("Suisse", (("Genève", 3), ("Lausanne", 3), ("Neuchâtel", 1), ("Fribourg", 1)),
                 "fr_CH", 0.0, "41", ("example.ch",))),
    (0.5, Origin("Canada", (("Montréal", 3), ("Québec", 1)), "fr_CA", 0.0, "1", ("example.ca",))),
]


# --- What they do and what they look for ----------------------------------------------------------------------------

SECTORS: dict[str, list[tuple[str, str]]] = {  # (French, English)
    Activity.REMOTE_EMPLOYEE: [
        ("Développement informatique", "Software development"), ("Marketing numérique", "Digital marketing"),
        ("Ressources humaines", "Human resources"), ("Comptabilité et finance", "Accounting and finance"),
        ("Relation client", "Customer service"), ("Ingénierie", "Engineering"),
        ("Gestion de projet", "Project management"), ("Édition", "Publishing"),
    ],
    Activity.FREELANCER: [
        ("Graphisme", "Graphic design"), ("Traduction", "Translation"), ("Rédaction web", "Copywriting"),
        ("Photographie", "Photography"), ("Développement web", "Web development"), ("Montage vidéo", "Video editing"),
        ("Architecture", "Architecture"),
    ],
    Activity.CREATION: [
        ("Chambres d'hôtes", "Bed and breakfast"), ("Épicerie fine", "Delicatessen"),
        ("Maraîchage bio", "Organic market gardening"), ("Café-librairie", "Bookshop café"),
        ("Gîtes ruraux", "Holiday cottages"), ("Brasserie artisanale", "Craft brewery"),
        ("Élevage de volailles", "Poultry farming"),
    ],
    Activity.TAKEOVER: [
        ("Boulangerie", "Bakery"), ("Restaurant", "Restaurant"), ("Garage automobile", "Car repair"),
        ("Quincaillerie", "Hardware shop"), ("Bar-tabac", "Village bar"), ("Salon de coiffure", "Hair salon"),
        ("Exploitation viticole", "Vineyard"),
    ],
    Activity.CRAFT: [
        ("Ébénisterie", "Cabinet making"), ("Céramique", "Ceramics"), ("Menuiserie", "Joinery"),
        ("Maçonnerie", "Masonry"), ("Plomberie", "Plumbing"), ("Électricité", "Electrical work"),
        ("Tapisserie d'ameublement", "Upholstery"),
    ],
    Activity.ART: [
        ("Peinture", "Painting"), ("Musique", "Music"), ("Sculpture", "Sculpture"), ("Illustration", "Illustration"),
        ("Théâtre", "Theatre"), ("Écriture", "Writing"),
    ],
    Activity.CONSULTING: [
        ("Conseil en stratégie", "Strategy consulting"), ("Formation professionnelle", "Training"),
        ("Coaching", "Coaching"), ("Conseil informatique", "IT consulting"),
        ("Conseil en environnement", "Environmental consulting"),
    ],
    Activity.OTHER: [
        ("Médecine générale", "General practice"), ("Soins infirmiers", "Nursing"), ("Kinésithérapie", "Physiotherapy"),
        ("Enseignement", "Teaching"), ("Retraite active", "Active retirement"), ("Agriculture", "Farming"),
    ],
}
# fmt: on
WORKS_REMOTELY = {Activity.REMOTE_EMPLOYEE, Activity.FREELANCER, Activity.CONSULTING}
BUSINESS = {Activity.CREATION, Activity.TAKEOVER, Activity.CRAFT}

ACTIVITY_FR = {
    Activity.REMOTE_EMPLOYEE: "télétravail salarié",
    Activity.FREELANCER: "travail indépendant",
    Activity.CREATION: "création d'entreprise",
    Activity.TAKEOVER: "reprise d'entreprise",
    Activity.CRAFT: "artisanat",
    Activity.ART: "activité artistique",
    Activity.CONSULTING: "conseil",
    Activity.OTHER: "installation",
}
TIMELINE_FR = {
    Timeline.SOON: "d'ici six mois",
    Timeline.YEAR: "d'ici un an",
    Timeline.TWO_YEARS: "d'ici deux ans",
    Timeline.LATER: "sans date arrêtée",
}
TENURE_FR = {Tenure.RENT: "louer", Tenure.BUY: "acheter", Tenure.EITHER: "louer ou acheter"}
SOURCE_FR = {
    Source.WEBSITE: "notre site",
    Source.SEARCH: "une recherche sur internet",
    Source.PRESS: "un article de presse",
    Source.SOCIAL: "les réseaux sociaux",
    Source.FAIR: "un salon",
    Source.WORD_OF_MOUTH: "des amis",
    Source.PARTNER: "un partenaire",
    Source.VILLAGE: "un village partenaire",
    Source.OTHER: "le bouche-à-oreille",
}
STAGE_FR = {
    Stage.NEW: "Nouveau",
    Stage.FIRST_INTERVIEW: "Premier entretien",
    Stage.FOLLOW_UP: "Suivi actif",
    Stage.VISIT: "Visite ou séjour découverte",
    Stage.SETTLED: "Installé",
    Stage.ON_HOLD: "En attente",
    Stage.DROPPED: "Abandon",
}
DROP_REASONS = [
    "Projet abandonné pour raisons familiales.",
    "A trouvé un emploi dans une autre région.",
    "S'installe finalement dans un département voisin.",
    "Plus de nouvelles malgré trois relances.",
    "Budget insuffisant pour le logement recherché.",
    "Le conjoint n'a pas trouvé d'emploi sur place.",
    "Préfère finalement la Bretagne.",
    "Coordonnées erronées, impossible à joindre.",
    "Projet de reprise non abouti.",
    "Séparation du couple, projet arrêté.",
]
HOLD_REASONS = [
    "Projet repoussé d'un an.",
    "Attend la vente de leur logement actuel.",
    "Attend l'accord de télétravail de l'employeur.",
    "Attend la fin de l'année scolaire.",
    "Raisons de santé, reprendra contact.",
    "Financement du projet en cours.",
]

# Timeline entries written by the advisor: (kind, text, condition); the condition is a trait of the household.
K = Interaction.Kind
FIRST_CONTACTS = [
    (K.CALL, "Premier appel : projet de {activity}, intéressés par {village}.", None),
    (K.CALL, "Appel entrant (connu par {source}) : demande d'informations sur les villages d'accueil.", None),
    (K.EMAIL, "Premier courriel : demande de documentation sur le programme et les logements à {tenure}.", None),
    (K.MEETING, "Rencontre sur le stand du programme au salon : projet de {activity}, arrivée {timeline}.", None),
]
INTERVIEWS = [
    (K.MEETING, "Premier entretien à {main_town} : présentation du programme, critères précisés.", None),
    (K.MEETING, "Premier entretien en visio : projet de {activity}, trois villages à leur proposer.", None),
    (K.CALL, "Premier entretien téléphonique (40 min) : arrivée {timeline}, budget {budget}.", None),
]
FOLLOWS = [
    (K.CALL, "Appel de suivi : toujours en recherche de logement autour de {village}.", None),
    (K.CALL, "Appel : la vente de leur logement à {town} avance, arrivée visée {timeline}.", None),
    (K.CALL, "Appel : questions sur la fibre et le coworking à {village}.", "remote"),
    (K.CALL, "Message laissé sur le répondeur, à rappeler.", None),
    (K.CALL, "Appel : ont repéré une maison à {village}, visite à prévoir.", None),
    (K.EMAIL, "Envoi des annonces de biens à {tenure} autour de {village}.", None),
    (K.EMAIL, "Envoi du guide d'accueil et des contacts du comité de {village}.", None),
    (K.EMAIL, "Relance par courriel, sans réponse pour l'instant.", None),
    (K.EMAIL, "Invitation à la prochaine réunion d'information à {main_town}.", None),
    (K.EMAIL, "Envoi des contacts de la CCI et de la chambre de métiers pour le projet ({sector}).", "business"),
    (K.EMAIL, "Réponse à leurs questions sur l'école et le périscolaire à {village}.", "children"),
    (K.MEETING, "Rendez-vous à {main_town} : point sur le plan de financement.", None),
    (K.MEETING, "Mise en relation avec le comité d'accueil de {village}.", None),
    (K.MEETING, "Rendez-vous avec un cédant près de {village} pour le projet de reprise.", "takeover"),
    (K.NOTE, "Projet encore flou, à relancer dans quelques mois.", None),
    (K.NOTE, "Très motivés, dossier à suivre de près.", None),
    (K.NOTE, "En contact avec une agence immobilière de {village}.", None),
    (K.NOTE, "Le conjoint cherche un emploi dans la région : transmis au réseau des partenaires.", "couple"),
    (K.NOTE, "Échanges en anglais, comprennent un peu le français.", "english"),
]
VISITS = [
    (K.VISIT, "Visite de {village} avec le comité d'accueil : école, commerces et deux maisons à louer.", None),
    (K.VISIT, "Séjour découverte de trois jours à {village}, accueillis par le comité.", None),
    (K.VISIT, "Visite de {village} et de {village2} ; coup de cœur pour {village}.", None),
]
WELCOMES = [  # after settling: (days after, follow-up title, what the advisor writes when it is done)
    (
        30,
        "Appel de bienvenue, un mois après l'installation",
        "Appel de bienvenue : bien installés à {commune}, premiers contacts avec le comité.",
    ),
    (
        182,
        "Six mois après l'installation : comment va la famille ?",
        "Point à six mois : la famille trouve ses marques à {commune}.",
    ),
    (
        365,
        "Un an après l'installation : bilan avec la famille",
        "Bilan à un an : tout va bien, ils recommandent le programme autour d'eux.",
    ),
]
OPEN_TASKS = {
    Stage.NEW: ["Appeler pour un premier entretien", "Accuser réception et proposer un rendez-vous"],
    Stage.FIRST_INTERVIEW: ["Préparer le premier entretien", "Envoyer la sélection de villages après l'entretien"],
    Stage.FOLLOW_UP: [
        "Faire le point sur le projet",
        "Envoyer les annonces de location autour de {village}",
        "Mettre en relation avec le comité de {village}",
        "Relancer pour la réunion d'information",
    ],
    Stage.VISIT: [
        "Organiser la visite de {village} avec le comité",
        "Préparer le séjour découverte à {village}",
        "Faire le bilan de la visite de {village}",
    ],
}
DONE_TASKS = [
    "Rappeler après le premier contact",
    "Envoyer la documentation",
    "Relancer par courriel",
    "Organiser la visite de {village}",
    "Faire le point sur le projet",
]
TEAM_NOTES = [
    "Couple très motivé, projet bien préparé.",
    "Préfère être contacté par courriel.",
    "Ne pas appeler avant 18 h.",
    "Connaît bien la région (vacances depuis des années).",
    "Financement à consolider.",
    "A des amis à {village}.",
    "Dossier suivi avec la CCI.",
    "Très bon contact au salon.",
]
TAGS = ["Salon de Paris", "Profession de santé", "Prioritaire", "Projet agricole", "Ancien vacancier"]

REASONS_FR = [
    "Nous souhaitons quitter {town} pour vivre au calme, à la campagne.",
    "Après plusieurs étés passés dans le Sud-Ouest, nous voulons nous y installer pour de bon.",
    "J'ai de la famille dans la région et je souhaite m'en rapprocher.",
    "Le travail à distance nous permet enfin de choisir où vivre.",
    "Nous rêvons d'une maison avec un jardin et d'une vraie vie de village.",
]
REASONS_EN = [
    "We would like to leave {town} for a quieter life in the countryside.",
    "We have spent many summers in the South-West of France and want to move for good.",
    "Working remotely means we can finally choose where we live.",
    "We dream of a house with a garden and of village life.",
]
ACTIVITY_SENTENCES = {  # (French, English)
    Activity.REMOTE_EMPLOYEE: ("Je travaille en télétravail complet ({sector}).", "I work fully remotely ({sector})."),
    Activity.FREELANCER: (
        "Je suis indépendant ({sector}) et je peux travailler de partout avec une bonne connexion.",
        "I am a freelancer ({sector}) and can work anywhere with a good connection.",
    ),
    Activity.CREATION: ("Nous avons un projet de création : {sector}.", "We plan to start a business: {sector}."),
    Activity.TAKEOVER: (
        "Nous cherchons une affaire à reprendre : {sector}.",
        "We are looking for a business to take over: {sector}.",
    ),
    Activity.CRAFT: (
        "Artisan ({sector}), je souhaite installer mon atelier à la campagne.",
        "I am a craftsman ({sector}) and would like to set up my workshop in the countryside.",
    ),
    Activity.ART: (
        "Je suis artiste ({sector}) et je cherche de l'espace pour un atelier.",
        "I am an artist ({sector}) looking for room for a studio.",
    ),
    Activity.CONSULTING: (
        "Consultant ({sector}), je travaille surtout à distance.",
        "I am a consultant ({sector}) and work mostly remotely.",
    ),
    Activity.OTHER: ("Mon métier : {sector}.", "My work: {sector}."),
}


# --- A household being drafted --------------------------------------------------------------------------------------


@dataclass
class Draft:
    cohort: int
    first: date
    size: int
    form: bool
    settled_on: date | None = None
    closed_on: date | None = None  # dropped or put on hold
    open_now: bool = False
    household: Household | None = None
    members: list[Person] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    village_ids: list[int] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)
    created_at: datetime | None = None
    follow_ups_created: list[datetime] = field(default_factory=list)


def _ascii(text: str) -> str:
    bare = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in bare.replace(" ", "-") if c.isalnum() or c == "-").strip("-")


_fold = functools.lru_cache(maxsize=20_000)(fold)


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _day(rng: random.Random, start: date, end: date) -> date:
    """A day between start and end, both included (start when the range is empty)."""
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _weighted(rng: random.Random, pairs) -> object:
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights)[0]


class Generator:
    """Draws one territory's households; `load_prospects` is the entry point."""

    def __init__(
        self, territory: Territory, advisors: list[User], rng: random.Random, fake: Faker, today: date, scale: float
    ) -> None:
        self.territory, self.advisors, self.rng, self.today, self.scale = territory, advisors, rng, today, scale
        self.now = timezone.now()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.fakers = {"fr_FR": fake}
        for _weight, origin in ORIGINS:
            if origin.locale not in self.fakers:
                other = Faker(origin.locale)
                other.seed_instance(rng.randrange(2**32))
                self.fakers[origin.locale] = other
        villages = list(territory.villages.select_related("commune").order_by("pk"))
        if not villages:
            raise ValueError(f"{territory} has no partner village: the demo prospects need some.")
        self.villages = [v for v in villages if v.status != Village.Status.ENDED] or villages
        self.village_weights = [
            math.sqrt((v.commune.population or 100) + 100) * (0.5 if v.status == Village.Status.PAUSED else 1)
            for v in self.villages
        ]
        self.communes = list(
            Commune.objects.filter(departement=territory.departement)
            .order_by("insee_code")
            .values_list("insee_code", "name", "population")
        )
        self.main_town = territory.main_town.name if territory.main_town_id else self.villages[0].commune.name
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.wordings = {}
        for language in ("fr", "en"):
            with translation.override(language):
                self.wordings[language] = [(p, version, str(text)) for p, (version, text) in WORDINGS.items()]
        self.tags = self.make_tags()

    def make_tags(self) -> list[Tag]:
        Tag.objects.bulk_create([Tag(territory=self.territory, name=name) for name in TAGS], ignore_conflicts=True)
        return list(Tag.objects.filter(territory=self.territory, name__in=TAGS).order_by("name"))

    # --- The figures ------------------------------------------------------------------------------------------------

    def drafts(self) -> list[Draft]:
        rng, today = self.rng, self.today
        years = range(FIRST_YEAR, today.year + 1)
        drafts: list[Draft] = []
        by_cohort: dict[int, list[Draft]] = {}
        contacts = float(CONTACTS_2008)
        for year in years:
            if year > FIRST_YEAR:
                contacts *= 1 + contacts_growth(year, rng)
            last = min(date(year, 12, 31), today)
            months = list(range(1, last.month + 1))
            share = (
                1.0 if last.year < today.year else (last.timetuple().tm_yday / date(year, 12, 31).timetuple().tm_yday)
            )
            count = round(contacts * self.scale * share)
            form_share = min(0.88, 0.05 + 0.1 * max(0, year - FIRST_YEAR))  # most applications by the form after 2015
            cohort = []
            for _i in range(count):
                month = rng.choices(months, MONTH_WEIGHTS[: len(months)])[0]
                start = date(year, month, 1)
                end = min(date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1), last)
                cohort.append(
                    Draft(year, _day(rng, start, end), _weighted(rng, SIZES.items()), rng.random() < form_share)
                )
            cohort.sort(key=lambda d: d.first)
            by_cohort[year] = cohort
            drafts += cohort

        self.settle(by_cohort, years)
        self.close(drafts, by_cohort.get(FIRST_YEAR, []))
        drafts.sort(key=lambda d: d.first)  # stable: the same order every time
        return drafts

    def settle(self, by_cohort: dict[int, list[Draft]], years: range) -> None:
        """Pick the families settled each year among the files of that year and the two before."""
        rng = self.rng
        for year in years:
            end = min(date(year, 12, 31), self.today)
            share = 1.0 if year < self.today.year else end.timetuple().tm_yday / 365
            wanted = round(settled_target(year, rng) * self.scale * share)
            cohorts = [(c, w) for c, w in ((year, 0.35), (year - 1, 0.45), (year - 2, 0.2)) if c in by_cohort]
            settled = []
            for _i in range(wanted):
                order = sorted(cohorts, key=lambda cw: -cw[1] * rng.random())  # a weighted draw, then the others
                for cohort, _weight in order:
                    candidates = [
                        d for d in by_cohort[cohort] if d.settled_on is None and d.first <= end - timedelta(days=60)
                    ]
                    if candidates:
                        draft = rng.choice(candidates)
                        draft.settled_on = _day(rng, max(date(year, 1, 1), draft.first + timedelta(days=60)), end)
                        settled.append(draft)
                        break
            if year == FIRST_YEAR:  # exactly 48 people in 2008 (scaled)
                people = max(len(settled), round(PEOPLE_2008 * self.scale))
                while settled and sum(d.size for d in settled) > people:
                    rng.choice([d for d in settled if d.size > 1]).size -= 1
                while settled and sum(d.size for d in settled) < people:
                    rng.choice([d for d in settled if d.size < 6]).size += 1

    def close(self, drafts: list[Draft], first_cohort: list[Draft]) -> None:
        """When the other files were dropped or put on hold; the recent ones are still followed."""
        rng, today = self.rng, self.today
        for draft in drafts:
            if draft.settled_on is None:
                days = min(10 + rng.expovariate(1 / 200), 1000)
                draft.closed_on = draft.first + timedelta(days=int(days))
        # The first year: exactly 80 files (scaled) still followed on 31 December.
        year_end = date(FIRST_YEAR, 12, 31)
        wanted = round(FOLLOWED_END_2008 * self.scale)
        settled_later = sum(1 for d in first_cohort if d.settled_on and d.settled_on > year_end)
        others = [d for d in first_cohort if d.settled_on is None]
        wanted_open = min(max(0, wanted - settled_later), len(others))
        followed = [d for d in others if d.closed_on > year_end]
        while len(followed) > wanted_open:
            closable = [d for d in followed if d.first <= year_end - timedelta(days=7)] or followed
            draft = rng.choice(closable)
            draft.closed_on = min(_day(rng, draft.first + timedelta(days=7), year_end), year_end)
            followed.remove(draft)
        while len(followed) < wanted_open:
            draft = rng.choice([d for d in others if d.closed_on <= year_end])
            draft.closed_on = year_end + timedelta(days=1 + int(min(rng.expovariate(1 / 150), 700)))
            followed.append(draft)
        for draft in drafts:
            if draft.closed_on and draft.closed_on >= today:
                draft.closed_on, draft.open_now = None, True

    # --- One household ----------------------------------------------------------------------------------------------

    def at(self, day: date, hour: tuple[int, int] = (9, 18)) -> datetime:
        """A moment of `day` within office `hour`s; on the day of loading, never later than now (the clock stands
        still while the demo is drawn, see load_demo)."""
        moment = datetime(
            day.year, day.month, day.day, self.rng.randint(*hour), self.rng.randrange(0, 60, 5), tzinfo=self.tz
        )
        return min(moment, self.now)

    def fill(self, draft: Draft, advisor: User | None) -> None:
        rng, today = self.rng, self.today
        year = draft.first.year
        origin = _weighted(rng, [(o, w) for w, o in ORIGINS])
        english = rng.random() < origin.english
        language = "en" if english else "fr"
        town = _weighted(rng, origin.towns)
        activity = self.activity(year)
        sector_fr, sector_en = rng.choice(SECTORS[activity])
        sector = sector_en if english else sector_fr
        members = self.members(draft, origin, year)
        adults = [m for m in members if m.kind == Person.Kind.ADULT]
        children_ages = sorted(year - m.birth_year for m in members if m.kind == Person.Kind.CHILD)
        tenure = _weighted(rng, [(Tenure.RENT, 40), (Tenure.BUY, 35), (Tenure.EITHER, 25)])
        housing_type = _weighted(rng, [(HousingType.HOUSE, 80), (HousingType.APARTMENT, 5), (HousingType.ANY, 15)])
        workroom = 1 if activity in WORKS_REMOTELY or activity == Activity.ART else 0
        rooms = min(8, max(2, 2 + len(children_ages) + workroom + rng.randint(-1, 1)))
        prices = 0.75 + 0.02 * (year - FIRST_YEAR)
        if tenure == Tenure.RENT:
            budget = int(round((300 + 110 * rooms) * prices * rng.uniform(0.85, 1.25), -1))
        else:
            budget = int((55_000 + 28_000 * rooms) * prices * rng.uniform(0.8, 1.4) / 5000) * 5000
        villages = self.villages_of_interest(draft.first)
        source = self.source(draft.form, year)
        timeline = _weighted(
            rng, [(Timeline.SOON, 25), (Timeline.YEAR, 35), (Timeline.TWO_YEARS, 25), (Timeline.LATER, 15)]
        )

        household = Household(
            territory=self.territory,
            advisor=advisor,
            source=source,
            activity=activity,
            sector=sector,
            current_country=origin.country,
            current_town=town,
            timeline=timeline,
            tenure=tenure,
            housing_type=housing_type,
            rooms=rooms,
            budget=budget,
            max_distance_km=rng.choice([None, None, 10, 15, 20, 30, 40, 60]),
            village_size=_weighted(
                rng, [(VillageSize.SMALL, 30), (VillageSize.MEDIUM, 40), (VillageSize.LARGE, 15), (VillageSize.ANY, 15)]
            ),
            needs_broadband=rng.random() < (0.9 if activity in WORKS_REMOTELY else 0.4) * (0.5 if year < 2012 else 1),
            needs_coworking=rng.random() < (0.3 if activity in WORKS_REMOTELY and year >= 2014 else 0.04),
            needs_school=any(3 <= a <= 17 for a in children_ages) and rng.random() < 0.95,
            needs_childcare=any(a < 3 for a in children_ages) and rng.random() < 0.9,
            needs_partner_job=len(adults) > 1 and rng.random() < 0.35,
            needs_health_care=rng.random() < 0.25,
            language=language,
            first_contact_on=draft.first,
            possible_duplicate=False,
        )
        traits = {
            None,
            "english" if english else None,
            "couple" if len(adults) > 1 else None,
            "children" if children_ages else None,
            "remote" if activity in WORKS_REMOTELY else None,
            "business" if activity in BUSINESS else None,
            "takeover" if activity == Activity.TAKEOVER else None,
        }
        words = {
            "village": villages[0].commune.name if villages else rng.choice(self.villages).commune.name,
            "village2": villages[1].commune.name if len(villages) > 1 else self.other_village(villages),
            "main_town": self.main_town,
            "town": town,
            "activity": ACTIVITY_FR[activity],
            "sector": sector_fr[0].lower() + sector_fr[1:],
            "tenure": TENURE_FR[tenure],
            "timeline": TIMELINE_FR[timeline],
            "source": SOURCE_FR[source],
            "budget": f"{_thousands(budget)} €" + (" par mois" if tenure == Tenure.RENT else ""),
        }
        household.project = self.project(english, activity, sector, town, tenure, housing_type, rooms, budget)
        if rng.random() < 0.35:
            household.notes = rng.choice(TEAM_NOTES).format(**words)
        if rng.random() < 0.1 and self.tags:
            draft.tag_ids = [rng.choice(self.tags).pk]
        draft.household, draft.members, draft.village_ids = household, members, [v.pk for v in villages]

        self.story(draft, household, advisor, traits, words, villages)
        if draft.form:
            answers = {
                Consent.Purpose.FOLLOW_UP: True,
                Consent.Purpose.SHARING: rng.random() < 0.7,
                Consent.Purpose.NEWS: rng.random() < 0.5,
            }
            draft.consents = [
                Consent(
                    purpose=purpose,
                    given=bool(answers[purpose]),
                    wording_version=version,
                    wording=text,
                    language=language,
                    source=CONSENT_SOURCE,
                    recorded_at=draft.created_at,
                )
                for purpose, version, text in self.wordings[language]
            ]
            if answers[Consent.Purpose.SHARING] and villages and rng.random() < 0.4:
                household.notes_for_committee = self.committee_note(adults, children_ages, tenure, rooms, today)
        household.search_text = self.search_text(household, members, draft.interactions)

    def other_village(self, villages: list[Village]) -> str:
        others = [v for v in self.villages if v not in villages[:1]] or self.villages
        return self.rng.choice(others).commune.name

    def activity(self, year: int) -> str:
        weights = {
            Activity.REMOTE_EMPLOYEE: 10,
            Activity.FREELANCER: 16,
            Activity.CREATION: 18,
            Activity.TAKEOVER: 12,
            Activity.CRAFT: 12,
            Activity.ART: 7,
            Activity.CONSULTING: 10,
            Activity.OTHER: 11,
        }
        weights[Activity.REMOTE_EMPLOYEE] += 6 * (year >= 2015) + 18 * (year >= 2020)
        return _weighted(self.rng, weights.items())

    def source(self, form: bool, year: int) -> str:
        if form:
            return _weighted(
                self.rng,
                [
                    (Source.WEBSITE, 35),
                    (Source.SEARCH, 25),
                    (Source.SOCIAL, 15 * (year >= 2012)),
                    (Source.PRESS, 10),
                    (Source.WORD_OF_MOUTH, 10),
                    (Source.PARTNER, 5),
                ],
            )
        return _weighted(
            self.rng,
            [
                (Source.FAIR, 30),
                (Source.WORD_OF_MOUTH, 25),
                (Source.PRESS, 15),
                (Source.PARTNER, 15),
                (Source.VILLAGE, 10),
                (Source.OTHER, 5),
            ],
        )

    def villages_of_interest(self, first: date) -> list[Village]:
        rng = self.rng
        wanted = rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])
        pool = [
            (v, w)
            for v, w in zip(self.villages, self.village_weights, strict=True)
            if v.partner_since is None or v.partner_since <= first
        ] or list(zip(self.villages, self.village_weights, strict=True))
        chosen: list[Village] = []
        for _i in range(min(wanted, len(pool))):
            village = _weighted(rng, pool)
            chosen.append(village)
            pool = [(v, w) for v, w in pool if v is not village]
        return chosen

    def members(self, draft: Draft, origin: Origin, year: int) -> list[Person]:
        rng = self.rng
        fake = self.fakers[origin.locale]
        size = draft.size
        adults = 1 if size == 1 else (2 if rng.random() < 0.9 else 1)
        children = size - adults
        main_female = rng.random() < 0.5
        main_age = int(rng.triangular(25, 66, 37)) if children == 0 else int(rng.triangular(25, 50, 36))
        first = fake.first_name_female() if main_female else fake.first_name_male()
        last = fake.last_name()
        people = [self.person(True, Person.Kind.ADULT, first, last, year - main_age, origin)]
        if adults == 2:
            female = not main_female if rng.random() < 0.92 else main_female
            partner_last = last if rng.random() < 0.7 else fake.last_name()
            partner_first = fake.first_name_female() if female else fake.first_name_male()
            people.append(
                self.person(
                    False,
                    Person.Kind.ADULT,
                    partner_first,
                    partner_last,
                    year - max(20, main_age + rng.randint(-5, 5)),
                    origin,
                )
            )
        for _i in range(children):
            age = rng.randint(0, max(0, min(17, main_age - 22)))
            child_first = fake.first_name_female() if rng.random() < 0.5 else fake.first_name_male()
            people.append(self.person(False, Person.Kind.CHILD, child_first, last, year - age, origin))
        # The order of the file's members list: main contact, adults, children by year of birth.
        return [people[0]] + sorted(people[1:], key=lambda p: (p.kind, p.birth_year))

    def person(self, main: bool, kind: str, first: str, last: str, birth_year: int, origin: Origin) -> Person:
        rng = self.rng
        email = phone = ""
        if main:  # an email, a phone, mostly both
            email = self.email(first, last, origin) if rng.random() < 0.97 else ""
            phone = self.phone(origin.phone) if not email or rng.random() < 0.88 else ""
        elif kind == Person.Kind.ADULT:
            email = self.email(first, last, origin) if rng.random() < 0.25 else ""
            phone = self.phone(origin.phone) if rng.random() < 0.1 else ""
        return Person(
            kind=kind,
            is_main_contact=main,
            first_name=first,
            last_name=last,
            email=email,
            phone=phone,
            phone_key=phone_key(phone),
            name_key=name_key(f"{first} {last}"),
            birth_year=birth_year,
        )

    def email(self, first: str, last: str, origin: Origin) -> str:
        rng = self.rng
        f, la = _ascii(first) or "contact", _ascii(last) or "famille"
        local = rng.choice([f"{f}.{la}", f"{f}.{la}", f"{f}{la}", f"{f[0]}{la}", f"{la}.{f}", f"{f}-{la}"])
        domain = rng.choice(origin.domains)
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def phone(self, code: str) -> str:
        rng = self.rng
        for _attempt in range(100):
            if code == "33":
                number = f"+33 {rng.choice('67')} " + " ".join(f"{rng.randint(0, 99):02d}" for _i in range(4))
            elif code == "44":  # Ofcom's range for drama, then ordinary mobiles
                number = (
                    f"+44 7700 900{rng.randint(0, 999):03d}"
                    if _attempt < 5
                    else (f"+44 7{rng.randint(400, 999)} {rng.randint(100000, 999999)}")
                )
            elif code == "32":
                number = f"+32 4{rng.randint(70, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            elif code == "31":
                number = f"+31 6 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
            elif code == "41":
                number = (
                    f"+41 7{rng.choice('6789')} {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
                )
            elif code == "353":
                number = f"+353 8{rng.choice('35679')} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            else:  # North America's numbers for fiction
                number = (
                    f"+1 514 555 01{rng.randint(0, 99):02d}"
                    if _attempt < 5
                    else (f"+1 514 {rng.randint(200, 999)} {rng.randint(1000, 9999)}")
                )
            if number not in self.phones:
                self.phones.add(number)
                return number
        return ""

    def project(
        self,
        english: bool,
        activity: str,
        sector: str,
        town: str,
        tenure: str,
        housing_type: str,
        rooms: int,
        budget: int,
    ) -> str:
        rng = self.rng
        sector = sector[0].lower() + sector[1:]
        sentences = [
            rng.choice(REASONS_EN if english else REASONS_FR).format(town=town),
            ACTIVITY_SENTENCES[activity][english].format(sector=sector),
        ]
        home_fr = "un appartement" if housing_type == HousingType.APARTMENT else "une maison"
        home_en = "a flat" if housing_type == HousingType.APARTMENT else "a house"
        price = _thousands(budget)
        if english:
            sentences.append(
                {
                    Tenure.RENT: f"We are looking for {home_en} to rent, {rooms} rooms, around €{budget:,} a month.",
                    Tenure.BUY: f"We would like to buy {home_en} with some land, with a budget of €{budget:,}.",
                    Tenure.EITHER: f"We could rent or buy: {rooms} rooms, budget €{budget:,}.",
                }[tenure]
            )
        else:
            sentences.append(
                {
                    Tenure.RENT: f"Nous cherchons {home_fr} à louer de {rooms} pièces, autour de {price} € par mois.",
                    Tenure.BUY: f"Nous aimerions acheter {home_fr} avec un peu de terrain, budget {price} €.",
                    Tenure.EITHER: f"Location ou achat : {rooms} pièces, budget {price} €.",
                }[tenure]
            )
        return " ".join(sentences)

    def committee_note(
        self, adults: list[Person], children_ages: list[int], tenure: str, rooms: int, today: date
    ) -> str:
        who = "Couple" if len(adults) > 1 else "Parent seul" if children_ages else "Personne seule"
        if children_ages:
            if len(children_ages) < 3:
                ages = " et ".join(str(a) for a in children_ages)
            else:
                ages = f"de {children_ages[0]} à {children_ages[-1]}"
            kids = "un enfant" if len(children_ages) == 1 else f"{len(children_ages)} enfants"
            who += f" avec {kids} ({ages} an{'s' if children_ages[-1] > 1 else ''})"
        return f"{who}, cherche une maison à {TENURE_FR[tenure]} ({rooms} pièces)."

    # --- The timeline -----------------------------------------------------------------------------------------------

    def story(
        self,
        draft: Draft,
        household: Household,
        advisor: User | None,
        traits: set,
        words: dict,
        villages: list[Village],
    ) -> None:
        """Current stage, timeline and follow-ups, consistent with the file's age and fate."""
        rng, today = self.rng, self.today
        first = draft.first
        entries: list[tuple[datetime, str, str, User | None, dict]] = []

        def pick(pool: list) -> tuple[str, str]:
            kind, text, _condition = rng.choice([t for t in pool if t[2] in traits])
            return kind, text.format(**words)

        def add(
            day: date,
            kind: str,
            text: str,
            author: User | None = advisor,
            data: dict | None = None,
            hour: tuple[int, int] = (9, 18),
        ) -> None:
            entries.append((self.at(day, hour), kind, text, author, data or {}))

        # The first contact: an application by the form, or a call, an email, a meeting at a fair.
        if draft.form:
            add(first, K.APPLICATION, "Candidature reçue par le formulaire en ligne.", None, hour=(7, 23))
        else:
            add(first, *pick(FIRST_CONTACTS))
        draft.created_at = entries[0][0]

        if draft.settled_on:
            stage, end = Stage.SETTLED, draft.settled_on
            middle = rng.randint(1, 3)
        elif draft.open_now:
            stage = self.open_stage((today - first).days)
            end = first if stage == Stage.NEW else max(first, today - timedelta(days=int(rng.expovariate(1 / 25))))
            middle = {
                Stage.NEW: 0,
                Stage.FIRST_INTERVIEW: 1,
                Stage.FOLLOW_UP: rng.randint(1, 4),
                Stage.VISIT: rng.randint(2, 5),
            }[stage]
        else:
            on_hold = 0.45 if (today - draft.closed_on).days < 730 else 0.2  # old files on hold were mostly dropped
            stage = Stage.ON_HOLD if rng.random() < on_hold else Stage.DROPPED
            end = draft.closed_on
            middle = rng.choice([0, 0, 1, 1, 2, 3])
        middle = min(middle, max(0, (end - first).days))  # no room for more on a one-day file

        days = sorted(_day(rng, first + timedelta(days=1), end) for _i in range(middle))
        if days and stage in FOLLOWED_STAGES:
            days[-1] = end  # the last contact of a followed file is its latest entry
        for i, day in enumerate(days):
            if i == 0 and stage != Stage.NEW:
                add(day, *pick(INTERVIEWS))
            elif i == len(days) - 1 and stage in (Stage.VISIT, Stage.SETTLED):
                add(day, *pick(VISITS))
            else:
                add(day, *pick(FOLLOWS))

        closed_by = {"from": str(self.stage_before(first, end)), "to": str(stage)}
        if stage == Stage.SETTLED:
            commune_id, commune_name = self.settled_commune(villages)
            household.settled_on, household.settled_commune_id = draft.settled_on, commune_id
            household.settled_people = draft.size
            people = f"{draft.size} personne" + ("s" if draft.size > 1 else "")
            add(
                draft.settled_on,
                K.STAGE,
                f"Installés à {commune_name} le {draft.settled_on:%d/%m/%Y}, {people}.",
                data=closed_by | {"commune": commune_id},
                hour=(17, 18),
            )
            for after, title, done_text in WELCOMES:
                due = draft.settled_on + timedelta(days=after)
                done = due <= today and (due < today - timedelta(days=60) or rng.random() < 0.6)
                done_on = min(today, due + timedelta(days=rng.randint(0, 6)))
                self.follow_up(
                    draft, title, due, advisor, done_on if done else None, created_on=draft.settled_on, welcome=True
                )
                if done and len(entries) < 7:  # one entry for the first contact, six more at most
                    add(done_on, K.CALL, done_text.format(commune=commune_name))
        elif stage in (Stage.ON_HOLD, Stage.DROPPED):
            reason = rng.choice(HOLD_REASONS if stage == Stage.ON_HOLD else DROP_REASONS)
            household.stage_reason = reason
            add(
                end,
                K.STAGE,
                f"Étape : {STAGE_FR[closed_by['from']]} → {STAGE_FR[stage]}. {reason}",
                data=closed_by,
                hour=(17, 18),
            )
        household.stage = stage

        # Follow-ups: done ones along the way, an open one (or two) for a followed file.
        for _i in range(rng.choice([0, 1, 1, 2]) if stage != Stage.NEW else 0):
            due = _day(rng, first, end)
            done_on = min(end, due + timedelta(days=rng.randint(0, 3)))
            self.follow_up(draft, rng.choice(DONE_TASKS).format(**words), due, advisor, done_on)
        if stage in FOLLOWED_STAGES:
            for _i in range(1 if rng.random() < 0.8 else 2):
                roll = rng.random()
                if roll < 0.25:
                    due = today - timedelta(days=rng.randint(1, 21))
                elif roll < 0.6:
                    due = today + timedelta(days=rng.randint(0, 6))
                else:
                    due = today + timedelta(days=rng.randint(7, 45))
                self.follow_up(draft, rng.choice(OPEN_TASKS[stage]).format(**words), due, advisor)

        # About one file in twenty: the same people applied again, and the file waits for a check.
        if rng.random() < 0.05 and (today - first).days > 30 and sum(e[1] != K.STAGE for e in entries) < 6:
            main = draft.members[0]
            add(
                _day(rng, first + timedelta(days=30), min(today, first + timedelta(days=1100))),
                K.APPLICATION,
                f"Nouvelle candidature de {main.first_name} {main.last_name} ({main.email or main.phone}), rattachée "
                "à ce dossier : à vérifier.",
                None,
                hour=(7, 23),
            )
            household.possible_duplicate = True

        # Distinct times, so that the timeline's order is the same in the database and here.
        entries.sort(key=lambda e: e[0])
        seen: set[datetime] = set()
        for when, kind, text, author, data in entries:
            while when in seen:
                when += timedelta(minutes=1)
            seen.add(when)
            draft.interactions.append(Interaction(kind=kind, occurred_at=when, summary=text, author=author, data=data))
        household.last_contact_on = max(e.occurred_at.astimezone(self.tz).date() for e in draft.interactions)

    def open_stage(self, age: int) -> str:
        roll = self.rng.random()
        if age < 20:
            return Stage.NEW if roll < 0.8 else Stage.FIRST_INTERVIEW
        if age < 60:
            return Stage.NEW if roll < 0.05 else Stage.FIRST_INTERVIEW if roll < 0.6 else Stage.FOLLOW_UP
        return Stage.FIRST_INTERVIEW if roll < 0.05 else Stage.FOLLOW_UP if roll < 0.7 else Stage.VISIT

    def stage_before(self, first: date, end: date) -> str:
        age = (end - first).days
        if age < 30:
            return Stage.NEW
        if age < 90:
            return Stage.FIRST_INTERVIEW
        return Stage.VISIT if self.rng.random() < 0.2 else Stage.FOLLOW_UP

    def settled_commune(self, villages: list[Village]) -> tuple[str, str]:
        rng = self.rng
        if self.communes and rng.random() < 0.12:
            insee, name, _population = _weighted(rng, [(c, math.sqrt((c[2] or 50) + 50)) for c in self.communes])
            return insee, name
        village = (
            villages[0]
            if villages and rng.random() < 0.85
            else _weighted(rng, zip(self.villages, self.village_weights, strict=True))
        )
        return village.commune_id, village.commune.name

    def follow_up(self, draft: Draft, title: str, due: date, advisor: User | None, done_on: date | None = None,
                  created_on: date | None = None, welcome: bool = False) -> None:  # fmt: skip
        if created_on is None:  # written down a few days before it is due, after the first contact
            latest = min(due, done_on or due, self.today)
            created_on = max(draft.first, latest - timedelta(days=self.rng.randint(1, 14)))
        done_at = self.at(done_on) if done_on else None
        created_at = self.at(created_on, (8, 9))
        draft.follow_ups.append(
            FollowUp(
                title=title[:200],
                due_on=due,
                assignee=advisor,
                created_by=None if welcome else advisor,
                is_welcome=welcome,
                done_at=max(done_at, created_at) if done_at else None,  # done the day it was written: after it
                done_by=advisor if done_on else None,
            )
        )
        draft.follow_ups_created.append(created_at)

    @staticmethod
    def search_text(household: Household, members: list[Person], interactions: list[Interaction]) -> str:
        latest = [i.summary for i in sorted(interactions, key=lambda i: i.occurred_at, reverse=True)]
        return household.build_search_text(members, latest, folding=_fold)

    # --- Writing ----------------------------------------------------------------------------------------------------

    def write(self, drafts: list[Draft]) -> None:
        households = [d.household for d in drafts]
        Household.objects.bulk_create(households, batch_size=BATCH)
        members, interactions, follow_ups, consents, villages, tags = [], [], [], [], [], []
        Through, TagThrough = Household.villages_of_interest.through, Household.tags.through
        for draft in drafts:
            h = draft.household
            for obj in draft.members:
                obj.household = h
            for obj in draft.interactions:
                obj.household = h
            for obj in draft.follow_ups:
                obj.household = h
            for obj in draft.consents:
                obj.household = h
            members += draft.members
            interactions += draft.interactions
            follow_ups += draft.follow_ups
            consents += draft.consents
            villages += [Through(household_id=h.pk, village_id=pk) for pk in draft.village_ids]
            tags += [TagThrough(household_id=h.pk, tag_id=pk) for pk in draft.tag_ids]
        Person.objects.bulk_create(members, batch_size=BATCH)
        Interaction.objects.bulk_create(interactions, batch_size=BATCH)
        FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
        # created_at is "now" on insert (auto_now_add): bring it back to when it happened, in one statement each.
        set_created_at(Household, [(d.created_at, d.household.pk) for d in drafts])
        set_created_at(FollowUp, [(c, f.pk) for d in drafts for c, f in zip(d.follow_ups_created, d.follow_ups,
                                                                              strict=True)])  # fmt: skip
        Consent.objects.bulk_create(consents, batch_size=BATCH)
        Through.objects.bulk_create(villages, batch_size=BATCH)
        TagThrough.objects.bulk_create(tags, batch_size=BATCH)


def set_created_at(model, rows: list[tuple[datetime, int]]) -> None:
    """UPDATE … SET created_at = %s WHERE pk = %s for each row, as one executemany (bulk_update is ten times
    slower here)."""
    connection = connections[router.db_for_write(model)]
    created_at, quote = model._meta.get_field("created_at"), connection.ops.quote_name
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {quote(created_at.column)} = %s "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(created_at.get_db_prep_value(when, connection), pk) for when, pk in rows])


@transaction.atomic
def load_prospects(
    territory: Territory, advisors: list[User], rng: random.Random, fake: Faker, today: date, scale: float = 1.0
) -> dict[str, int]:
    """Fill `territory` with demo households from 2008 to `today`, assigned in turn to `advisors`; return counts.

    The territory needs its partner villages (and, for the few who settle elsewhere, the communes of its
    département). Households that applied by the form (most of them after 2015) have their consents, recorded on
    the day they applied."""
    generator = Generator(territory, advisors, rng, fake, today, scale)
    drafts = generator.drafts()
    for i, draft in enumerate(drafts):
        generator.fill(draft, advisors[i % len(advisors)] if advisors else None)
    generator.write(drafts)
    settled = [d for d in drafts if d.settled_on]
    return {
        "households": len(drafts),
        "settled families": len(settled),
        "people settled": sum(d.size for d in settled),
        "interactions": sum(len(d.interactions) for d in drafts),
        "follow-ups": sum(len(d.follow_ups) for d in drafts),
    }
