"""Template tags for other apps' pages that show a piece of the network (the prospect file's introductions)."""

from __future__ import annotations

from django import template

from sohosolo.network.models import Introduction

register = template.Library()


@register.simple_tag
def household_introductions(household) -> list[Introduction]:
    """The household's introductions with whom they are with, in one query (at most 50, newest first)."""
    return list(
        Introduction.objects.filter(household=household)
        .select_related("member__user", "partner")
        .order_by("-created_at")[:50]
    )
