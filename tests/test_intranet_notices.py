"""The members' notice board: requests between members, answered by messages through the platform, then closed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from sohosolo.accounts.models import RoleKind
from sohosolo.audit.models import ActionLog
from sohosolo.intranet.models import NoticeMessage, NoticeRequest
from tests.conftest import make_user


def url(name: str, world, *args) -> str:
    return reverse(f"intranet:{name}", args=[world.territory_a.code, *args])


@pytest.fixture
def helper(world):
    return make_user("helper@example.fr", "Claire Helper", (RoleKind.MEMBER, world.territory_a))


@pytest.fixture
def notice(world) -> NoticeRequest:
    client = world_client(world, "member")
    response = client.post(
        url("notice_create", world),
        {"kind": "need", "title": "Cherche graphiste", "description": "Pour un logo.", "skills": "graphisme, logo"},
    )
    assert response.status_code == 302
    return NoticeRequest.objects.get()


def world_client(world, persona):
    from django.test import Client

    client = Client()
    client.force_login(world.users[persona] if isinstance(persona, str) else persona)
    return client


def test_a_member_posts_a_request_that_the_club_sees(world, client_for, notice):
    assert (notice.author, notice.kind, notice.skill_list) == (world.users["member"], "need", ["graphisme", "logo"])
    listing = client_for("advisor_a").get(url("notice_list", world))
    assert [n.title for n in listing.context["page"]] == ["Cherche graphiste"]
    found = client_for("member").get(url("notice_list", world), {"q": "logo"}).context["page"]
    assert [n.pk for n in found] == [notice.pk]
    assert not client_for("member").get(url("notice_list", world), {"type": "offer"}).context["page"]
    for persona in ("volunteer_a1", "partner", "advisor_b"):
        assert client_for(persona).get(url("notice_detail", world, notice.pk)).status_code == 404, persona


def test_members_write_to_each_other_without_seeing_their_addresses(world, client_for, helper, notice):
    helper_client = world_client(world, helper)
    response = helper_client.post(url("notice_detail", world, notice.pk), {"body": "Je suis graphiste, parlons-en."})
    assert response.status_code == 302
    (to_author,) = mail.outbox
    assert to_author.to == ["member@example.fr"]
    assert "Je suis graphiste, parlons-en." in to_author.body
    assert "Claire Helper" in to_author.subject and "helper@example.fr" not in to_author.body + to_author.subject
    assert "helper@example.fr" not in to_author.alternatives[0][0]
    assert to_author.extra_headers["Content-Language"] == "en"  # the member reads English
    # The author answers from the request's page, to that member only.
    author = client_for("member")
    page = author.get(url("notice_detail", world, notice.pk))
    assert "Je suis graphiste" in page.content.decode()
    assert "helper@example.fr" not in page.content.decode()
    author.post(url("notice_detail", world, notice.pk), {"to": helper.pk, "body": "Merci, mardi ?"})
    to_helper = mail.outbox[-1]
    assert to_helper.to == ["helper@example.fr"]
    assert "member@example.fr" not in to_helper.body
    assert to_helper.extra_headers["Content-Language"] == "fr"
    assert list(NoticeMessage.objects.values_list("sender__email", "recipient__email")) == [
        ("helper@example.fr", "member@example.fr"),
        ("member@example.fr", "helper@example.fr"),
    ]


def test_a_conversation_is_private_to_its_two_members(world, client_for, helper, notice):
    world_client(world, helper).post(url("notice_detail", world, notice.pk), {"body": "Message privé de Claire"})
    third = make_user("third@example.fr", "Luc Third", (RoleKind.MEMBER, world.territory_a))
    assert (
        "Message privé de Claire"
        not in world_client(world, third).get(url("notice_detail", world, notice.pk)).content.decode()
    )
    # The team sees the request, not the members' messages.
    staff_page = client_for("manager_a").get(url("notice_detail", world, notice.pk)).content.decode()
    assert "Message privé de Claire" not in staff_page
    # The author cannot write to someone who never wrote about the request.
    response = client_for("member").post(url("notice_detail", world, notice.pk), {"to": third.pk, "body": "Spam"})
    assert response.status_code == 404
    assert NoticeMessage.objects.count() == 1


def test_closing_a_request_stops_the_messages(world, client_for, helper, notice):
    assert world_client(world, helper).post(url("notice_close", world, notice.pk)).status_code == 403
    assert client_for("member").post(url("notice_close", world, notice.pk)).status_code == 302
    notice.refresh_from_db()
    assert notice.closed_at is not None
    assert ActionLog.objects.filter(action="intranet.notice_closed").count() == 1
    response = world_client(world, helper).post(url("notice_detail", world, notice.pk), {"body": "Trop tard ?"})
    assert response.status_code == 403 and mail.outbox == []
    assert not client_for("member").get(url("notice_list", world)).context["page"]
    assert [n.pk for n in client_for("member").get(url("notice_list", world), {"etat": "closes"}).context["page"]] == [
        notice.pk
    ]


def test_the_team_may_close_a_request_but_not_post_one(world, client_for, notice):
    assert client_for("advisor_a").post(url("notice_close", world, notice.pk)).status_code == 302
    assert client_for("advisor_a").post(url("notice_create", world), {"kind": "need", "title": "x"}).status_code == 403


def test_an_empty_message_is_refused_with_a_message(world, helper, notice):
    response = world_client(world, helper).post(url("notice_detail", world, notice.pk), {"body": ""})
    assert response.status_code == 200 and response.context["form"].errors["body"]
    assert mail.outbox == []


def test_the_board_stays_fast(world, client_for, django_assert_max_num_queries):
    NoticeRequest.objects.bulk_create(
        NoticeRequest(territory=world.territory_a, title=f"R{i}", description="d", author=world.users["member"])
        for i in range(60)
    )
    client = client_for("member")
    with django_assert_max_num_queries(10):
        response = client.get(url("notice_list", world))
    assert len(response.context["page"]) == 20
