"""The rules of the domain that the demo's bulk inserts bypass, checked on the whole database after it is drawn.

The demo writes most of its rows with `bulk_create` (the services would take minutes at the programme's real size):
the database refuses what breaks a constraint, but not what breaks a rule the services keep (a settled household has
its commune, a visit is recorded after it started, nothing happened after "now" …). `demo_problems()` looks for each of
these with one query, whatever the size, and says in plain words what is wrong and for how many rows; `load_demo` runs
it before its transaction commits. The tests that load the demo on many days run it too.
"""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import IntegrityError, connection, models
from django.db.models import Exists, F, OuterRef, Q

from sohosolo.committees.models import Referral, Visit, WelcomeAction, WelcomeChecklist
from sohosolo.housing.models import HousingOffer, OfferStatusChange, ProposalItem
from sohosolo.network.models import Introduction, MemberProfile
from sohosolo.privacy.models import RetentionNotice
from sohosolo.prospects.models import FollowUp, Household, Interaction, Person, Stage
from sohosolo.territory.models import Territory

# Fields that say when something happened: never later than the demo's "now" (its today for a date).
PAST_FIELDS = {
    "accepted_at",
    "anonymised_at",
    "answered_at",
    "changed_at",
    "closed_at",
    "council_decision_date",
    "created_at",
    "date_joined",
    "done_at",
    "finished_at",
    "first_contact_on",
    "granted_at",
    "handled_at",
    "kept_at",
    "last_activity_at",
    "last_contact_on",
    "last_login",
    "member_since",
    "occurred_at",
    "party_answered_at",
    "partner_since",
    "prospect_answered_at",
    "published_at",
    "queued_at",
    "received_on",
    "recorded_at",
    "reminded_at",
    "reminded_on",
    "reminder_sent_at",
    "sent_at",
    "settled_on",
    "status_changed_at",
    "taken_at",
    "updated_at",
    "uploaded_at",
    "used_at",
    "warned_at",
    "withdrawn_at",
}


def demo_problems(today: date, now: datetime) -> list[str]:
    """What in the database breaks a rule of the domain, one line per rule broken (empty when all is well)."""
    problems = []
    try:
        connection.check_constraints()  # SQLite defers foreign keys to the commit: check them now
    except IntegrityError as error:
        problems.append(f"a constraint is broken: {error}")
    for label, count in _past_fields(today, now) + [(label, rows.count()) for label, rows in _rules(today)]:
        if count:
            problems.append(f"{label}: {count} row(s)")
    return problems


def _past_fields(today: date, now: datetime) -> list[tuple[str, int]]:
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("sohosolo.") or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if field.name not in PAST_FIELDS or not isinstance(field, models.DateField):
                continue
            limit = now if isinstance(field, models.DateTimeField) else today
            count = model._default_manager.filter(**{f"{field.name}__gt": limit}).count()
            found.append((f"{model._meta.label}.{field.name} is after the demo's day", count))
    return found


def _rules(today: date) -> list[tuple[str, models.QuerySet]]:

    households = Household.objects.all()
    kept = Household.objects.current()
    settled = Household.objects.filter(stage=Stage.SETTLED)
    retention = Q(pk__in=[])  # no territory, no period
    for territory in Territory.objects.all():
        limit = today - relativedelta(years=territory.retention_years)
        retention |= Q(territory=territory, last_contact_on__lt=limit)
    return [
        # The prospects' files.
        (
            "a household's last contact is before its first",
            households.filter(last_contact_on__lt=F("first_contact_on")),
        ),
        ("a settled household has no day or commune", settled.filter(Q(settled_on=None) | Q(settled_commune=None))),
        (
            "a household not settled has a settling day",
            households.exclude(stage=Stage.SETTLED).exclude(settled_on=None),
        ),
        ("a household settled before its first contact", settled.filter(settled_on__lt=F("first_contact_on"))),
        (
            "a timeline entry is dated before the household's first contact",
            Interaction.objects.filter(occurred_at__date__lt=F("household__first_contact_on")),
        ),
        ("a follow-up is done before it was created", FollowUp.objects.filter(done_at__lt=F("created_at"))),
        ("a household has more than one main contact", _more_than_one_main_contact()),
        (
            # The retention job warns such a file, then anonymises it 30 days later without an answer.
            "a file out of the retention period is neither anonymised nor warned",
            kept.filter(retention).exclude(
                Exists(RetentionNotice.objects.filter(household=OuterRef("pk"), closed_at__isnull=True))
            ),
        ),
        # The committees: they see only what the household agreed to, in the villages it chose or settled in.
        (
            "a referral without the household's consent to sharing",
            Referral.objects.exclude(household__in=Household.objects.sharing_consented()),
        ),
        (
            "a visit without a referral to its village",
            Visit.objects.exclude(
                Exists(Referral.objects.filter(household=OuterRef("household"), village=OuterRef("village")))
            ),
        ),
        ("a visit recorded before it started", Visit.objects.filter(recorded_at__lt=F("starts_at"))),
        (
            "a welcome checklist of a household not settled in its village",
            WelcomeChecklist.objects.exclude(
                household__stage=Stage.SETTLED,
                household__settled_commune=F("village__commune"),
                household__settled_on=F("settled_on"),
            ),
        ),
        (
            "a welcome action done without who did it",
            WelcomeAction.objects.filter(done_at__isnull=False, done_by__isnull=True),
        ),
        # Housing.
        ("an offer updated before it was created", HousingOffer.objects.filter(updated_at__lt=F("created_at"))),
        (
            "an offer's status changed before the offer was created",
            OfferStatusChange.objects.filter(changed_at__lt=F("offer__created_at")),
        ),
        (
            "a proposal answered before it was sent",
            ProposalItem.objects.filter(answered_at__lt=F("proposal__sent_at")),
        ),
        # The club and introductions.
        (
            "a club member's household is not settled",
            MemberProfile.objects.filter(household__isnull=False).exclude(household__stage=Stage.SETTLED),
        ),
        (
            "an introduction answered before it was made",
            Introduction.objects.filter(prospect_answered_at__lt=F("created_at")),
        ),
    ]


def _more_than_one_main_contact():

    return (
        Person.objects.filter(is_main_contact=True).values("household").annotate(n=models.Count("pk")).filter(n__gt=1)
    )
