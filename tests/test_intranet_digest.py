"""The weekly digest: sent by the worker, to each reader with only what their roles let them see, once a week."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from sohosolo.accounts.models import Role, RoleKind
from sohosolo.intranet.digest import send_digests, week_bounds
from sohosolo.intranet.models import (
    Audience,
    DigestDelivery,
    Document,
    NoticeRequest,
    Post,
    Reply,
    Space,
    Thread,
)
from sohosolo.tasks import PERIODIC_JOBS
from tests.conftest import make_user

PARIS = ZoneInfo("Europe/Paris")
# A Wednesday: the digest covers Monday 9 to Sunday 15 November, Paris time.
NOW = datetime(2026, 11, 18, 9, 30, tzinfo=PARIS)
IN_WEEK = datetime(2026, 11, 12, 15, 0, tzinfo=PARIS)
BEFORE = datetime(2026, 11, 6, 15, 0, tzinfo=PARIS)


@pytest.fixture
def news(world):
    """What happened in territory A in the week (and before it, and in territory B)."""
    a, manager = world.territory_a, world.users["manager_a"]

    def post(title, audience, when=IN_WEEK, territory=a):
        Post.objects.create(
            territory=territory, audience=audience, title=title, body="x", author=manager, published_at=when
        )

    post("Réunion des comités", Audience.VOLUNTEERS)
    post("Atelier du club", Audience.MEMBERS)
    post("Salon de Toulouse", Audience.EVERYONE)
    post("Vieille nouvelle", Audience.EVERYONE, when=BEFORE)
    post("Nouvelle du Lot", Audience.EVERYONE, territory=world.territory_b)
    Thread.objects.create(territory=a, space=Space.VILLAGES, title="Logements vacants", body="x", created_at=IN_WEEK)
    old_club = Thread.objects.create(
        territory=a, space=Space.CLUB, title="Coworking à Auch", body="x", created_at=BEFORE
    )
    Reply.objects.create(thread=old_club, body="Je viens", created_at=IN_WEEK)
    Thread.objects.create(territory=a, space=Space.CLUB, title="Sujet endormi", body="x", created_at=BEFORE)
    for title, audience in (("Charte des comités", Audience.VOLUNTEERS), ("Guide du membre", Audience.MEMBERS)):
        Document.objects.create(
            territory=a,
            audience=audience,
            title=title,
            file="intranet/x.pdf",
            filename="x.pdf",
            content_type="application/pdf",
            size=1,
            uploaded_at=IN_WEEK,
        )
    NoticeRequest.objects.create(
        territory=a, title="Cherche graphiste", description="x", author=world.users["member"], created_at=IN_WEEK
    )
    other = make_user("other.member@example.fr", "Paul Other", (RoleKind.MEMBER, a))
    world.users["other_member"] = other
    return world


def digests() -> dict[str, str]:
    """Each recipient's digest, as its text body."""
    found = {}
    for message in mail.outbox:
        assert len(message.to) == 1
        found[message.to[0]] = message
    return found


def titles_in(message) -> set[str]:
    every_title = {
        "Réunion des comités", "Atelier du club", "Salon de Toulouse", "Vieille nouvelle", "Nouvelle du Lot",
        "Logements vacants", "Coworking à Auch", "Sujet endormi", "Charte des comités", "Guide du membre",
        "Cherche graphiste",
    }  # fmt: skip
    html = message.alternatives[0][0]
    found = {title for title in every_title if title in message.body}
    assert found == {title for title in every_title if title in html}, "the text and HTML parts differ"
    return found


def test_the_digest_is_sent_by_the_worker_to_each_audience_with_only_what_it_may_see(
    news, django_capture_on_commit_callbacks
):
    from sohosolo.intranet.tasks import send_intranet_digests

    timezone_now = timezone.now
    try:
        timezone.now = lambda: NOW
        result = send_intranet_digests.enqueue()
    finally:
        timezone.now = timezone_now
    assert result.status == "SUCCESSFUL"
    sent = digests()
    everything_of_a = {
        "Réunion des comités", "Atelier du club", "Salon de Toulouse", "Logements vacants", "Coworking à Auch",
        "Charte des comités", "Guide du membre", "Cherche graphiste",
    }  # fmt: skip
    assert titles_in(sent["manager.a@example.fr"]) == everything_of_a
    assert titles_in(sent["advisor.a@example.fr"]) == everything_of_a
    volunteer = {"Réunion des comités", "Salon de Toulouse", "Logements vacants", "Charte des comités"}
    assert titles_in(sent["volunteer.a1@example.fr"]) == volunteer
    assert titles_in(sent["volunteer.a2@example.fr"]) == volunteer
    assert titles_in(sent["other.member@example.fr"]) == {
        "Atelier du club", "Salon de Toulouse", "Coworking à Auch", "Guide du membre", "Cherche graphiste",
    }  # fmt: skip
    # The member who posted the request is not told about it.
    assert titles_in(sent["member@example.fr"]) == {
        "Atelier du club", "Salon de Toulouse", "Coworking à Auch", "Guide du membre",
    }  # fmt: skip
    assert titles_in(sent["partner@example.fr"]) == {"Salon de Toulouse"}
    # Territory B's advisor gets B's news only; the platform admin (no territory role) none.
    assert titles_in(sent["advisor.b@example.fr"]) == {"Nouvelle du Lot"}
    assert "admin@example.fr" not in sent
    # Each in their language: the member reads English, the others French.
    assert sent["member@example.fr"].subject == "What is new on the intranet since 9 November"
    assert sent["member@example.fr"].extra_headers["Content-Language"] == "en"
    assert sent["volunteer.a1@example.fr"].extra_headers["Content-Language"] == "fr"
    assert "/en/intranet/gers/" in sent["member@example.fr"].body
    assert "/intranet/gers/" in sent["volunteer.a1@example.fr"].body
    assert "/en/" not in sent["volunteer.a1@example.fr"].body


def test_the_digest_goes_out_once_a_week(news):
    assert send_digests(NOW) == 8
    assert send_digests(NOW + timedelta(days=2)) == 0  # same week: nothing again
    assert len(mail.outbox) == 8
    assert DigestDelivery.objects.filter(week=datetime(2026, 11, 9).date()).count() == 8
    # A newcomer given a role during the week gets this week's digest at the next run, once.
    make_user("late@example.fr", "Late Volunteer", (RoleKind.VOLUNTEER, news.village_a1))
    assert send_digests(NOW + timedelta(days=3)) == 1
    assert mail.outbox[-1].to == ["late@example.fr"]
    # The next week, only what is new then.
    mail.outbox.clear()
    assert send_digests(NOW + timedelta(days=7)) == 0


def test_a_week_without_news_sends_nothing(world):
    assert send_digests(NOW) == 0
    assert mail.outbox == []


def test_an_inactive_person_gets_no_digest(news):
    news.users["partner"].is_active = False
    news.users["partner"].save()
    send_digests(NOW)
    assert "partner@example.fr" not in digests()


def test_someone_with_two_roles_gets_one_digest_with_both(news):
    Role.objects.create(user=news.users["volunteer_a1"], kind=RoleKind.MEMBER, territory=news.territory_a)
    send_digests(NOW)
    assert [m.to[0] for m in mail.outbox].count("volunteer.a1@example.fr") == 1
    assert {"Réunion des comités", "Atelier du club", "Coworking à Auch"} <= titles_in(
        digests()["volunteer.a1@example.fr"]
    )


def test_the_week_runs_monday_to_monday_in_paris():
    start, end = week_bounds(datetime(2026, 11, 16, 0, 30, tzinfo=PARIS))  # Monday just after midnight
    assert (start, end) == (datetime(2026, 11, 9, tzinfo=PARIS), datetime(2026, 11, 16, tzinfo=PARIS))


def test_the_digest_leaves_on_monday_morning_not_at_night(news):
    send_digests(datetime(2026, 11, 9, 8, 0, tzinfo=PARIS))  # the week before, sent in its time
    mail.outbox.clear()
    assert send_digests(datetime(2026, 11, 16, 3, 0, tzinfo=PARIS)) == 0  # at night: nothing new goes out
    assert send_digests(datetime(2026, 11, 16, 7, 5, tzinfo=PARIS)) == 8


def test_the_digest_is_a_periodic_job():
    assert any(job.name == "send_intranet_digests" for job in PERIODIC_JOBS)


def test_the_digest_takes_a_bounded_number_of_queries(news, django_assert_max_num_queries):
    for i in range(30):
        make_user(f"vol{i}@example.fr", f"Volunteer {i}", (RoleKind.VOLUNTEER, news.village_a2))
    # Per recipient: the delivery row (with its savepoint), the queued email, and its claim and sent-mark.
    with django_assert_max_num_queries(12 + 5 * 38):
        assert send_digests(NOW) == 38
