"""Demo data of the privacy part: the history as the retention job would have left it, and a few rights requests.

The demo's prospects go back to 2008: files without news for longer than their territory's retention period would
have been anonymised long ago, so they are (their anonymous figures stay in the results). A few requests show the
managers' page with something to answer: one overdue-soon access request, one erasure asked from the personal space,
one rectification answered.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from sohosolo.privacy.models import RightsRequest
from sohosolo.privacy.services import anonymise_history
from sohosolo.prospects.models import Household


def load_privacy(territory, rng: random.Random, today: date) -> dict[str, int]:
    inactive = Household.objects.filter(
        territory=territory, last_contact_on__lt=today - relativedelta(years=territory.retention_years)
    )
    anonymised = anonymise_history(inactive, reason="retention (demo history)")
    followed = list(
        Household.objects.followed_now().filter(territory=territory).order_by("pk").values_list("pk", flat=True)
    )
    requests = []
    if len(followed) >= 3:
        chosen = rng.sample(followed, 3)
        requests = [
            RightsRequest(
                territory=territory,
                household_id=chosen[0],
                kind=RightsRequest.Kind.ACCESS,
                source=RightsRequest.Source.STAFF,
                received_on=today - timedelta(days=26),
                details="Demande reçue par courrier : copie de toutes les données me concernant.",
            ),
            RightsRequest(
                territory=territory,
                household_id=chosen[1],
                kind=RightsRequest.Kind.ERASURE,
                source=RightsRequest.Source.PERSONAL_SPACE,
                received_on=today - timedelta(days=3),
            ),
            RightsRequest(
                territory=territory,
                household_id=chosen[2],
                kind=RightsRequest.Kind.RECTIFICATION,
                source=RightsRequest.Source.STAFF,
                received_on=today - timedelta(days=60),
                status=RightsRequest.Status.DONE,
                details="Nouveau numéro de téléphone donné par courriel.",
                outcome="Numéro corrigé dans le dossier.",
            ),
        ]
        for request in requests:
            request.save()  # save() sets the deadline
    return {"anonymised": anonymised, "rights requests": len(requests)}
