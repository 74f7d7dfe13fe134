"""Background work of the committees: reminders of welcome actions due."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from sohosolo.committees.models import WelcomeAction
from sohosolo.committees.services import committee_contacts, first_name
from sohosolo.lib.emails import send_email_to_user
from sohosolo.prospects.models import Household

REMIND_DAYS_BEFORE = 3


@task()
def remind_welcome_actions() -> dict:
    """Email each volunteer the open welcome actions they hold that are due within a few days (or overdue), once per
    action; an action nobody holds goes to the committee's contacts. Only households still sharing are mentioned."""

    today = timezone.localdate()
    due = (
        WelcomeAction.objects.open()
        .filter(reminded_on__isnull=True, due_on__lte=today + timedelta(days=REMIND_DAYS_BEFORE))
        .filter(checklist__household__in=Household.objects.sharing_consented().values("pk"))
        .select_related("checklist__household", "checklist__village__territory", "assignee")
        .order_by("due_on", "pk")
    )
    by_user: dict[int, tuple] = {}
    for action in due[:2000]:
        # Claimed atomically: two workers running the job at once send one reminder.
        if not WelcomeAction.objects.filter(pk=action.pk, reminded_on__isnull=True).update(reminded_on=today):
            continue
        village = action.checklist.village
        recipients = [action.assignee] if action.assignee and action.assignee.is_active else committee_contacts(village)
        for user in recipients:
            by_user.setdefault(user.pk, (user, []))[1].append(action)
    for user, actions in by_user.values():
        items = [
            {"action": a, "first_name": first_name(a.checklist.household), "village": a.checklist.village}
            for a in actions
        ]
        send_email_to_user(user, "committee-reminder", {"items": items, "today": today})
    return {"reminded": len(by_user)}
