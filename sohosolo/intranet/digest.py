"""The weekly digest: each person gets, once a week, what is new in the intranets they belong to, and only what
their roles let them read there (the same rules as the pages: sohosolo/intranet/access.py).

The week runs from Monday 00:00 to Monday 00:00, Paris time; its digest leaves from Monday SEND_HOUR o'clock, not in
the middle of the night. The job may run any time in the following week, as often as it likes: the DigestDelivery
row, unique per person and week, is written before the email is queued, so nobody gets the same week twice even if
two workers run it at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from sohosolo.accounts.models import Role, RoleKind, User
from sohosolo.intranet.access import IntranetAccess
from sohosolo.intranet.models import DigestDelivery, Document, NoticeRequest, Post, Thread
from sohosolo.lib.emails import send_email_to_user
from sohosolo.territory.models import Territory

SEND_HOUR = 7


def week_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The last whole week before `now`: from the Monday before last to last Monday, midnight in Paris."""
    local = timezone.localtime(now or timezone.now())
    this_monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return this_monday - timedelta(days=7), this_monday


@dataclass
class TerritoryNews:
    territory: Territory
    posts: list = field(default_factory=list)
    threads: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    notices: list = field(default_factory=list)


def territory_news(start: datetime, end: datetime) -> dict[int, TerritoryNews]:
    """Everything new in the week, per territory (four queries, whatever the number of readers)."""
    news: dict[int, TerritoryNews] = {}

    def of(item) -> TerritoryNews:
        if item.territory_id not in news:
            news[item.territory_id] = TerritoryNews(item.territory)
        return news[item.territory_id]

    for post in Post.objects.filter(published_at__gte=start, published_at__lt=end).select_related("territory"):
        of(post).posts.append(post)
    in_week = Q(replies__created_at__gte=start, replies__created_at__lt=end)
    threads = (
        Thread.objects.annotate(new_replies=Count("replies", filter=in_week))
        .filter(Q(created_at__gte=start, created_at__lt=end) | Q(new_replies__gt=0))
        .select_related("territory")
    )
    for thread in threads:
        thread.is_new = start <= thread.created_at < end
        of(thread).threads.append(thread)
    for document in Document.objects.filter(uploaded_at__gte=start, uploaded_at__lt=end).select_related("territory"):
        of(document).documents.append(document)
    notices = NoticeRequest.objects.filter(created_at__gte=start, created_at__lt=end, closed_at=None)
    for notice in notices.select_related("territory"):
        of(notice).notices.append(notice)
    return news


def readers(territory_ids) -> dict[int, IntranetAccess]:
    """Each active person with a role in these territories, with what their roles open (one query)."""
    kinds: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    rows = Role.objects.filter(territory__in=territory_ids, user__is_active=True).exclude(kind=RoleKind.PLATFORM_ADMIN)
    for user_id, kind, territory_id in rows.values_list("user_id", "kind", "territory_id"):
        kinds[user_id][kind].add(territory_id)
    return {
        user_id: IntranetAccess(
            is_admin=False,
            staff=frozenset(roles[RoleKind.MANAGER] | roles[RoleKind.ADVISOR]),
            volunteer=frozenset(roles[RoleKind.VOLUNTEER]),
            member=frozenset(roles[RoleKind.MEMBER]),
            partner=frozenset(roles[RoleKind.PARTNER]),
        )
        for user_id, roles in kinds.items()
    }


def news_for(access: IntranetAccess, news: dict[int, TerritoryNews], user_id: int) -> list[TerritoryNews]:
    """What this reader may see of the week's news; their own writings left out."""
    sections = []
    for territory_id, everything in sorted(news.items(), key=lambda item: item[1].territory.name):
        if territory_id not in access.territory_ids:
            continue
        audiences, spaces = access.audiences(territory_id), access.spaces(territory_id)
        section = TerritoryNews(
            everything.territory,
            posts=[p for p in everything.posts if p.audience in audiences],
            threads=[t for t in everything.threads if t.space in spaces],
            documents=[d for d in everything.documents if d.audience in audiences],
            notices=[n for n in everything.notices if n.author_id != user_id]
            if access.sees_notice_board(territory_id)
            else [],
        )
        if section.posts or section.threads or section.documents or section.notices:
            sections.append(section)
    return sections


def send_digests(now: datetime | None = None) -> int:
    """Send last week's digest to everyone who has something new to read and has not had it; return how many."""
    # Before Monday SEND_HOUR, the last week is still the one before: already sent, so nothing goes out at night.
    start, end = week_bounds((now or timezone.now()) - timedelta(hours=SEND_HOUR))
    week = start.date()
    news = territory_news(start, end)
    if not news:
        return 0
    accesses = readers(news.keys())
    already = set(DigestDelivery.objects.filter(week=week).values_list("user_id", flat=True))
    users = User.objects.in_bulk([user_id for user_id in accesses if user_id not in already])
    sent = 0
    for user_id, user in sorted(users.items()):
        sections = news_for(accesses[user_id], news, user_id)
        if not sections:
            continue
        count = sum(len(s.posts) + len(s.threads) + len(s.documents) + len(s.notices) for s in sections)
        try:
            with transaction.atomic():
                DigestDelivery.objects.create(user=user, week=week, item_count=min(count, 32767))
        except IntegrityError:
            continue  # another run sent it meanwhile
        send_email_to_user(
            user, "intranet-digest", {"sections": sections, "week_start": start, "week_end": end - timedelta(days=1)}
        )
        sent += 1
    return sent
