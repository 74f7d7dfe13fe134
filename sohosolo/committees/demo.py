"""Demo data of the welcome committees, consistent with the demo prospects already loaded.

- Households followed now (or at the visit stage) who agreed to sharing are referred to their first village of
  interest; those at the visit stage have had a visit (recorded) or have one coming.
- Households settled in a partner village over the last two years have their welcome checklist, more of it done the
  longer ago they came, and their open +1/+6/+12-month follow-ups offered to the committee.
- Most volunteers said whether they can guide visits. A few committees have done nothing lately: they show as quiet.

Deterministic: the only source of chance is the `rng` given by the caller.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import override

from sohosolo.accounts.models import CommitteeFunction, Role, RoleKind
from sohosolo.committees.models import (
    WELCOME_ACTIONS,
    Availability,
    CommitteeFollowUp,
    Interest,
    Referral,
    Visit,
    VisitOutcome,
    WelcomeAction,
    WelcomeChecklist,
)
from sohosolo.privacy.consents import WORDINGS
from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import FollowUp, Household, Interaction, Person, Stage
from sohosolo.territory.models import Territory, Village

REFERRAL_NOTES = [
    "Famille motivée, cherche une maison avec jardin près de l'école.",
    "Souhaitent rencontrer d'autres indépendants du village.",
    "Ont besoin d'une bonne connexion : montrez-leur l'espace de coworking.",
    "Projet de reprise d'un commerce : présentez-les au maire.",
    "Premier séjour dans le Gers : une visite du marché leur plairait.",
    "",
]
VISIT_REPORTS = {
    VisitOutcome.WELL: [
        "Coup de cœur pour le village.",
        "Très bon contact avec l'école.",
        "Ils reviendront au printemps.",
    ],
    VisitOutcome.MIXED: ["Le village leur plaît, mais peu de maisons à louer.", "Hésitent avec un autre village."],
    VisitOutcome.BADLY: ["Trop loin de la gare pour eux."],
}
HOMES = [
    "Maison de village, 4 pièces, rue de la Mairie",
    "Longère avec jardin, route d'Auch",
    "Appartement au-dessus de la boulangerie",
    "Ferme à rénover, 2 km du bourg",
]
WHEN = ["Le week-end", "Le mercredi après-midi", "En semaine après 17 h", "Le samedi matin", ""]
ACTION_NOTES = ["", "", "Très bon accueil.", "Rendez-vous pris avec la directrice.", "Invités au repas du village."]
CHECKLIST_YEARS = 2
PERSONA_VILLAGES = {"lectoure", "marciac"}
SETTLING_INTERVIEW = "settling interview"


def agree_to_share_at_settling(settled_there) -> Household | None:
    """The latest of the households `settled_there` (when none of them shares with the village's committee) agrees
    to sharing at its settling interview: a consent recorded that day, on the wording in its language."""
    household = settled_there.order_by("-settled_on", "pk").first()
    if household is None:
        return None
    version, wording = WORDINGS[Consent.Purpose.SHARING]
    with override(household.language or "fr"):
        Consent.objects.create(
            household=household,
            purpose=Consent.Purpose.SHARING,
            given=True,
            wording_version=version,
            wording=str(wording),
            language=household.language or "fr",
            source=SETTLING_INTERVIEW,
            recorded_at=datetime.combine(household.settled_on, time(11), tzinfo=ZoneInfo(settings.TIME_ZONE)),
        )
    return household


@override("fr")  # the team writes the timelines in French
def load_committees(territory: Territory, rng: random.Random, today: date, now: datetime) -> dict[str, int]:
    tz = ZoneInfo(settings.TIME_ZONE)

    def at(day: date, hour: int = 10, planned: bool = False) -> datetime:
        """A moment of `day`: what has happened is never later than now, what is `planned` may be."""
        moment = datetime.combine(day, time(hour, rng.choice([0, 15, 30])), tzinfo=tz)
        return moment if planned else min(moment, now)

    villages = {v.pk: v for v in Village.objects.filter(territory=territory)}
    volunteers: dict[int, list] = {}
    referents: dict[int, object] = {}
    for role in Role.objects.filter(territory=territory, kind=RoleKind.VOLUNTEER).select_related("user").order_by("pk"):
        volunteers.setdefault(role.village_id, []).append(role.user)
        if role.committee_function == CommitteeFunction.REFERENT:
            referents.setdefault(role.village_id, role.user)
    # A few committees have gone quiet: nothing of theirs is made.
    # (Never the persona volunteers' own villages, so that their demo space has something to show.)
    candidates = sorted(pk for pk, v in villages.items() if v.slug not in PERSONA_VILLAGES)
    quiet = set(rng.sample(candidates, k=max(1, len(candidates) // 10))) if candidates else set()

    availabilities = [
        Availability(
            user=user,
            village_id=village_id,
            can_guide=rng.random() < 0.7,
            when=rng.choice(WHEN),
            away_until=today + timedelta(days=rng.randint(5, 40)) if rng.random() < 0.05 else None,
        )
        for village_id, users in volunteers.items()
        for user in users
        if rng.random() < 0.6
    ]
    Availability.objects.bulk_create(availabilities)

    main = Prefetch("members", queryset=Person.objects.filter(is_main_contact=True), to_attr="main_contacts")
    followed = (
        Household.objects.filter(
            territory=territory,
            stage__in=[Stage.FOLLOW_UP, Stage.VISIT],
            last_contact_on__gte=today - timedelta(days=3 * 365),
        )
        .sharing_consented()
        .prefetch_related("villages_of_interest", main)
        .order_by("pk")
    )
    referrals, visits, interactions, guides = [], [], [], []
    referred: dict[int, date] = {}  # household → day of its referral
    referred_to: set[tuple[int, int]] = set()

    def refer(household: Household, chosen: list[Village], referred_on: date) -> None:
        advisor = household.advisor_id
        note = rng.choice(REFERRAL_NOTES)
        referrals.extend(
            Referral(household=household, village=v, note=note, referred_by_id=advisor, created_at=at(referred_on))
            for v in chosen
        )
        referred_to.update((household.pk, v.pk) for v in chosen)
        referred[household.pk] = referred_on
        interactions.append(
            Interaction(
                household=household,
                kind=Interaction.Kind.REFERRAL,
                occurred_at=at(referred_on, 11),
                summary=f"Orienté vers le comité d'accueil de {', '.join(v.name for v in chosen)}."
                + (f"\n{note}" if note else ""),
                author_id=advisor,
            )
        )

    def add_visit(household: Household, village: Village, coming: bool) -> None:
        referred_on = referred[household.pk]
        day = today + timedelta(days=rng.randint(3, 30)) if coming else referred_on + timedelta(days=rng.randint(7, 30))
        day = min(day, today + timedelta(days=30)) if coming else min(day, today - timedelta(days=1))
        village_guides = rng.sample(volunteers.get(village.pk, []), k=min(2, len(volunteers.get(village.pk, []))))
        visit = Visit(
            household=household,
            village=village,
            starts_at=at(day, rng.choice([10, 14, 15]), planned=coming),
            homes="\n".join(rng.sample(HOMES, k=rng.randint(0, 2))),
            planned_by_id=household.advisor_id,
        )
        if not coming:
            outcome = rng.choices([VisitOutcome.WELL, VisitOutcome.MIXED, VisitOutcome.BADLY], [6, 3, 1])[0]
            interest_level = {
                VisitOutcome.WELL: Interest.HIGH,
                VisitOutcome.MIXED: Interest.SOME,
                VisitOutcome.BADLY: Interest.LOW,
            }[outcome]
            visit.outcome, visit.interest = outcome, interest_level
            visit.report = rng.choice(VISIT_REPORTS[outcome])
            visit.recorded_at = min(visit.starts_at + timedelta(hours=rng.randint(3, 30)), now)
            visit.recorded_by = village_guides[0] if village_guides else None
            interactions.append(
                Interaction(
                    household=household,
                    kind=Interaction.Kind.VISIT,
                    occurred_at=visit.starts_at,
                    summary=f"Visite de {village.name} le {visit.starts_at:%d/%m/%Y} : {outcome.label} ; "
                    f"intérêt : {interest_level.label}.\n{visit.report}",
                    author=visit.recorded_by,
                )
            )
        visits.append(visit)
        guides.append(village_guides)

    followed = list(followed)
    interests = {
        h.pk: [v for v in sorted(h.villages_of_interest.all(), key=lambda v: v.pk) if v.pk not in quiet]
        for h in followed
    }
    for household in followed:
        interest = interests[household.pk]
        if not interest or rng.random() > 0.8:
            continue
        referred_on = max(household.first_contact_on, household.last_contact_on - timedelta(days=rng.randint(20, 90)))
        chosen = interest[:2]  # their first two villages of interest
        refer(household, chosen, referred_on)
        village = rng.choice(chosen)
        if household.stage != Stage.VISIT and rng.random() > 0.2:
            continue
        add_visit(household, village, coming=rng.random() < 0.3)

    # The persona volunteers' villages have a visit coming and one done, with households that share with them.
    for village in sorted((v for v in villages.values() if v.slug in PERSONA_VILLAGES), key=lambda v: v.pk):
        concerned = [h for h in followed if village in interests[h.pk]]
        if not concerned and followed:
            # Nobody followed has the village among their wishes yet: the first household not yet referred anywhere
            # adds it (they heard of it at an information meeting).
            household = next((h for h in followed if h.pk not in referred), followed[0])
            household.villages_of_interest.add(village)
            interests[household.pk].append(village)
            concerned = [household]
        for coming in (True, False):
            if not concerned or any(v.village_id == village.pk and (v.recorded_at is None) == coming for v in visits):
                continue
            visited = {v.household_id for v in visits}
            household = next((h for h in concerned if h.pk not in visited), concerned[0])
            if household.pk not in referred:
                refer(
                    household,
                    [village],
                    max(household.first_contact_on, household.last_contact_on - timedelta(days=rng.randint(20, 90))),
                )
            elif (household.pk, village.pk) not in referred_to:
                referrals.append(
                    Referral(
                        household=household,
                        village=village,
                        referred_by_id=household.advisor_id,
                        created_at=at(referred[household.pk]),
                    )
                )
                referred_to.add((household.pk, village.pk))
            add_visit(household, village, coming)
    Referral.objects.bulk_create(referrals)
    Visit.objects.bulk_create(visits)
    Visit.guides.through.objects.bulk_create(
        Visit.guides.through(visit_id=visit.pk, user_id=user.pk)
        for visit, users in zip(visits, guides, strict=True)
        for user in users
    )

    by_commune = {v.commune_id: v for v in villages.values()}
    settled = (
        Household.objects.current()
        .filter(
            territory=territory,
            stage=Stage.SETTLED,
            settled_commune__in=list(by_commune),
            settled_on__gte=today - timedelta(days=365 * CHECKLIST_YEARS),
        )
        .order_by("pk")
    )
    settled = [h for h in settled if by_commune[h.settled_commune_id].pk not in quiet]
    # The persona volunteers' villages welcome at least one household that shares with them (the latest settled
    # there, even long ago), so that their demo space has a checklist to show.
    # (Only among the households the demo's retention job keeps: those in touch within the retention period.)
    kept = Household.objects.current().filter(
        territory=territory,
        stage=Stage.SETTLED,
        settled_on__isnull=False,
        last_contact_on__gte=today - relativedelta(years=territory.retention_years),
    )
    for village in villages.values():
        if village.slug not in PERSONA_VILLAGES:
            continue
        mine = kept.filter(settled_commune=village.commune_id).sharing_consented()
        if not mine.filter(pk__in=[h.pk for h in settled]).exists():
            latest = mine.order_by("-settled_on", "pk").first()
            if latest is None:
                latest = agree_to_share_at_settling(kept.filter(settled_commune=village.commune_id))
            # The household that agreed at its settling interview may be in the list already (it settled there
            # lately but had not agreed to sharing): one checklist per household and village.
            if latest is not None and latest.pk not in {h.pk for h in settled}:
                settled.append(latest)
    checklists = [
        WelcomeChecklist(
            household=h,
            village=by_commune[h.settled_commune_id],
            settled_on=h.settled_on,
            created_at=at(h.settled_on, 18),
        )
        for h in settled
    ]
    WelcomeChecklist.objects.bulk_create(checklists)
    actions = []
    for checklist in checklists:
        crew = volunteers.get(checklist.village_id, [])
        referent = referents.get(checklist.village_id) or (crew[0] if crew else None)
        for position, (kind, days) in enumerate(WELCOME_ACTIONS):
            due = checklist.settled_on + timedelta(days=days)
            assignee = referent if position == 0 or not crew else rng.choice(crew)
            done_on = due + timedelta(days=rng.randint(-10, 15))
            # Long-past actions are nearly all done; a few recent ones are late.
            done = done_on < today and rng.random() < (0.97 if due < today - timedelta(days=120) else 0.8)
            actions.append(
                WelcomeAction(
                    checklist=checklist,
                    kind=kind,
                    position=position,
                    assignee=assignee,
                    due_on=due,
                    done_at=at(done_on, 16) if done else None,
                    done_by=assignee if done else None,
                    note=rng.choice(ACTION_NOTES) if done else "",
                    reminded_on=min(due, today) if due <= today else None,
                )
            )
            if done:
                interactions.append(
                    Interaction(
                        household=checklist.household,
                        kind=Interaction.Kind.WELCOME,
                        occurred_at=at(done_on, 16),
                        summary=f"Accueil à {checklist.village.name} : {kind.label}, fait.",
                        author=assignee,
                    )
                )
    WelcomeAction.objects.bulk_create(actions, batch_size=1000)
    Interaction.objects.bulk_create(interactions, batch_size=1000)

    # The welcome follow-ups of settling still open are offered to the committee.
    open_follow_ups = (
        FollowUp.objects.filter(
            household__in=[c.household_id for c in checklists], due_on__gte=today - timedelta(days=60)
        )
        .filter(is_welcome=True, done_at__isnull=True)
        .order_by("pk")
    )
    checklist_of = {c.household_id: c for c in checklists}
    offered = []
    for follow_up in open_follow_ups:
        checklist = checklist_of[follow_up.household_id]
        if follow_up.due_on > checklist.settled_on:
            crew = volunteers.get(checklist.village_id, [])
            taker = rng.choice(crew) if crew and rng.random() < 0.4 else None
            offered.append(
                CommitteeFollowUp(
                    checklist=checklist,
                    follow_up=follow_up,
                    taken_by=taker,
                    taken_at=at(today - timedelta(days=rng.randint(1, 10))) if taker else None,
                )
            )
    CommitteeFollowUp.objects.bulk_create(offered)
    return {"referrals": len(referrals), "visits": len(visits), "welcome checklists": len(checklists)}
