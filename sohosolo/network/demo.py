"""Demo network: the club's members (drawn from the settled demo households), partner organisations and introductions.

Run after the prospects (members are the households settled over the years) and before the events (whose workshops
register the members under their names). Deterministic, with its own random generator so that loading it does not
change what the other loaders draw.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from sohosolo.accounts.models import RoleKind, User
from sohosolo.lib.text import fold
from sohosolo.network.models import (
    Answer,
    CheckIn,
    Introduction,
    MemberProfile,
    Partner,
    PartnerContact,
    Skill,
)
from sohosolo.prospects.models import Activity, Household, Interaction, Stage
from sohosolo.territory.models import Commune, Territory

SEED = 3207
PERSONA_EMAIL = "member@demo.sohosolo.fr"
PARTNER_PERSONA_EMAIL = "partner@demo.sohosolo.fr"

SKILLS = {
    Activity.REMOTE_EMPLOYEE: [
        "Gestion de projet",
        "Développement web",
        "Support client",
        "Data",
        "Ressources humaines",
    ],
    Activity.FREELANCER: ["Graphisme", "Rédaction", "Traduction", "Développement web", "Photographie", "SEO"],
    Activity.CREATION: ["Commerce en ligne", "Marketing", "Levée de fonds", "Vente", "Tourisme"],
    Activity.TAKEOVER: ["Gestion", "Commerce de proximité", "Management", "Reprise d'entreprise"],
    Activity.CRAFT: ["Menuiserie", "Céramique", "Restauration de meubles", "Maçonnerie", "Couture", "Ferronnerie"],
    Activity.ART: ["Illustration", "Musique", "Photographie", "Théâtre", "Peinture"],
    Activity.CONSULTING: ["Stratégie", "Formation", "Comptabilité", "Droit des affaires", "Conseil RH", "Qualité"],
    Activity.OTHER: ["Agriculture bio", "Bien-être", "Cuisine", "Soutien scolaire"],
}
COMMON_SKILLS = ["Anglais", "Réseaux sociaux", "Bureautique", "Prise de parole", "Vie associative"]
HEADLINES = {
    Activity.REMOTE_EMPLOYEE: ["Cheffe de projet en télétravail", "Développeur en télétravail", "Analyste de données"],
    Activity.FREELANCER: ["Graphiste indépendante", "Traducteur", "Rédactrice web", "Développeur freelance"],
    Activity.CREATION: ["Créatrice d'une boutique en ligne", "Fondateur d'une agence de tourisme"],
    Activity.TAKEOVER: ["Repreneur d'une épicerie", "Gérante d'une librairie reprise"],
    Activity.CRAFT: ["Ébéniste", "Céramiste", "Tapissière", "Ferronnier d'art"],
    Activity.ART: ["Illustratrice", "Musicien", "Photographe"],
    Activity.CONSULTING: ["Consultante en stratégie", "Formateur", "Conseil en ressources humaines"],
    Activity.OTHER: ["Maraîchère bio", "Praticienne bien-être"],
}
BIOS = [
    "Installé{e} à {commune} depuis {year}, je partage volontiers mon expérience de l'installation dans le Gers.",
    "Arrivé{e} en {year} avec ma famille, je travaille depuis {commune}. J'aime rencontrer les nouveaux venus.",
    "Je suis à {commune} depuis {year}. La fibre, le marché et le calme : je ne reviendrais pas en arrière.",
    "Membre du club depuis {year}, j'anime parfois des ateliers. Contactez-moi pour parler de votre projet.",
]
MENTOR_TOPICS = [
    "Se lancer en indépendant",
    "Trouver un logement et une école",
    "Télétravailler depuis un village",
    "Reprendre un commerce",
    "Développer une clientèle locale",
]

PARTNERS = [
    # name, kind, services, email, phone, public, contact (name, function)
    (
        "CCI du Gers",
        Partner.Kind.CHAMBER,
        "Formalités de création et de reprise\nAteliers du créateur\nBourse des commerces à reprendre",
        "entreprises@demo-cci-gers.fr",
        "05 62 61 62 62",
        True,
        ("Claire Dupouy", "Conseillère création"),
    ),
    (
        "Chambre de métiers et de l'artisanat du Gers",
        Partner.Kind.CHAMBER,
        "Immatriculation des artisans\nStage de préparation à l'installation\nAccompagnement des repreneurs",
        "contact@demo-cma-gers.fr",
        "05 62 61 22 00",
        True,
        ("Pierre Lamothe", "Conseiller artisanat"),
    ),
    (
        "Soulé & Associés, expertise comptable",
        Partner.Kind.ACCOUNTANT,
        "Premier rendez-vous offert aux Solos\nChoix du statut (micro, EI, SASU)\nTenue comptable et déclarations",
        "cabinet@demo-soule-expertise.fr",
        "05 62 05 10 10",
        True,
        None,  # the partner persona
    ),
    (
        "Cabinet Darrieux, avocats",
        Partner.Kind.LAW_FIRM,
        "Consultation juridique à tarif réduit\nStatuts et pactes d'associés\nBaux commerciaux",
        "contact@demo-darrieux-avocats.fr",
        "05 62 05 44 30",
        True,
        ("Maître Anne Darrieux", "Avocate associée"),
    ),
    (
        "Banque Gasconne, agence d'Auch",
        Partner.Kind.BANK,
        "Compte professionnel à tarif préférentiel la première année\nPrêt d'installation\nConseiller dédié",
        "auch@demo-banque-gasconne.fr",
        "05 62 60 30 30",
        True,
        ("Marc Sentous", "Conseiller professionnels"),
    ),
    (
        "La Grange numérique, coworking",
        Partner.Kind.COWORKING,
        "Poste de travail à la journée ou au mois\nSalle de réunion\nVisioconférence et fibre",
        "bonjour@demo-grange-numerique.fr",
        "05 62 28 00 11",
        True,
        ("Julie Abadie", "Animatrice"),
    ),
    (
        "Conseil départemental du Gers",
        Partner.Kind.PUBLIC_BODY,
        "Aides à l'installation en milieu rural\nAccueil des nouveaux arrivants\nHaut débit",
        "attractivite@demo-gers.fr",
        "05 62 67 40 40",
        True,
        ("Service attractivité", ""),
    ),
    (
        "Région Occitanie",
        Partner.Kind.FUNDER,
        "Financement du programme\nPrêts d'honneur pour les créateurs",
        "",
        "",
        True,
        None,
    ),
    (
        "Programme européen Interreg",
        Partner.Kind.FUNDER,
        "Financement européen du programme Soho Solo",
        "",
        "",
        True,
        None,
    ),
    (
        "Soho Solo Lot, CCI du Lot",
        Partner.Kind.RELAY,
        "Programme Soho Solo du Lot\nÉchanges de candidats entre les deux départements",
        "sohosolo.lot@demo.sohosolo.fr",
        "05 65 20 35 00",
        True,
        ("Camille Delpech", "Conseillère"),
    ),
]
PURPOSES = {
    "member": [
        "Parler du travail en indépendant depuis un village et des premiers clients",
        "Échanger sur le télétravail et la vie de famille dans le Gers",
        "Conseils pour trouver un local d'atelier",
        "Découvrir le club et les ateliers du mois",
        "Retour d'expérience sur la reprise d'un commerce",
    ],
    "partner": [
        "Choisir le statut de l'entreprise",
        "Ouvrir un compte professionnel et financer l'installation",
        "Trouver un poste en coworking en attendant la fibre",
        "Préparer l'immatriculation",
        "Relire un bail commercial",
    ],
    "mentoring": ["Accompagner l'installation les premiers mois", "Parrainage d'un futur indépendant"],
}
OUTCOMES = [
    "Premier client trouvé grâce à la rencontre",
    "Statut choisi, immatriculation faite",
    "Poste de coworking réservé",
    "Échange utile, pas de suite pour l'instant",
]


def _aware(day: date, hour: int = 10) -> datetime:
    """A moment of `day` (in the past: what the club did), never later than now."""
    return min(timezone.make_aware(datetime.combine(day, time(hour, 0))), timezone.now())


def load_network(territory: Territory, today: date) -> dict[str, int]:
    """The club's members, partners and introductions of `territory`; the demo users with the MEMBER role exist."""
    rng = random.Random(f"{SEED}-{territory.code}")
    skills = _skills()
    profiles = _members(territory, rng, today, skills)
    partners = _partners(territory) if territory.code == "gers" else []
    introductions = _introductions(territory, rng, today, profiles, partners)
    return {
        "members": len(profiles),
        "partners": len(partners),
        "introductions": introductions,
    }


def _skills() -> dict[str, Skill]:
    names = sorted({name for names in SKILLS.values() for name in names} | set(COMMON_SKILLS))
    existing = {s.key: s for s in Skill.objects.all()}
    Skill.objects.bulk_create(
        [Skill(name=name, key=fold(name)) for name in names if fold(name) not in existing], ignore_conflicts=True
    )
    return {s.name: s for s in Skill.objects.all()}


def _members(territory: Territory, rng: random.Random, today: date, skills: dict[str, Skill]) -> list[MemberProfile]:
    """Each member user gets a profile; all but the persona become one of the households settled over the years
    (their name, address and language), living in the commune they settled in."""
    users = list(User.objects.filter(roles__kind=RoleKind.MEMBER, roles__territory=territory).order_by("pk").distinct())
    settled = list(
        Household.objects.filter(territory=territory, stage=Stage.SETTLED, settled_commune__isnull=False)
        .order_by("settled_on", "pk")
        .prefetch_related("members")
    )
    # Members joined over the years, as families settled: a sample of every year's, not only the latest.
    rng.shuffle(settled)
    taken = set(User.objects.values_list("email", flat=True))
    communes = list(Commune.objects.filter(pk__in=territory.villages.values("commune")))
    profiles, changed_users, household_of = [], [], {}
    for user in users:
        household = None
        if user.email != PERSONA_EMAIL:
            while settled and household is None:
                candidate = settled.pop(0)
                contact = candidate.main_contact
                if contact and contact.email and contact.email not in taken:
                    household = candidate
            if household is not None:
                taken.add(contact.email)
                user.full_name, user.email, user.language = contact.full_name, contact.email, household.language
                changed_users.append(user)
        household_of[user.pk] = household
        activity = (household.activity if household else "") or rng.choice(list(SKILLS))
        if user.email == PERSONA_EMAIL:
            activity = Activity.FREELANCER
        if household is not None:
            since = household.settled_on + timedelta(days=rng.randint(20, 120))
        else:  # more members than settled demo files (a small demo): joined some time since the programme began
            since = date(2008, 6, 1) + timedelta(days=rng.randint(0, (today - date(2008, 6, 1)).days))
        since = min(since, today)
        renewal = date(today.year, since.month, min(since.day, 28))
        # Most members renew on time: a past anniversary is mostly already renewed for the next year.
        if renewal < today - timedelta(days=80) or (renewal < today and rng.random() < 0.8):
            renewal = date(today.year + 1, renewal.month, renewal.day)
        status = MemberProfile.Status.ACTIVE
        ended = None
        roll = rng.random()
        if user.email != PERSONA_EMAIL and roll < 0.05:
            status, ended = MemberProfile.Status.ENDED, min(today, since + timedelta(days=rng.randint(400, 2000)))
        elif renewal < today - timedelta(days=60):
            status, ended = MemberProfile.Status.LAPSED, renewal + timedelta(days=60)
        visibility = rng.choices(
            [MemberProfile.Visibility.PUBLIC, MemberProfile.Visibility.MEMBERS, MemberProfile.Visibility.HIDDEN],
            [55, 35, 10],
        )[0]
        commune = household.settled_commune if household else rng.choice(communes) if communes else None
        first = user.full_name.split(" ")[0]
        feminine = first.endswith(("a", "e", "ie", "ine")) and first not in ("Pierre", "Philippe")
        bio = rng.choice(BIOS).format(
            e="e" if feminine else "", commune=commune.name if commune else "", year=since.year
        )
        is_mentor = user.email == PERSONA_EMAIL or rng.random() < 0.18
        profile = MemberProfile(
            user=user,
            territory=territory,
            household=household,
            status=status,
            visibility=MemberProfile.Visibility.PUBLIC if user.email == PERSONA_EMAIL else visibility,
            activity=activity,
            headline=(household.sector if household and household.sector else rng.choice(HEADLINES[activity]))[:120],
            commune=commune,
            website=f"https://{fold(user.full_name).replace(' ', '-')}.example.fr" if rng.random() < 0.35 else "",
            bio=bio,
            languages=["fr", "en"] if user.language == "en" or rng.random() < 0.3 else ["fr"],
            is_mentor=is_mentor,
            mentor_topics=rng.choice(MENTOR_TOPICS) if is_mentor else "",
            member_since=since,
            renewal_on=renewal,
            ended_on=ended,
            created_at=_aware(since),
        )
        profiles.append(profile)
    User.objects.bulk_update(changed_users, ["full_name", "email", "language"], batch_size=500)
    MemberProfile.objects.bulk_create(profiles, batch_size=500)
    links = []
    for profile in profiles:
        names = rng.sample(SKILLS[profile.activity], k=min(3, len(SKILLS[profile.activity])))
        names += rng.sample(COMMON_SKILLS, k=rng.randint(0, 2))
        links += [MemberProfile.skills.through(memberprofile_id=profile.pk, skill_id=skills[n].pk) for n in names]
    MemberProfile.skills.through.objects.bulk_create(links, batch_size=1000)
    saved = (
        MemberProfile.objects.filter(territory=territory).select_related("user", "commune").prefetch_related("skills")
    )
    for profile in saved:
        profile.refresh_search_text(save=False)
    MemberProfile.objects.bulk_update(saved, ["search_text"], batch_size=500)
    # The club invitation of each settled household, in its timeline.
    Interaction.objects.bulk_create(
        [
            Interaction(
                household=profile.household,
                kind=Interaction.Kind.WELCOME,
                occurred_at=_aware(profile.member_since, 9),
                summary=f"Invité au club Soho Solo ({profile.user.email}).",
                data={"club_invitation": profile.pk},
            )
            for profile in saved
            if profile.household_id
        ],
        batch_size=500,
    )
    # Renewing one's membership is a contact with the programme: an active member's file is not stale (retention).
    renewed = []
    for profile in saved:
        if profile.household_id and profile.status == MemberProfile.Status.ACTIVE:
            last = date(profile.renewal_on.year - 1, profile.renewal_on.month, profile.renewal_on.day)
            last = min(today, max(profile.member_since, last))
            if profile.household.last_contact_on is None or profile.household.last_contact_on < last:
                profile.household.last_contact_on = last
                renewed.append(profile.household)
    Household.objects.bulk_update(renewed, ["last_contact_on"], batch_size=500)
    return list(saved)


def _partners(territory: Territory) -> list[Partner]:
    auch = territory.main_town
    partners = []
    for name, kind, services, email, phone, public, contact in PARTNERS:
        partner = Partner.objects.create(
            territory=territory,
            name=name,
            kind=kind,
            services=services,
            email=email,
            phone=phone,
            is_public=public,
            commune=auch,
            website=f"https://www.{email.split('@')[1]}" if email and "demo-" in email else "",
            description="",
        )
        if contact is not None:
            PartnerContact.objects.create(
                partner=partner,
                full_name=contact[0],
                function=contact[1],
                email=email,
                phone=phone,
            )
        if kind == Partner.Kind.ACCOUNTANT:
            persona = User.objects.filter(email=PARTNER_PERSONA_EMAIL).first()
            if persona is not None:
                PartnerContact.objects.create(
                    partner=partner,
                    full_name=persona.full_name,
                    function="Expert-comptable associée",
                    email=persona.email,
                    phone=phone,
                    user=persona,
                )
        partners.append(partner)
    return partners


def _introductions(territory, rng, today, profiles, partners) -> int:
    """Introductions of the households followed now (and a few settled ones, for mentoring), at every stage."""
    active = [p for p in profiles if p.status == MemberProfile.Status.ACTIVE]
    mentors = [p for p in active if p.is_mentor]
    persona = next((p for p in profiles if p.user.email == PERSONA_EMAIL), None)
    accountant = next((p for p in partners if p.kind == Partner.Kind.ACCOUNTANT), None)
    households = list(
        Household.objects.followed_now()
        .filter(territory=territory)
        .exclude(stage=Stage.NEW)
        .order_by("-last_contact_on", "pk")[: 90 if territory.code == "gers" else 20]
        .prefetch_related("members")
    )
    advisors = list(User.objects.filter(roles__kind=RoleKind.ADVISOR, roles__territory=territory).order_by("pk"))
    if not active or not households:
        return 0
    introductions, events = [], []
    for i, household in enumerate(households):
        contact = household.main_contact
        if contact is None:
            continue
        mentoring = bool(mentors) and i % 6 == 5
        if mentoring:
            member, partner, kind = (persona if i < 20 and persona else rng.choice(mentors)), None, "mentoring"
        elif partners and i % 3 == 1:
            member, kind = None, "introduction"
            partner = accountant if i < 15 and accountant else rng.choice(partners)
        else:
            member, partner, kind = (persona if i < 8 and persona else rng.choice(active)), None, "introduction"
        # Introduced once they are known to the team: never before their first contact.
        created = max(today - timedelta(days=rng.randint(3, 240)), household.first_contact_on)
        stage = rng.choices(["proposed", "declined", "accepted", "met", "closed"], [20, 10, 25, 25, 20])[0]
        if created > today - timedelta(days=14):
            stage = "proposed"
        elif created < today - timedelta(days=30) and stage == "proposed":
            stage = "declined"  # nobody leaves a proposal unanswered for months: it was turned down
        introduction = Introduction(
            territory=territory,
            household=household,
            kind=kind,
            member=member,
            partner=partner,
            purpose=rng.choice(PURPOSES["mentoring" if mentoring else "partner" if partner else "member"]),
            status=stage,
            prospect_language=household.language,
            prospect_name=contact.first_name,
            created_by=household.advisor or (advisors[0] if advisors else None),
            created_at=_aware(created, 11),
            months=6 if mentoring else None,
        )
        if stage == "proposed":
            introduction.prospect_answer = rng.choice([Answer.PENDING, Answer.ACCEPTED])
            introduction.party_answer = Answer.PENDING
        elif stage == "declined":
            introduction.prospect_answer = rng.choice([Answer.DECLINED, Answer.ACCEPTED])
            introduction.party_answer = (
                Answer.DECLINED if introduction.prospect_answer == Answer.ACCEPTED else Answer.PENDING
            )
        else:
            introduction.prospect_answer = introduction.party_answer = Answer.ACCEPTED
            introduction.prospect_name = contact.full_name
            introduction.shared_email = contact.email
            introduction.shared_phone = contact.phone if rng.random() < 0.5 else ""
            answered = created + timedelta(days=rng.randint(1, 6))
            introduction.prospect_answered_at = introduction.party_answered_at = _aware(answered, 15)
            if stage in ("met", "closed"):
                introduction.met_on = min(today, answered + timedelta(days=rng.randint(3, 20)))
            if stage == "closed":
                introduction.outcome = rng.choice(OUTCOMES)
            if mentoring:
                introduction.ends_on = answered + timedelta(days=183)
                introduction.next_check_in_on = max(today - timedelta(days=3), answered + timedelta(days=30))
                if stage == "closed" or introduction.ends_on < today:
                    introduction.next_check_in_on = None
        introductions.append(introduction)
    Introduction.objects.bulk_create(introductions, batch_size=500)
    check_ins = []
    for introduction in introductions:
        name = introduction.party_name
        events.append(
            (introduction, introduction.created_at, f"Mise en relation proposée avec {name} : {introduction.purpose}")
        )
        if introduction.status == "declined":
            events.append(
                (introduction, introduction.created_at + timedelta(days=2), f"Mise en relation avec {name} déclinée.")
            )
        if introduction.prospect_answered_at:
            events.append(
                (
                    introduction,
                    introduction.prospect_answered_at,
                    f"Mise en relation avec {name} acceptée par les deux parties.",
                )
            )
        if introduction.met_on:
            events.append(
                (
                    introduction,
                    _aware(introduction.met_on, 17),
                    f"Rencontre avec {name} le {introduction.met_on:%d/%m/%Y}.",
                )
            )
        if introduction.outcome:
            events.append(
                (
                    introduction,
                    _aware(introduction.met_on or today, 18),
                    f"Suite de la mise en relation avec {name} : {introduction.outcome}",
                )
            )
        if introduction.kind == "mentoring" and introduction.prospect_answered_at:
            day = introduction.prospect_answered_at.date() + timedelta(days=30)
            while day < today and day <= (introduction.ends_on or today):
                note = rng.choice(
                    ["Tout va bien, premiers clients", "Installation des enfants à l'école", "Cherche un local"]
                )
                check_ins.append(
                    CheckIn(introduction=introduction, held_on=day, note=note, recorded_by=introduction.member.user)
                )
                events.append((introduction, _aware(day, 19), f"Point de parrainage avec {name} : {note}"))
                day += timedelta(days=30)
    CheckIn.objects.bulk_create(check_ins, batch_size=500)
    now = timezone.now()
    Interaction.objects.bulk_create(
        [
            Interaction(
                household_id=introduction.household_id,
                kind=Interaction.Kind.INTRODUCTION,
                occurred_at=min(when, now),  # a meeting of today is written down this morning, not tonight
                summary=summary,
                author=introduction.created_by,
                data={"introduction": introduction.pk},
            )
            for introduction, when, summary in events
        ],
        batch_size=500,
    )
    return len(introductions)
