"""Permission matrix lines for the documents app: the documents of a household's file, for its team, and the ones
shared with a village committee (format: tests/matrix_site.py)."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, only

OUTSIDERS = ("advisor_b", "volunteer_a1")  # staff of territory B, and a volunteer of a village the file is shared with
MATRIX_FILE = "documents/gers/matrix-document.pdf"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def household(w) -> list:
    return [w.territory_a.code, w.household.pk]


def document(w) -> list:
    return [w.territory_a.code, w.household.pk, w.document.pk]


def upload(w) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("pirate.pdf", PDF, "application/pdf"), "kind": "cv", "description": "Pirate"}


EXPECTED: dict = {
    "documents:list": (household, only(TEAM_A)),
    "documents:download": (document, only(TEAM_A)),
    "documents:delete": (document, only(STAFF_POST_ONLY)),
    # world.household shares its project with village A1's committee, and the document is shared with committees:
    # that committee and the team (who see every village) get it; another village's volunteer does not.
    "documents:committee_download": (
        lambda w: [w.territory_a.code, w.village_a1.slug, w.household.pk, w.document.pk],
        only(TEAM_A | {"volunteer_a1": 200}),
    ),
}

POST: dict = {
    "documents:list": (household, OUTSIDERS, upload),
    "documents:delete": (document, OUTSIDERS, {}),
}

POST_EXEMPT: dict[str, str] = {}


def build(world) -> None:
    """world.document: a CV on world.household's file, shared with the committees (its file written once)."""
    from django.core.files.base import ContentFile

    from sohosolo.documents.models import Document
    from sohosolo.lib.storage import private_storage

    storage = private_storage()
    if not storage.exists(MATRIX_FILE):
        storage.save(MATRIX_FILE, ContentFile(PDF))
    world.document = Document.objects.create(
        household=world.household,
        kind=Document.Kind.CV,
        file=MATRIX_FILE,
        original_name="CV Hélène Durand.pdf",
        content_type="application/pdf",
        size=len(PDF),
        shared_with_committee=True,
        uploaded_by=world.users["advisor_a"],
    )
