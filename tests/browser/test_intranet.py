"""The intranet in a real browser: a manager publishes a post holding a script, which a volunteer reads on a phone
without it running; a member uses the notice board; every page passes axe and fits a 375-px screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, assert_accessible, assert_no_sideways_scroll, shot, sign_in

SMALL_PHONE = {"width": 375, "height": 800}


@pytest.fixture
def small_phone(browser):
    context, page = _new_page(browser, SMALL_PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def check(page, what: str) -> None:
    assert_no_sideways_scroll(page, what)
    shot(page, f"intranet-{what}")
    assert_accessible(page)


def test_a_post_with_a_script_is_read_on_a_phone_without_running(live_world, page, small_phone, live_server):
    from sohosolo.intranet.models import Post, Space, Thread

    dialogs = []
    sign_in(page, live_server, live_world.users["manager_a"])
    page.goto(live_server.url + "/intranet/gers/actualites/nouvelle/")
    check(page, "post-form")
    page.get_by_label("Titre").fill("Réunion des comités")
    page.get_by_label("Bénévoles des villages d'accueil").check()
    page.get_by_label("Texte").fill(
        "Rendez-vous **jeudi**.\n\n<script>alert('xss')</script>\n\n<img src=x onerror=alert(1)>"
    )
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réunion des comités")
    assert Post.objects.get().audience == "volunteers"
    Thread.objects.create(
        territory=live_world.territory_a, space=Space.VILLAGES, title="Logements à Lectoure", body="Des pistes ?"
    )

    phone = small_phone
    phone.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(phone, live_server, live_world.users["volunteer_a1"])
    phone.goto(live_server.url + "/intranet/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Intranet de Soho Solo Gers")
    check(phone, "home-volunteer-phone")
    phone.get_by_role("link", name="Réunion des comités").click()
    expect(phone.locator(".rich-text strong")).to_have_text("jeudi")
    phone.wait_for_timeout(300)
    assert dialogs == [], "a script of the post ran"
    check(phone, "post-phone")

    phone.goto(live_server.url + "/intranet/gers/discussions/villages/")
    check(phone, "threads-phone")
    phone.get_by_role("link", name="Logements à Lectoure").click()
    phone.get_by_label("Votre réponse").fill("La maison près de la halle se libère en mars.")
    phone.get_by_role("button", name="Publier la réponse").click()
    expect(phone.locator(".intranet-replies")).to_contain_text("se libère en mars")
    check(phone, "thread-phone")

    page.goto(live_server.url + "/intranet/gers/documents/ajouter/")
    check(page, "document-form")

    # Deleting asks first: dismissed, the post stays; accepted, it goes.
    post = Post.objects.get()
    page.goto(live_server.url + f"/intranet/gers/actualites/{post.pk}/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Supprimer cette actualité").click()
    page.wait_for_timeout(300)
    assert Post.objects.filter(pk=post.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Supprimer cette actualité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actualités")
    assert not Post.objects.filter(pk=post.pk).exists()


def test_a_member_posts_on_the_notice_board_from_a_phone(live_world, small_phone, live_server):
    from sohosolo.intranet.models import NoticeRequest

    phone = small_phone
    sign_in(phone, live_server, live_world.users["member"])
    phone.goto(live_server.url + "/intranet/gers/annonces/")
    check(phone, "notices-phone")
    phone.get_by_role("link", name="Publier une annonce").click()
    check(phone, "notice-form-phone")
    phone.get_by_label("Compétence recherchée").check()
    phone.get_by_label("Titre").fill("Cherche graphiste pour un logo")
    phone.get_by_label("Description").fill("Pour mon activité de traiteur.")
    phone.get_by_label("Compétences").fill("graphisme, logo")
    phone.get_by_role("button", name="Publier", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cherche graphiste pour un logo")
    check(phone, "notice-phone")
    phone.get_by_role("button", name="Clore l'annonce").click()
    expect(phone.locator(".tag.warning")).to_be_visible()
    assert NoticeRequest.objects.get().closed_at is not None
