"""How a page reaches one household's file: through its territory's scope, and only while the file is in the work."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from sohosolo.accounts.scopes import get_territory_or_404
from sohosolo.prospects.models import Household, HouseholdQuerySet


def get_household_or_404(request: HttpRequest, code: str, pk: int, queryset: HouseholdQuerySet | None = None):
    """The file `pk` of territory `code`, for those the territory's scope lets in; outsiders, and anyone asking for an
    anonymised file, get 404. `queryset` brings what the page needs along (select_related, with_main_contact…)."""
    territory = get_territory_or_404(request, code)
    households = (Household.objects.all() if queryset is None else queryset).current().select_related("territory")
    return get_object_or_404(households, pk=pk, territory=territory)
