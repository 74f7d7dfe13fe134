"""Background work on prospects."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task
from django.utils.translation import gettext as _

from sohosolo.lib.emails import send_email_to_user


@task()
def welcome_sequence(household_id: int, actor_id: int | None = None) -> dict:
    """After settling: follow-ups at +1, +6 and +12 months; the village committee told, if the household agreed to
    sharing. Runs once per household, however often it is queued."""
    from sohosolo.accounts.models import CommitteeFunction, Role, RoleKind
    from sohosolo.privacy.consents import has_consent
    from sohosolo.privacy.models import Consent
    from sohosolo.prospects.models import Household, Interaction
    from sohosolo.prospects.services import welcome_follow_ups
    from sohosolo.territory.models import Village

    with transaction.atomic():
        household = (
            Household.objects.select_for_update().select_related("territory", "settled_commune").get(pk=household_id)
        )
        if household.interactions.filter(data__welcome_sequence=True).exists():
            return {"skipped": True}
        follow_ups = welcome_follow_ups(household, household.advisor)
        village = Village.objects.filter(territory=household.territory, commune=household.settled_commune).first()
        told = []
        if village is not None and has_consent(household, Consent.Purpose.SHARING):
            referents = Role.objects.filter(village=village, kind=RoleKind.VOLUNTEER, user__is_active=True)
            chosen = referents.filter(committee_function=CommitteeFunction.REFERENT) or referents
            for role in chosen.select_related("user"):
                send_email_to_user(role.user, "newcomer-settled", {"household": household, "village": village})
                told.append(role.user.email)
        Interaction.objects.create(
            household=household,
            kind=Interaction.Kind.NOTE,
            summary=_("Welcome sequence started: %(count)s follow-ups planned; committee told: %(told)s.")
            % {"count": len(follow_ups), "told": ", ".join(told) or _("no (no consent or not a partner village)")},
            author_id=actor_id,
            data={"welcome_sequence": True, "committee_told": told},
        )
    return {"follow_ups": len(follow_ups), "committee_told": told}
