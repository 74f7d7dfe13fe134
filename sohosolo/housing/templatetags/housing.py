from django import template

from sohosolo.housing.models import HousingOffer
from sohosolo.housing.views import public_photos

register = template.Library()
VILLAGE_OFFERS_SHOWN = 6


@register.inclusion_tag("housing/village_offers.html")
def village_offers(village) -> dict:
    """The public offers of a village, for its public page (two queries)."""

    offers = (
        HousingOffer.objects.public()
        .filter(village=village)
        .select_related("village__territory")
        .prefetch_related(public_photos())
        .order_by("-status_changed_at", "-pk")
    )
    shown = list(offers[: VILLAGE_OFFERS_SHOWN + 1])
    total = offers.count() if len(shown) > VILLAGE_OFFERS_SHOWN else len(shown)
    return {
        "village": village,
        "name": village.name,
        "offers": shown[:VILLAGE_OFFERS_SHOWN],
        "more": total > VILLAGE_OFFERS_SHOWN,
        "total": total,
    }
