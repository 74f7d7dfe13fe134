"""One call for every change to personal data: `log_action(actor, action, obj, data)`."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from sohosolo.audit.models import ActionLog

# Values of these keys never reach the log, whatever the caller passes.
SENSITIVE_KEYS = {"password", "password1", "password2", "new_password1", "new_password2", "token", "secret", "otp"}
MASK = "********"


def mask(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: MASK if str(key).lower() in SENSITIVE_KEYS else mask(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [mask(item) for item in data]
    if isinstance(data, str | int | float | bool) or data is None:
        return data
    return str(data)


def log_action(
    actor, action: str, obj: models.Model | None = None, data: dict | None = None, territory=None
) -> ActionLog:
    """Record that `actor` did `action` on `obj`; `data` says what changed (sensitive keys masked).

    The territory is `obj`'s own unless given, so that each programme's team can be shown its own log."""
    territory_id = territory.pk if territory is not None else getattr(obj, "territory_id", None)
    return ActionLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        territory_id=territory_id,
        data=mask(data or {}),
    )
