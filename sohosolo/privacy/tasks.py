"""Periodic privacy jobs (registered in sohosolo/tasks.py): retention of prospects' files and of accounts, purge of
the access log, reminders of rights requests to answer."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from sohosolo.accounts.models import RoleKind, User
from sohosolo.audit.log import log_action
from sohosolo.audit.models import ActionLog
from sohosolo.lib.emails import send_email, send_email_to_user
from sohosolo.privacy.models import AccountNotice, PersonalSpaceLink, RetentionNotice, RightsRequest
from sohosolo.privacy.notifications import managers_of, url_in
from sohosolo.privacy.services import anonymise_household
from sohosolo.prospects.models import Household, Interaction
from sohosolo.territory.models import Territory

NOTICE_DAYS = 30
KEEP_SALT = "sohosolo.privacy.keep-in-touch"
KEEP_LINK_DAYS = 90
REMIND_DAYS_BEFORE = 7
# At most this many warning emails a day, so that a first run on a long history does not flood the mail server;
# the others are warned the next days (each still gets its 30 days).
WARNINGS_PER_RUN = 1000


def keep_token(notice: RetentionNotice) -> str:
    return signing.dumps(notice.pk, salt=KEEP_SALT, compress=True)


def notice_from_token(token: str) -> RetentionNotice | None:
    try:
        pk = signing.loads(token, salt=KEEP_SALT, max_age=timedelta(days=KEEP_LINK_DAYS))
    except signing.BadSignature:
        return None
    return RetentionNotice.objects.select_related("household__territory").filter(pk=pk).first()


@task()
def apply_prospect_retention() -> dict:
    """Warn households inactive for their territory's retention period; anonymise those warned 30 days ago that
    neither answered nor came back. Returns how many were warned, kept and anonymised."""

    today = timezone.localdate()
    counts = {"warned": 0, "kept": 0, "anonymised": 0}
    # 1. Anonymise, or close the warnings of households that came back meanwhile.
    for notice in RetentionNotice.objects.filter(closed_at__isnull=True, anonymise_on__lte=today).select_related(
        "household"
    ):
        household = notice.household
        came_back = household.last_contact_on > timezone.localdate(notice.warned_at)
        with transaction.atomic():
            claimed = RetentionNotice.objects.filter(pk=notice.pk, closed_at__isnull=True).update(
                closed_at=timezone.now()
            )
            if not claimed:
                continue
            if notice.kept_at or came_back or household.anonymised_at:
                counts["kept"] += 1
                continue
            anonymise_household(household, reason="retention")
            counts["anonymised"] += 1
    # 2. Warn the households whose last contact is older than their territory's period.
    for territory in Territory.objects.all():
        if counts["warned"] >= WARNINGS_PER_RUN:
            break
        cutoff = today - relativedelta(years=territory.retention_years)
        households = (
            Household.objects.current()
            .filter(territory=territory, last_contact_on__lt=cutoff)
            .exclude(Exists(RetentionNotice.objects.filter(household=OuterRef("pk"), closed_at__isnull=True)))
            .with_main_contact()
            .order_by("last_contact_on", "pk")[: WARNINGS_PER_RUN - counts["warned"]]
        )
        for household in households.iterator(chunk_size=500):
            warn_household(household, today)
            counts["warned"] += 1
    return counts


def warn_household(household, today) -> RetentionNotice:
    main = household.main_contacts[0] if household.main_contacts else None
    notice = RetentionNotice.objects.create(
        household=household, anonymise_on=today + timedelta(days=NOTICE_DAYS), emailed=bool(main and main.email)
    )
    if main and main.email:
        language = household.language
        send_email(
            main.email,
            "privacy-retention-warning",
            {
                "first_name": main.first_name,
                "territory": household.territory,
                "years": household.territory.retention_years,
                "anonymise_on": notice.anonymise_on,
                "url": url_in(language, "privacy:keep_in_touch", [keep_token(notice)]),
            },
            language=language,
        )
    log_action(None, "prospect.retention_warned", household, {"anonymise_on": notice.anonymise_on.isoformat()})
    return notice


def keep_in_touch(notice: RetentionNotice) -> bool:
    """The household answered the warning: its file stays, as if it had just been in contact. False if too late."""

    household = notice.household
    if household.anonymised_at is not None:
        return False
    if notice.kept_at is None:
        today = timezone.localdate()
        RetentionNotice.objects.filter(pk=notice.pk).update(kept_at=timezone.now(), closed_at=timezone.now())
        Household.objects.filter(pk=household.pk).update(last_contact_on=today)
        household.record(
            Interaction.Kind.PRIVACY,
            _("Asked to stay in touch after the retention warning: the file is kept."),
        )
        log_action(None, "prospect.retention_kept", household)
    return True


@task()
def apply_account_retention() -> dict:
    """Volunteers' and members' accounts unused for ACCOUNT_INACTIVE_DAYS are warned, then deactivated 30 days later
    if still unused. Staff and administrators are never deactivated this way."""

    now = timezone.now()
    today = timezone.localdate()
    counts = {"warned": 0, "deactivated": 0, "kept": 0}
    for notice in AccountNotice.objects.filter(closed_at__isnull=True, deactivate_on__lte=today).select_related("user"):
        user = notice.user
        claimed = AccountNotice.objects.filter(pk=notice.pk, closed_at__isnull=True).update(closed_at=now)
        if not claimed:
            continue
        if not user.is_active or (user.last_login and user.last_login > notice.warned_at):
            counts["kept"] += 1
            continue
        User.objects.filter(pk=user.pk).update(is_active=False)
        AccountNotice.objects.filter(pk=notice.pk).update(deactivated=True)
        log_action(None, "user.deactivated_unused", user, {"last_login": str(user.last_login or "")})
        counts["deactivated"] += 1

    cutoff = now - timedelta(days=settings.ACCOUNT_INACTIVE_DAYS)
    staff_kinds = [RoleKind.PLATFORM_ADMIN, RoleKind.MANAGER, RoleKind.ADVISOR]
    users = (
        User.objects.filter(is_active=True, is_superuser=False, roles__kind__in=[RoleKind.VOLUNTEER, RoleKind.MEMBER])
        .exclude(roles__kind__in=staff_kinds)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(Exists(AccountNotice.objects.filter(user=OuterRef("pk"), closed_at__isnull=True)))
        .distinct()
    )
    for user in users.iterator(chunk_size=500):
        notice = AccountNotice.objects.create(user=user, deactivate_on=today + timedelta(days=NOTICE_DAYS))
        send_email_to_user(
            user,
            "privacy-account-warning",
            {"deactivate_on": notice.deactivate_on, "url": url_in(user.language, "accounts:login")},
        )
        log_action(None, "user.inactivity_warned", user)
        counts["warned"] += 1
    return counts


@task()
def purge_access_log() -> int:
    """Delete logged actions older than ACCESS_LOG_KEEP_DAYS, and expired personal-space links."""
    now = timezone.now()
    deleted, _rows = ActionLog.objects.filter(
        created_at__lt=now - timedelta(days=settings.ACCESS_LOG_KEEP_DAYS)
    ).delete()
    # Personal-space links are of no use once expired (their use is in the log).
    PersonalSpaceLink.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return deleted


@task()
def remind_rights_requests() -> int:
    """Once a day, each territory's managers are reminded of the requests due within a week or overdue."""
    today = timezone.localdate()
    due = (
        RightsRequest.objects.open()
        .filter(due_on__lte=today + timedelta(days=REMIND_DAYS_BEFORE))
        .exclude(reminded_on=today)
        .select_related("territory")
        .order_by("territory_id", "due_on")
    )
    by_territory: dict = {}
    for request in due:
        by_territory.setdefault(request.territory, []).append(request)
    for territory, requests in by_territory.items():
        for manager in managers_of(territory.pk):
            send_email_to_user(
                manager,
                "privacy-request-reminder",
                {
                    "territory": territory,
                    "requests": requests,
                    "today": today,
                    "url": url_in(manager.language, "privacy:requests", [territory.code]),
                },
            )
        RightsRequest.objects.filter(pk__in=[r.pk for r in requests]).update(reminded_on=today)
    return sum(len(r) for r in by_territory.values())
