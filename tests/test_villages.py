from __future__ import annotations

import html
import io
import os

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from sohosolo.accounts.models import CommitteeFunction, Role, RoleKind, User
from sohosolo.audit.models import ActionLog
from sohosolo.lib.geo import distance_km
from sohosolo.territory.models import Hub, Village, VillagePhoto
from tests.conftest import load_demo_of_the_tests


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PHOTO_MAX_BYTES = 200_000


def edit_url(village: Village) -> str:
    return reverse("territory:village_edit", args=[village.territory.code, village.slug])


def photos_url(village: Village) -> str:
    return reverse("territory:village_photos", args=[village.territory.code, village.slug])


VILLAGE_DATA = {
    "presentation_fr": "Un village perché sur son éperon, avec vue sur les Pyrénées.",
    "presentation_en": "A hilltop village with a view of the Pyrenees.",
    "has_school": "on",
    "has_coworking": "on",
    "broadband": "fibre",
    "associations": "Comité des fêtes\nClub de rugby",
    "committee_email": "comite@lectoure.example.fr",
}


def test_volunteer_edits_their_own_village_and_the_change_is_logged(world, client_for):
    village = world.village_a1
    response = client_for("volunteer_a1").post(edit_url(village), VILLAGE_DATA)
    assert response.status_code == 302
    village.refresh_from_db()
    assert village.has_coworking and village.has_school and not village.has_doctor
    assert village.presentation_en == VILLAGE_DATA["presentation_en"]
    log = ActionLog.objects.get(action="village.changed")
    assert log.actor == world.users["volunteer_a1"] and log.territory == world.territory_a
    assert "has_coworking" in log.data["fields"]


def test_volunteer_of_village_a_gets_404_on_every_page_of_village_b(world, client_for):
    client = client_for("volunteer_a1")
    other = world.village_a2
    args = [other.territory.code, other.slug]
    for name in ("village_committee", "village_edit", "village_photos", "committee_invite"):
        assert client.get(reverse(f"territory:{name}", args=args)).status_code == 404, name
    assert client.post(edit_url(other), VILLAGE_DATA).status_code == 404
    photo = make_photo(other, "La halle")
    assert client.post(reverse("territory:village_photo_delete", args=[*args, photo.pk])).status_code == 404
    volunteer = Role.objects.get(user=world.users["volunteer_a2"])
    response = client.post(
        reverse("territory:committee_function", args=[*args, volunteer.pk]), {"committee_function": "referent"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    volunteer.refresh_from_db()
    assert other.presentation_fr == "" and VillagePhoto.objects.filter(pk=photo.pk).exists()
    assert volunteer.committee_function == ""


def test_volunteer_cannot_change_the_partnership_itself(world, client_for):
    village = world.village_a1
    client_for("volunteer_a1").post(edit_url(village), VILLAGE_DATA | {"status": "ended"})
    village.refresh_from_db()
    assert village.status == Village.Status.ACTIVE  # not a field of the volunteers' form


def test_staff_manage_every_village_of_their_territory_and_add_new_ones(
    world, client_for, django_assert_max_num_queries
):
    client = client_for("advisor_a")
    assert client.post(edit_url(world.village_a2), VILLAGE_DATA | {"status": "paused"}).status_code == 302
    world.village_a2.refresh_from_db()
    assert world.village_a2.status == Village.Status.PAUSED
    from sohosolo.territory.models import Commune

    Commune.objects.create(insee_code="32107", name="Condom", departement="32", latitude=43.9585, longitude=0.3724)
    response = client.post(reverse("territory:village_create", args=["gers"]), {"commune": "32107", "status": "active"})
    assert response.status_code == 302
    village = Village.objects.get(commune_id="32107")
    assert village.slug == "condom" and village.territory == world.territory_a
    assert village.distance_main_town_km == pytest.approx(distance_km(43.9585, 0.3724, 43.6471, 0.58375), abs=0.1)
    # A commune of another département, or one already partner, cannot be chosen.
    for commune in ("46185", "32208"):
        again = client.post(
            reverse("territory:village_create", args=["gers"]), {"commune": commune, "status": "active"}
        )
        assert again.status_code == 200 and "errorlist" in again.text
    assert client_for("advisor_b").post(edit_url(world.village_a1), VILLAGE_DATA).status_code == 404


def make_photo(village: Village, description: str) -> VillagePhoto:
    return VillagePhoto.objects.create(
        village=village, description=description, image=ContentFile(png_bytes((40, 30)), name="old.png")
    )


def png_bytes(size=(2400, 1200), color=(200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def test_photo_upload_is_resized_and_shown_on_the_public_page(world, client_for):
    village = world.village_a1
    upload = SimpleUploadedFile("place.png", png_bytes(), content_type="image/png")
    response = client_for("volunteer_a1").post(photos_url(village), {"image": upload, "description": "La place"})
    assert response.status_code == 302
    photo = VillagePhoto.objects.get(village=village)
    assert max(photo.width, photo.height) == 1600
    with Image.open(photo.thumbnail.path) as thumbnail:
        assert max(thumbnail.size) == 480 and thumbnail.format == "JPEG"
    page = Client().get(village.get_absolute_url())
    assert 'alt="La place"' in page.text


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 not a photo at all", "plan.png", "not a photo"),
        (b"GIF89a" + b"\x00" * 100, "anim.gif", "not a photo"),
        (b"\x89PNG" + b"\x00" * 300_000, "big.png", "at most"),  # more than PHOTO_MAX_BYTES
    ],
)
def test_a_bad_photo_gets_a_clear_error_and_changes_nothing(world, client_for, content, name, message):
    village = world.village_a1
    make_photo(village, "Avant")
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = client_for("volunteer_a1").post(photos_url(village), {"image": upload, "description": "Essai"})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.text
    text = html.unescape(response.text)
    assert {"not a photo": "n'est pas une photo", "at most": "ne peut pas dépasser"}[message] in text
    assert list(VillagePhoto.objects.filter(village=village).values_list("description", flat=True)) == ["Avant"]


def test_photo_delete_removes_the_files(world, client_for):
    village = world.village_a1
    upload = SimpleUploadedFile("place.png", png_bytes((800, 600)), content_type="image/png")
    client = client_for("volunteer_a1")
    client.post(photos_url(village), {"image": upload, "description": "La place"})
    photo = VillagePhoto.objects.get()
    path = photo.image.path
    response = client.post(reverse("territory:village_photo_delete", args=["gers", "lectoure", photo.pk]))
    assert response.status_code == 302
    assert not VillagePhoto.objects.exists()
    assert not os.path.exists(path)


def test_volunteer_invites_a_new_volunteer_to_their_committee(world, client_for):
    response = client_for("volunteer_a1").post(
        reverse("territory:committee_invite", args=["gers", "lectoure"]),
        {"email": "Nouveau@Example.fr", "full_name": "Paul Nouveau", "language": "fr"},
    )
    assert response.status_code == 302
    role = Role.objects.get(user__email="nouveau@example.fr")
    assert role.kind == RoleKind.VOLUNTEER and role.village == world.village_a1 and role.territory == world.territory_a
    assert mail.outbox[0].subject == "Invitation à rejoindre Soho Solo Gers"
    assert "/compte/activer/" in mail.outbox[0].body and "/en/" not in mail.outbox[0].body


def test_committee_referent_is_shown_on_the_public_page(world, client_for):
    role = Role.objects.get(user=world.users["volunteer_a1"])
    response = client_for("advisor_a").post(
        reverse("territory:committee_function", args=["gers", "lectoure", role.pk]), {"committee_function": "referent"}
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.committee_function == CommitteeFunction.REFERENT
    page = Client().get(world.village_a1.get_absolute_url())
    assert "Bernard" in page.text  # the referent's first name only
    assert "volunteer.a1@example.fr" not in page.text  # volunteers' own contacts stay private


def test_village_page_shows_services_committee_contact_and_straight_line_distances(world):
    village = world.village_a1
    Village.objects.filter(pk=village.pk).update(
        has_school=True,
        has_pharmacy=True,
        committee_email="comite@lectoure.example.fr",
        presentation_fr="Bienvenue à Lectoure.",
        presentation_en="Welcome to Lectoure.",
    )
    Hub.objects.create(
        territory=world.territory_a, name="Toulouse-Matabiau", kind="station", latitude=43.6113, longitude=1.4536
    )
    french = Client().get(village.get_absolute_url()).text
    assert "Bienvenue à Lectoure." in french and "École" in french and "Pharmacie" in french
    assert "comite@lectoure.example.fr" in french
    assert "vol d'oiseau" in french
    assert "Auch" in french and "32 km" in french and "Toulouse-Matabiau" in french and "76 km" in french
    english = Client().get("/en" + village.get_absolute_url()).text
    assert "Welcome to Lectoure." in english and "School" in english and "Pharmacy" in english
    assert "as the crow flies" in english and "Auch: 32 km" in english


def test_ended_partnership_is_not_public(world):
    Village.objects.filter(pk=world.village_a1.pk).update(status=Village.Status.ENDED)
    assert Client().get(world.village_a1.get_absolute_url()).status_code == 404
    assert "Lectoure" not in Client().get(reverse("territory:village_list")).text


def test_public_list_filters_by_service_size_and_distance(world, django_assert_max_num_queries):
    Village.objects.filter(pk=world.village_a1.pk).update(has_coworking=True)
    url = reverse("territory:village_list")
    with django_assert_max_num_queries(6):
        everything = Client().get(url).text
    assert all(name in everything for name in ("Lectoure", "Marciac", "Martel"))
    coworking = Client().get(url, {"service": "has_coworking"}).text
    assert "Lectoure" in coworking and "Marciac" not in coworking
    medium = Client().get(url, {"size": "medium"}).text  # 500 to 2,000 inhabitants
    assert "Marciac" in medium and "Martel" in medium and ">Lectoure<" not in medium
    near = Client().get(url, {"distance": "50", "territory": "gers"}).text  # Lectoure 32 km, Marciac 40 km from Auch
    assert "Lectoure" in near and "Marciac" in near and "Martel" not in near
    closer = Client().get(url, {"distance": "30", "territory": "gers"}).text
    assert ">Lectoure<" not in closer and ">Marciac<" not in closer
    assert Client().get(url, {"distance": "abc", "size": "huge"}).status_code == 200  # bad filters: ignored


def test_public_list_stays_within_a_bounded_number_of_queries_as_villages_grow(world, django_assert_max_num_queries):
    from sohosolo.territory.models import Commune

    for i in range(60):
        commune = Commune.objects.create(
            insee_code=f"32{500 + i}", name=f"Village {i}", departement="32", latitude=43.5 + i / 100, longitude=0.4
        )
        Village.objects.create(territory=world.territory_a, commune=commune)
    with django_assert_max_num_queries(6):
        response = Client().get(reverse("territory:village_list"))
    assert response.status_code == 200
    assert '"lat": 43.5' in response.text  # every village is on the map, not only the page's


def test_offline_svg_map_highlights_the_partner_villages(world):
    response = Client().get(reverse("territory:map_svg", args=["gers"]))
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert svg.count("<a ") == 2 and "/villages/gers/lectoure/" in svg and "/villages/gers/marciac/" in svg
    assert "Martel" not in svg


def test_distance_as_the_crow_flies():
    assert distance_km(48.8566, 2.3522, 45.7640, 4.8357) == pytest.approx(391.5, abs=1)  # Paris–Lyon
    assert distance_km(43.6471, 0.58375, 43.6471, 0.58375) == 0


def test_demo_places_51_gers_villages_on_the_public_list(db, on_demo_day):

    load_demo_of_the_tests(0.05)
    villages = Village.objects.public().filter(territory__code="gers")
    assert villages.count() == 51
    assert villages.filter(commune__latitude__isnull=False).count() == 51
    assert Role.objects.filter(kind=RoleKind.VOLUNTEER, committee_function=CommitteeFunction.REFERENT).count() == 63
    page = Client().get(reverse("territory:village_list"), {"territory": "gers"}).text
    assert page.count('"url": "/villages/gers/') == 51
    assert User.objects.get(email="volunteer.lectoure@demo.sohosolo.fr").roles.get().committee_function == "referent"


def settings_data(**changes) -> dict:
    data = {
        "name": "Soho Solo Gers",
        "brand_name": "Soho Solo Gers — Vivre et travailler à la campagne",
        "main_town": "32233",  # Marciac becomes the main town
        "info_meeting_interval_days": "14",
        "applications_per_hour": "5",
        "email": "contact@gers.example.fr",
        "phone": "05 62 00 00 00",
        "address": "1 place Jean-David, 32000 Auch",
        "website": "",
        "goals-TOTAL_FORMS": "1",
        "goals-INITIAL_FORMS": "0",
        "goals-0-year": "2027",
        "goals-0-contacts": "220",
        "goals-0-families_settled": "45",
        "hubs-TOTAL_FORMS": "1",
        "hubs-INITIAL_FORMS": "0",
        "hubs-0-name": "Aéroport Toulouse-Blagnac",
        "hubs-0-kind": "airport",
        "hubs-0-latitude": "43.635",
        "hubs-0-longitude": "1.3678",
        "hubs-0-position": "0",
    }
    return data | changes


def test_manager_sets_goals_hubs_contact_and_logo_and_distances_follow_the_main_town(world, client_for):
    logo = SimpleUploadedFile("logo.png", png_bytes((1200, 600)), content_type="image/png")
    response = client_for("manager_a").post(reverse("territory:settings", args=["gers"]), settings_data(logo=logo))
    assert response.status_code == 302
    territory = world.territory_a
    territory.refresh_from_db()
    assert territory.main_town_id == "32233" and territory.info_meeting_interval_days == 14
    assert territory.goal_for(2027).families_settled == 45
    assert territory.hubs.get().kind == "airport"
    with Image.open(territory.logo.path) as image:
        assert max(image.size) == 400
    marciac = world.village_a2
    marciac.refresh_from_db()
    assert marciac.distance_main_town_km == 0  # Marciac is now the main town itself


def test_bad_settings_are_refused_and_nothing_is_saved(world, client_for):
    client = client_for("manager_a")
    response = client.post(
        reverse("territory:settings", args=["gers"]),
        settings_data(info_meeting_interval_days="0", **{"hubs-0-latitude": "123"}, main_town="46185"),
    )
    assert response.status_code == 400
    assert response.text.count('class="errorlist"') >= 3
    world.territory_a.refresh_from_db()
    assert world.territory_a.info_meeting_interval_days == 15 and not world.territory_a.hubs.exists()
    assert (
        client_for("advisor_a").post(reverse("territory:settings", args=["gers"]), settings_data()).status_code == 403
    )


def test_a_volunteer_is_taken_off_the_committee_by_the_team(world, client_for):
    role = Role.objects.get(user=world.users["volunteer_a2"])
    url = reverse("territory:committee_remove", args=["gers", "marciac", role.pk])
    assert client_for("volunteer_a1").post(url).status_code == 404  # another village's committee
    assert client_for("manager_a").post(url).status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()
    assert User.objects.filter(pk=world.users["volunteer_a2"].pk).exists()  # the account stays
    assert ActionLog.objects.filter(action="committee.volunteer_removed", territory=world.territory_a).exists()
