"""Permission matrix lines for the territory app: villages, their committees and the territory's settings (see
tests/matrix_site.py for the format, tests/test_permissions.py runs them)."""

from __future__ import annotations

from tests.matrix import TEAM_A, every, only

COMMITTEE_A1 = only(TEAM_A | {"volunteer_a1": 200})
MANAGERS_A = only({"platform_admin": 200, "manager_a": 200, "advisor_a": 403})
POST_ONLY = every(405, anonymous=302)  # a GET learns nothing; the POST rows below check the scope
OUTSIDERS = ("advisor_b",)  # staff of territory B
# For a page of village A1: territory B's staff, and a volunteer of another village (A2) of the same territory.
OUTSIDERS_OF_A1 = ("advisor_b", "volunteer_a2")
# One small picture, written once (the matrix builds its world for every row).
MATRIX_PHOTO = "matrix/village.png"


def code(w) -> list:
    return [w.territory_a.code]


def village(w) -> list:
    return [w.territory_a.code, w.village_a1.slug]


def volunteer_role(w) -> list:
    return [*village(w), w.volunteer_a1_role.pk]


def png_upload():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("intrus.png", buffer.getvalue(), content_type="image/png")


EXPECTED: dict = {
    "territory:village_list": (lambda w: [], every(200)),
    "territory:map_svg": (code, every(200)),
    "territory:village_public": (village, every(200)),
    "territory:detail": (code, only(TEAM_A)),
    "territory:settings": (code, MANAGERS_A),
    "territory:village_create": (code, only(TEAM_A)),
    "territory:village_committee": (village, COMMITTEE_A1),
    "territory:village_edit": (village, COMMITTEE_A1),
    "territory:village_photos": (village, COMMITTEE_A1),
    "territory:village_photo_delete": (lambda w: [*village(w), 1], POST_ONLY),
    "territory:committee_invite": (village, COMMITTEE_A1),
    "territory:committee_function": (lambda w: [*village(w), 1], POST_ONLY),
    "territory:committee_remove": (lambda w: [*village(w), 1], POST_ONLY),
}

POST: dict = {
    # Pages that only read, without a GET-only mark: a POST must not get further than a GET.
    "territory:detail": (code, OUTSIDERS, {}),
    "territory:village_committee": (village, OUTSIDERS_OF_A1, {}),
    "territory:settings": (
        code,
        OUTSIDERS,
        {
            "name": "Territoire pirate",
            "info_meeting_interval_days": 7,
            "applications_per_hour": 5,
            "retention_years": 1,
            "goals-TOTAL_FORMS": 0,
            "goals-INITIAL_FORMS": 0,
            "hubs-TOTAL_FORMS": 0,
            "hubs-INITIAL_FORMS": 0,
        },
    ),
    "territory:village_create": (code, OUTSIDERS, {"commune": "32013", "status": "active"}),
    "territory:village_edit": (
        village,
        OUTSIDERS_OF_A1,
        {"status": "paused", "presentation_fr": "Piraté", "market_day": "saturday"},
    ),
    "territory:village_photos": (village, OUTSIDERS_OF_A1, lambda w: {"image": png_upload(), "description": "Intrus"}),
    "territory:village_photo_delete": (lambda w: [*village(w), w.village_photo.pk], OUTSIDERS_OF_A1, {}),
    "territory:committee_invite": (
        village,
        OUTSIDERS_OF_A1,
        {"email": "intruder@example.fr", "full_name": "Intrus", "language": "fr"},
    ),
    "territory:committee_function": (volunteer_role, OUTSIDERS_OF_A1, {"committee_function": "referent"}),
    "territory:committee_remove": (volunteer_role, OUTSIDERS_OF_A1, {}),
}

POST_EXEMPT: dict[str, str] = {}


def build(world) -> None:
    """A photo of village A1, and volunteer_a1's role on its committee (world.volunteer_a1_role)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from sohosolo.accounts.models import Role
    from sohosolo.territory.models import VillagePhoto

    if not default_storage.exists(MATRIX_PHOTO):
        default_storage.save(MATRIX_PHOTO, ContentFile(png_upload().read()))
    world.village_photo = VillagePhoto.objects.create(
        village=world.village_a1,
        description="La place",
        image=MATRIX_PHOTO,
        thumbnail=MATRIX_PHOTO,
        width=40,
        height=30,
    )
    world.volunteer_a1_role = Role.objects.get(user=world.users["volunteer_a1"], village=world.village_a1)
