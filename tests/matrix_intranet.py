"""Permission matrix lines for the intranet app: news, threads, documents, notice board (see test_permissions)."""

from __future__ import annotations

from tests.matrix import TEAM_A, every, only

# Everyone with a place in territory A's intranet: its team, its volunteers, its member and its partner.
INTRANET_A = TEAM_A | {"volunteer_a1": 200, "volunteer_a2": 200, "member": 200, "partner": 200}
VOLUNTEERS_A = TEAM_A | {"volunteer_a1": 200, "volunteer_a2": 200}
CLUB_A = TEAM_A | {"member": 200}
# Pages that write, opened by someone who reads the intranet but may not write there: 403.
TEAM_WRITES = only(TEAM_A | {"volunteer_a1": 403, "volunteer_a2": 403, "member": 403, "partner": 403})
# POST-only actions: anybody signed in with a role gets 405 on a GET, before learning anything.
POST_ONLY = every(405, anonymous=302)
OUTSIDERS = ("advisor_b",)  # staff of territory B: no place in territory A's intranet


def code(w) -> list:
    return [w.territory_a.code]


EXPECTED: dict = {
    # The index sends a user of one intranet straight to it; the admin (all territories) gets the list.
    "intranet:index": (
        lambda w: [],
        only(dict.fromkeys(INTRANET_A, 302) | {"platform_admin": 200, "advisor_b": 302}),
    ),
    "intranet:home": (code, only(INTRANET_A)),
    "intranet:post_list": (code, only(INTRANET_A)),
    "intranet:post_create": (code, TEAM_WRITES),
    # world.intranet_post is for volunteers: the member and the partner do not learn it exists.
    "intranet:post_detail": (lambda w: [w.territory_a.code, w.intranet_post.pk], only(VOLUNTEERS_A)),
    "intranet:post_edit": (lambda w: [w.territory_a.code, w.intranet_post.pk], TEAM_WRITES),
    "intranet:post_delete": (lambda w: [w.territory_a.code, w.intranet_post.pk], POST_ONLY),
    "intranet:thread_list": (lambda w: [w.territory_a.code, "villages"], only(VOLUNTEERS_A)),
    "intranet:thread_detail": (
        lambda w: [w.territory_a.code, "club", w.intranet_club_thread.pk],
        only(CLUB_A),
    ),
    "intranet:thread_delete": (lambda w: [w.territory_a.code, "club", w.intranet_club_thread.pk], POST_ONLY),
    "intranet:reply_delete": (lambda w: [w.territory_a.code, "club", w.intranet_club_thread.pk, 1], POST_ONLY),
    "intranet:document_list": (code, only(INTRANET_A)),
    "intranet:document_upload": (code, TEAM_WRITES),
    "intranet:document_download": (lambda w: [w.territory_a.code, w.intranet_document.pk], only(VOLUNTEERS_A)),
    "intranet:document_delete": (lambda w: [w.territory_a.code, w.intranet_document.pk], POST_ONLY),
    "intranet:notice_list": (code, only(CLUB_A)),
    # The board is the members' own: the team reads it and closes requests, but does not post.
    "intranet:notice_create": (code, only({"platform_admin": 403, "manager_a": 403, "advisor_a": 403, "member": 200})),
    "intranet:notice_detail": (lambda w: [w.territory_a.code, w.notice_request.pk], only(CLUB_A)),
    "intranet:notice_close": (lambda w: [w.territory_a.code, w.notice_request.pk], POST_ONLY),
}


def club_thread(w) -> list:
    return [w.territory_a.code, "club", w.intranet_club_thread.pk]


def post(w) -> list:
    return [w.territory_a.code, w.intranet_post.pk]


def document_upload(w) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("pirate.txt", b"Pirate\n", content_type="text/plain")
    return {"title": "Document pirate", "audience": "everyone", "file": file}


POST_DATA = {"title": "Nouvelle pirate", "audience": "everyone", "body": "Piraté."}

POST: dict = {
    "intranet:post_create": (code, OUTSIDERS, POST_DATA),
    "intranet:post_edit": (post, OUTSIDERS, POST_DATA),
    "intranet:post_delete": (post, OUTSIDERS, {}),
    "intranet:thread_list": (lambda w: [w.territory_a.code, "club"], OUTSIDERS, {"title": "Pirate", "body": "Piraté."}),
    "intranet:thread_detail": (club_thread, OUTSIDERS, {"body": "Réponse pirate"}),
    "intranet:thread_delete": (club_thread, OUTSIDERS, {}),
    "intranet:reply_delete": (lambda w: [*club_thread(w), w.intranet_reply.pk], OUTSIDERS, {}),
    "intranet:document_upload": (code, OUTSIDERS, document_upload),
    "intranet:document_delete": (lambda w: [w.territory_a.code, w.intranet_document.pk], OUTSIDERS, {}),
    "intranet:notice_create": (code, OUTSIDERS, {"kind": "need", "title": "Pirate", "description": "Piraté."}),
    "intranet:notice_detail": (
        lambda w: [w.territory_a.code, w.notice_request.pk],
        OUTSIDERS,
        {"body": "Message pirate"},
    ),
    "intranet:notice_close": (lambda w: [w.territory_a.code, w.notice_request.pk], OUTSIDERS, {}),
}

POST_EXEMPT: dict[str, str] = {}

MATRIX_DOCUMENT = "intranet/matrix/agenda.txt"


def build(world) -> None:
    """Add to the matrix's world the objects this app's URLs need (world.household, world.event … already exist)."""
    from django.core.files.base import ContentFile

    from sohosolo.intranet.models import Audience, Document, NoticeRequest, Post, Reply, Space, Thread
    from sohosolo.lib.storage import private_storage as document_storage

    manager = world.users["manager_a"]
    world.intranet_post = Post.objects.create(
        territory=world.territory_a,
        audience=Audience.VOLUNTEERS,
        title="Réunion des comités",
        body="Le **12**.",
        author=manager,
    )
    world.intranet_club_thread = Thread.objects.create(
        territory=world.territory_a,
        space=Space.CLUB,
        title="Atelier compta",
        body="Qui vient ?",
        author=world.users["member"],
    )
    world.intranet_reply = Reply.objects.create(
        thread=world.intranet_club_thread, body="Moi !", author=world.users["manager_a"]
    )
    # One fixed file, written once: the matrix builds its world for every persona and URL.
    storage = document_storage()
    if not storage.exists(MATRIX_DOCUMENT):
        storage.save(MATRIX_DOCUMENT, ContentFile(b"Ordre du jour\n"))
    world.intranet_document = Document.objects.create(
        territory=world.territory_a,
        audience=Audience.VOLUNTEERS,
        title="Ordre du jour",
        file=MATRIX_DOCUMENT,
        filename="agenda.txt",
        content_type="text/plain",
        size=14,
        uploaded_by=manager,
    )
    world.notice_request = NoticeRequest.objects.create(
        territory=world.territory_a,
        title="Cherche graphiste",
        description="Pour un logo.",
        author=world.users["member"],
    )
