"""The intranet: sanitised news posts, discussions, the documents library and who sees what of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sohosolo.audit.models import ActionLog
from sohosolo.intranet.markdown import render_markdown
from sohosolo.intranet.models import Audience, Document, Post, Reply, Space, Thread


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def minimal_pdf(text: str = "Compte rendu") -> bytes:
    """A small valid PDF, built by hand (the demo does the same)."""
    from sohosolo.intranet.demo import make_pdf

    return make_pdf(text, [text])


def url(name: str, world, *args) -> str:
    return reverse(f"intranet:{name}", args=[world.territory_a.code, *args])


def post(world, audience: str, title: str, body: str = "Texte", territory=None) -> Post:
    return Post.objects.create(
        territory=territory or world.territory_a,
        audience=audience,
        title=title,
        body=body,
        author=world.users["manager_a"],
    )


# --- Sanitised Markdown ---------------------------------------------------------------------------------------------

XSS = """Bonjour **à tous**.

<script>alert('volé')</script>

<img src="x" onerror="alert(1)"> <a href="javascript:alert(2)">clic</a> [lien](javascript:alert(3))

<p onclick="alert(4)">Réunion</p> <iframe src="https://evil.example"></iframe> <style>body{display:none}</style>
"""


def test_a_post_with_a_script_tag_is_shown_without_executing_it(world, client_for):
    client = client_for("manager_a")
    response = client.post(
        url("post_create", world), {"title": "Piège", "audience": Audience.EVERYONE, "body": XSS}, follow=True
    )
    assert response.status_code == 200
    page = client_for("volunteer_a1").get(url("post_detail", world, Post.objects.get().pk)).content.decode()
    body = page.split('<div class="rich-text">', 1)[1].split("</div>", 1)[0]
    assert "<strong>à tous</strong>" in body  # the Markdown is rendered…
    assert "Réunion" in body
    for danger in ("<script", "alert(", "onerror", "onclick", "javascript:", "<iframe", "<style"):
        assert danger not in body, danger  # …and nothing of the attack is left to run
    # The only scripts of the whole page are the site's own, with their CSP nonce.
    for tag in re.findall(r"<script[^>]*>", page):
        assert "nonce=" in tag or "src=" in tag, tag
    # The same list page shows the post too, just as harmless.
    listing = client_for("member").get(url("post_list", world)).content.decode()
    assert "Piège" in listing and "alert(" not in listing


def test_markdown_keeps_useful_formatting_and_safe_links():
    html = render_markdown("# Titre\n\n- un\n- deux\n\n[site](https://example.fr) `<b>`")
    assert "<h2>Titre</h2>" in html  # the page's h1 is its title
    assert "<li>un</li>" in html
    assert 'href="https://example.fr"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<code>&lt;b&gt;</code>" in html  # code shows the tag, as text


def test_editing_a_post_renders_the_new_text(world, client_for):
    p = post(world, Audience.EVERYONE, "Avant", "ancien")
    client_for("advisor_a").post(
        url("post_edit", world, p.pk), {"title": "Après", "audience": Audience.MEMBERS, "body": "*nouveau*"}
    )
    p.refresh_from_db()
    assert (p.title, p.audience, p.body_html) == ("Après", Audience.MEMBERS, "<p><em>nouveau</em></p>")


def test_a_post_form_with_errors_says_so(world, client_for):
    response = client_for("manager_a").post(url("post_create", world), {"title": "", "audience": "nobody", "body": ""})
    assert response.status_code == 200
    assert not Post.objects.exists()
    assert response.context["form"].errors.keys() == {"title", "audience", "body"}


# --- Who sees which post --------------------------------------------------------------------------------------------


def test_each_reader_sees_only_the_posts_of_their_audiences(world, client_for):
    post(world, Audience.VOLUNTEERS, "Pour les bénévoles")
    post(world, Audience.MEMBERS, "Pour le club")
    post(world, Audience.EVERYONE, "Pour tous")
    post(world, Audience.EVERYONE, "Dans le Lot", territory=world.territory_b)
    seen = {
        persona: {p.title for p in client_for(persona).get(url("post_list", world)).context["page"]}
        for persona in ("manager_a", "volunteer_a1", "member", "partner")
    }
    assert seen["manager_a"] == {"Pour les bénévoles", "Pour le club", "Pour tous"}
    assert seen["volunteer_a1"] == {"Pour les bénévoles", "Pour tous"}
    assert seen["member"] == {"Pour le club", "Pour tous"}
    assert seen["partner"] == {"Pour tous"}
    assert client_for("advisor_b").get(url("post_list", world)).status_code == 404


def test_a_member_cannot_open_a_post_for_volunteers(world, client_for):
    p = post(world, Audience.VOLUNTEERS, "Comités")
    assert client_for("member").get(url("post_detail", world, p.pk)).status_code == 404
    assert client_for("partner").get(url("post_detail", world, p.pk)).status_code == 404
    assert client_for("volunteer_a2").get(url("post_detail", world, p.pk)).status_code == 200


def test_only_the_team_writes_and_deletes_posts(world, client_for):
    p = post(world, Audience.EVERYONE, "Info")
    assert client_for("volunteer_a1").post(url("post_delete", world, p.pk)).status_code == 403
    assert client_for("advisor_b").post(url("post_delete", world, p.pk)).status_code == 404
    data = {"title": "x", "audience": Audience.EVERYONE, "body": "y"}
    assert client_for("member").post(url("post_create", world), data).status_code == 403
    assert Post.objects.count() == 1
    assert client_for("manager_a").post(url("post_delete", world, p.pk)).status_code == 302
    assert not Post.objects.exists()


def test_the_news_list_stays_fast_with_many_posts(world, client_for, django_assert_max_num_queries):
    Post.objects.bulk_create(
        Post(territory=world.territory_a, audience=Audience.EVERYONE, title=f"N{i}", body="b", body_html="<p>b</p>")
        for i in range(60)
    )
    client = client_for("member")
    with django_assert_max_num_queries(10):
        response = client.get(url("post_list", world))
    assert len(response.context["page"]) == 20


# --- Discussions ----------------------------------------------------------------------------------------------------


def test_volunteers_discuss_with_the_team_and_members_in_the_club(world, client_for):
    volunteer = client_for("volunteer_a1")
    response = volunteer.post(url("thread_list", world, "villages"), {"title": "Logements", "body": "Des idées ?"})
    thread = Thread.objects.get()
    assert response.status_code == 302 and (thread.space, thread.author) == (
        Space.VILLAGES,
        world.users["volunteer_a1"],
    )
    client_for("advisor_a").post(url("thread_detail", world, "villages", thread.pk), {"body": "Oui, <b>deux</b>."})
    client_for("volunteer_a2").post(url("thread_detail", world, "villages", thread.pk), {"body": "Moi aussi"})
    thread.refresh_from_db()
    assert thread.reply_count == 2
    assert [r.author for r in Reply.objects.all()] == [world.users["advisor_a"], world.users["volunteer_a2"]]
    # A member is not part of the team's discussions with the villages, nor a volunteer of the club's.
    assert client_for("member").get(url("thread_detail", world, "villages", thread.pk)).status_code == 404
    assert (
        client_for("member").post(url("thread_detail", world, "villages", thread.pk), {"body": "x"}).status_code == 404
    )
    assert client_for("volunteer_a1").get(url("thread_list", world, "club")).status_code == 404
    assert client_for("partner").get(url("thread_list", world, "villages")).status_code == 404
    assert client_for("member").get(url("thread_list", world, "club")).status_code == 200
    # A thread is only found in its own space.
    assert client_for("manager_a").get(url("thread_detail", world, "club", thread.pk)).status_code == 404
    assert client_for("manager_a").get(url("thread_list", world, "nowhere")).status_code == 404


def test_the_team_moderates_and_authors_take_back_their_replies(world, client_for):
    thread = Thread.objects.create(territory=world.territory_a, space=Space.VILLAGES, title="t", body="b")
    mine = Reply.objects.create(thread=thread, author=world.users["volunteer_a1"], body="à moi")
    other = Reply.objects.create(thread=thread, author=world.users["volunteer_a2"], body="à elle")
    Thread.objects.filter(pk=thread.pk).update(reply_count=2)
    delete = url("reply_delete", world, "villages", thread.pk, other.pk)
    assert client_for("volunteer_a1").post(delete).status_code == 403  # not theirs
    assert client_for("member").post(delete).status_code == 404  # not their space
    assert (
        client_for("volunteer_a1").post(url("reply_delete", world, "villages", thread.pk, mine.pk)).status_code == 302
    )
    assert client_for("advisor_a").post(delete).status_code == 302
    thread.refresh_from_db()
    assert thread.reply_count == 0 and not thread.replies.exists()
    assert client_for("volunteer_a1").post(url("thread_delete", world, "villages", thread.pk)).status_code == 403
    assert client_for("manager_a").post(url("thread_delete", world, "villages", thread.pk)).status_code == 302
    assert not Thread.objects.exists()
    assert ActionLog.objects.filter(action__startswith="intranet.").count() == 3


def test_an_empty_reply_is_refused_with_a_message(world, client_for):
    thread = Thread.objects.create(territory=world.territory_a, space=Space.CLUB, title="t", body="b")
    response = client_for("member").post(url("thread_detail", world, "club", thread.pk), {"body": ""})
    assert response.status_code == 200 and response.context["form"].errors["body"]
    assert thread.replies.count() == 0


def test_the_discussions_list_stays_fast(world, client_for, django_assert_max_num_queries):
    Thread.objects.bulk_create(
        Thread(territory=world.territory_a, space=Space.CLUB, title=f"T{i}", body="b", author=world.users["member"])
        for i in range(50)
    )
    client = client_for("member")
    with django_assert_max_num_queries(10):
        response = client.get(url("thread_list", world, "club"))
    assert response.status_code == 200


# --- Documents ------------------------------------------------------------------------------------------------------


def upload(client, world, name: str, content: bytes, audience: str = Audience.VOLUNTEERS, mime="application/pdf"):
    return client.post(
        url("document_upload", world),
        {"title": "Charte des comités", "audience": audience, "file": SimpleUploadedFile(name, content, mime)},
    )


def test_a_document_is_stored_privately_and_served_only_to_its_audience(world, client_for, private_files):
    pdf = minimal_pdf()
    response = upload(client_for("manager_a"), world, "charte.pdf", pdf)
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.content_type, document.size, document.filename) == ("application/pdf", len(pdf), "charte.pdf")
    stored = Path(document.file.path)
    assert stored.read_bytes() == pdf
    # Out of the public media, under a random name.
    assert private_files / "private" in stored.parents
    assert Path(settings.MEDIA_ROOT) not in stored.parents
    assert "charte" not in stored.name
    with pytest.raises(ValueError):
        document.file.url  # noqa: B018 — there is no public address to leak
    download = client_for("volunteer_a1").get(url("document_download", world, document.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf
    assert download["Content-Type"] == "application/pdf"
    assert "private" in download["Cache-Control"]
    for persona in ("member", "partner", "advisor_b"):
        assert client_for(persona).get(url("document_download", world, document.pk)).status_code == 404
    assert ActionLog.objects.filter(action="intranet.document_added").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("rapport.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "file_type"),  # a Windows program
        ("page.pdf", b"\x00\x01<html><script>alert(1)</script></html>", "file_type"),
        ("coupe.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n", "damaged_pdf"),  # truncated: no %%EOF
        ("vide.pdf", b"", "empty"),
    ],
)
def test_a_document_is_judged_by_its_content_not_its_name(world, client_for, name, content, code):
    response = upload(client_for("manager_a"), world, name, content)
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].errors.as_data()["file"]] == [code]
    assert not Document.objects.exists()


def test_a_too_large_document_is_refused(world, client_for, settings):
    settings.INTRANET_DOCUMENT_MAX_BYTES = 1000
    response = upload(client_for("manager_a"), world, "gros.pdf", minimal_pdf("x" * 2000))
    assert [error.code for error in response.context["form"].errors.as_data()["file"]] == ["too_large"]


def test_office_documents_images_and_text_are_recognised(world, client_for):
    import io

    from openpyxl import Workbook
    from PIL import Image

    sheet = io.BytesIO()
    Workbook().save(sheet)
    image = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(image, "PNG")
    cases = [
        ("budget.xlsx", sheet.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("plan.bin", image.getvalue(), "image/png"),
        ("notes.txt", "Réunion à Lectoure\n".encode(), "text/plain"),
    ]
    for name, content, expected in cases:
        assert upload(client_for("advisor_a"), world, name, content, Audience.EVERYONE).status_code == 302, name
        assert Document.objects.latest("pk").content_type == expected


def test_only_the_team_adds_or_deletes_documents(world, client_for):
    assert upload(client_for("volunteer_a1"), world, "a.pdf", minimal_pdf()).status_code == 403
    upload(client_for("manager_a"), world, "a.pdf", minimal_pdf())
    document = Document.objects.get()
    path = Path(document.file.path)
    assert client_for("member").post(url("document_delete", world, document.pk)).status_code == 403
    assert client_for("advisor_a").post(url("document_delete", world, document.pk)).status_code == 302
    assert not Document.objects.exists() and not path.exists()


def test_the_documents_list_shows_each_reader_their_documents(world, client_for, django_assert_max_num_queries):
    for i, audience in enumerate([Audience.VOLUNTEERS, Audience.MEMBERS, Audience.EVERYONE] * 10):
        Document.objects.create(
            territory=world.territory_a,
            audience=audience,
            title=f"{audience}-{i}",
            file="intranet/x.pdf",
            filename="x.pdf",
            content_type="application/pdf",
            size=10,
        )
    client = client_for("partner")
    with django_assert_max_num_queries(10):
        response = client.get(url("document_list", world))
    assert response.context["page"].paginator.count == 10
    assert {d.audience for d in response.context["page"]} == {Audience.EVERYONE}
    found = client_for("member").get(url("document_list", world), {"q": "members-1"}).context["page"]
    assert {d.title for d in found} == {"members-1", "members-10", "members-13", "members-16", "members-19"}
    assert not client_for("member").get(url("document_list", world), {"q": "volunteers"}).context["page"]


# --- Pages --------------------------------------------------------------------------------------------------------


def test_the_intranet_home_shows_each_reader_their_parts(world, client_for):
    post(world, Audience.MEMBERS, "Apéro du club")
    volunteer = client_for("volunteer_a1").get(url("home", world))
    assert "Apéro du club" not in volunteer.content.decode()
    assert reverse("intranet:notice_list", args=["gers"]) not in volunteer.content.decode()
    member = client_for("member").get(url("home", world)).content.decode()
    assert "Apéro du club" in member and reverse("intranet:notice_list", args=["gers"]) in member
    partner = client_for("partner").get(url("home", world)).content.decode()
    assert reverse("intranet:thread_list", args=["gers", "villages"]) not in partner


def test_the_intranet_link_is_in_my_space(world, client_for):
    page = client_for("volunteer_a1").get(reverse("staff_home")).content.decode()
    assert reverse("intranet:index") in page


# --- Demo -----------------------------------------------------------------------------------------------------------


def test_the_demo_intranet_is_complete_and_readable(world, client_for):
    import random

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from sohosolo.accounts.models import RoleKind
    from sohosolo.intranet.demo import load_intranet
    from sohosolo.intranet.models import NoticeMessage, NoticeRequest
    from sohosolo.intranet.uploads import check_document
    from tests.conftest import make_user

    for i in range(3):
        make_user(f"m{i}@example.fr", f"Member {i}", (RoleKind.MEMBER, world.territory_a))
    counts = load_intranet(world.territory_a, random.Random(1), timezone.now())
    assert counts["intranet posts"] >= 5 and counts["discussions"] >= 6 and counts["documents"] >= 4
    assert NoticeRequest.objects.filter(closed_at=None).exists() and NoticeMessage.objects.exists()
    # Every demo file passes the same content checks as an upload, and opens for its readers.
    for document in Document.objects.all():
        content = document.file.read()
        assert check_document(SimpleUploadedFile(document.filename, content)) == document.content_type
        readers = {"volunteers": "volunteer_a1", "members": "member", "everyone": "partner"}
        response = client_for(readers[document.audience]).get(url("document_download", world, document.pk))
        assert response.status_code == 200
    for thread in Thread.objects.all():
        assert thread.reply_count == thread.replies.count() > 0
    # Something new last week, so that the first digest has news.
    assert Post.objects.filter(published_at__gte=timezone.now() - timezone.timedelta(days=7)).exists()
