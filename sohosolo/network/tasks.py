"""Background work of the network: membership renewal reminders and mentoring check-in reminders."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from sohosolo.accounts.services import link_for
from sohosolo.lib.emails import send_email_to_user
from sohosolo.network.models import Introduction, MemberProfile

RENEWAL_NOTICE_DAYS = 30
LAPSE_AFTER_DAYS = 60


@task()
def send_membership_reminders() -> dict:
    """A month before a membership's renewal date, its member is reminded once; two months after the date, a
    membership not renewed lapses (the profile leaves the directory until the team renews it)."""
    from django.conf import settings
    from django.utils import timezone

    today = timezone.localdate()
    due = MemberProfile.objects.filter(
        status=MemberProfile.Status.ACTIVE,
        user__is_active=True,
        renewal_on__lte=today + timedelta(days=RENEWAL_NOTICE_DAYS),
        renewal_on__gt=today - timedelta(days=LAPSE_AFTER_DAYS),
    ).select_related("user", "territory")
    reminded = 0
    for profile in due:
        if profile.renewal_reminded_for == profile.renewal_on:
            continue
        # Claimed atomically: two workers never remind the same member twice.
        claimed = MemberProfile.objects.filter(pk=profile.pk).exclude(renewal_reminded_for=profile.renewal_on)
        if not claimed.update(renewal_reminded_for=profile.renewal_on):
            continue
        territory = profile.territory
        send_email_to_user(
            profile.user,
            "membership-renewal",
            {
                "profile": profile,
                "territory": territory,
                "contact": territory.email or settings.DEFAULT_FROM_EMAIL,
                "url": link_for(profile.user, "network:my_profile"),
            },
        )
        reminded += 1
    lapsed = MemberProfile.objects.filter(
        status=MemberProfile.Status.ACTIVE, renewal_on__lte=today - timedelta(days=LAPSE_AFTER_DAYS)
    ).update(status=MemberProfile.Status.LAPSED, ended_on=today)
    return {"reminded": reminded, "lapsed": lapsed}


@task()
def send_check_in_reminders() -> dict:
    """Mentoring: on the day a check-in is due, the mentor is reminded once; a mentoring past its end is closed by
    nobody but stops asking."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone, translation

    today = timezone.localdate()
    due = Introduction.objects.filter(
        kind=Introduction.Kind.MENTORING,
        status__in=[Introduction.Status.ACCEPTED, Introduction.Status.MET],
        next_check_in_on__lte=today,
        member__user__is_active=True,
    ).select_related("member__user", "territory")
    reminded = 0
    for introduction in due:
        if introduction.check_in_reminded_for == introduction.next_check_in_on:
            continue
        claimed = Introduction.objects.filter(pk=introduction.pk).exclude(
            check_in_reminded_for=introduction.next_check_in_on
        )
        if not claimed.update(check_in_reminded_for=introduction.next_check_in_on):
            continue
        user = introduction.member.user
        with translation.override(user.language):
            url = settings.SITE_URL + reverse("network:my_introduction", args=[introduction.pk])
        send_email_to_user(user, "mentoring-check-in", {"introduction": introduction, "url": url})
        reminded += 1
    return {"reminded": reminded}
