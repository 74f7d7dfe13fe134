"""What the tests of the prospects share: an application as the public form sends it, and sending it."""

from __future__ import annotations

import time

from django.core import signing
from django.test import Client

from sohosolo.prospects.forms import FORM_TIMESTAMP_SALT


def application(**changes) -> dict:
    data = {
        "started": signing.dumps(time.time() - 60, salt=FORM_TIMESTAMP_SALT),
        "website": "",
        "first_name": "Hélène",
        "last_name": "Smith",
        "email": "helene.smith@example.co.uk",
        "phone": "+44 20 7946 0958",
        "current_town": "Bristol",
        "current_country": "United Kingdom",
        "partner_first_name": "Tom",
        "partner_last_name": "Smith",
        "other_adults": "0",
        "children_ages": "4, 9",
        "activity": "freelancer",
        "sector": "Graphic design",
        "timeline": "1_year",
        "tenure": "buy",
        "housing_type": "house",
        "rooms": "4",
        "budget": "220000",
        "village_size": "medium",
        "max_distance_km": "30",
        "needs_broadband": "on",
        "needs_school": "on",
        "source": "search",
        "project": "We would like a house with a garden near a school.",
        "language": "en",
        "consent_follow_up": "on",
        "consent_sharing": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def apply(client: Client, territory_code: str = "gers", prefix: str = "/en", **changes):
    return client.post(f"{prefix}/mon-projet/{territory_code}/", application(**changes))
