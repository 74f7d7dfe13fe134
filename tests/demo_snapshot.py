"""A fingerprint of a demo database that does not depend on its primary keys: how many rows of each model, and the
first 100 households with their members and the size of their timelines. Two databases drawn for the same day must
give the same fingerprint, in one process or two (`python manage.py shell -c "…print(snapshot_json())"`)."""

from __future__ import annotations

import json

from django.apps import apps
from django.db import models


def _natural(field: models.Field) -> str:
    """How a foreign key is named in the fingerprint: by what identifies its target, never by its primary key."""
    target = field.related_model._meta.label
    return {
        "accounts.User": f"{field.name}__email",
        "territory.Territory": f"{field.name}__code",
        "territory.Village": f"{field.name}__slug",
    }.get(target, field.attname)


def snapshot(households: int = 100) -> dict:
    from sohosolo.prospects.models import Household

    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("sohosolo.") and not model._meta.proxy
    }
    fields = [_natural(f) if f.is_relation else f.attname for f in Household._meta.concrete_fields if not f.primary_key]
    first = list(
        Household.objects.order_by("pk")
        .annotate(
            n_timeline=models.Count("interactions", distinct=True),
            n_follow_ups=models.Count("follow_ups", distinct=True),
        )
        .values(*fields, "n_timeline", "n_follow_ups")[:households]
    )
    people = {}
    for household_id, first_name, last_name, email in (
        Household.members.rel.related_model.objects.filter(household__in=Household.objects.order_by("pk")[:households])
        .order_by("household", "pk")
        .values_list("household", "first_name", "last_name", "email")
    ):
        people.setdefault(household_id, []).append([first_name, last_name, email])
    return {"counts": counts, "households": first, "members": list(people.values())}


def snapshot_json() -> str:
    return json.dumps(snapshot(), default=str, sort_keys=True)
