"""How a page reaches one household's file: through its territory's scope, and only while the file is in the work."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from sohosolo.accounts.scopes import get_territory_or_404
from sohosolo.audit.log import log_action
from sohosolo.prospects.models import Household, HouseholdQuerySet

READ = "prospect.read"


def log_read(request: HttpRequest, household: Household, data: dict | None = None) -> Household:
    """Put a staff read of `household`'s file in the access log, once per request whatever the helpers called; a
    page that was sent (a GET or HEAD) is a read, a refused or redirected POST is not. Returns the household."""
    seen = request.__dict__.setdefault("_households_read", set())
    if household.pk not in seen and request.method in ("GET", "HEAD"):
        seen.add(household.pk)
        log_action(request.user, READ, household, data)
    return household


def get_household_or_404(
    request: HttpRequest, code: str, pk: int, queryset: HouseholdQuerySet | None = None, *, log: bool = True
):
    """The file `pk` of territory `code`, for those the territory's scope lets in; outsiders, and anyone asking for an
    anonymised file, get 404. `queryset` brings what the page needs along (select_related, with_main_contact…).

    A page (GET) reached through here shows the file, so the read goes to the access log: every page of a file is
    logged without each view remembering to. `log=False` for a view that logs with details of its own."""
    territory = get_territory_or_404(request, code)
    households = (Household.objects.all() if queryset is None else queryset).current().select_related("territory")
    household = get_object_or_404(households, pk=pk, territory=territory)
    if log:
        log_read(request, household)
    return household
