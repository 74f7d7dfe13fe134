"""Two-factor sign-in and re-confirmation in a real browser: enrolment on a phone, verification, recovery codes."""

from __future__ import annotations

import re
import time

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from sohosolo.accounts.security_views import current_code
from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll, shot, sign_in
from tests.conftest import PASSWORD


def test_an_advisor_sets_up_two_factor_sign_in_on_a_phone_at_first_sign_in(live_world, phone_page, live_server):
    page = phone_page
    advisor = live_world.users["advisor_a"]
    TOTPDevice.objects.filter(user=advisor).delete()  # never signed in yet
    page.goto(live_server.url + "/compte/connexion/")
    page.locator("input[name=username]").fill(advisor.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()

    page.wait_for_url(re.compile(r"/compte/double-authentification/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer la connexion en deux étapes")
    expect(page.get_by_role("img", name="QR code à scanner avec votre application d'authentification")).to_be_visible()
    assert_no_sideways_scroll(page, "the set-up page")
    shot(page, "security-setup-fr-phone")
    assert_accessible(page)

    device = TOTPDevice.objects.get(user=advisor, confirmed=False)
    page.get_by_label("Code affiché par l'application").fill("000000")
    page.get_by_role("button", name="Activer", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("Ce code n'est pas le bon")
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # the app's short delay is over
    page.get_by_label("Code affiché par l'application").fill(current_code(device))
    page.get_by_role("button", name="Activer", exact=True).click()

    page.wait_for_url(re.compile(r"/compte/double-authentification/codes/"))
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_no_sideways_scroll(page, "the recovery codes page")
    shot(page, "security-recovery-codes-fr-phone")
    assert_accessible(page)
    page.get_by_role("link", name="Je les ai notés, continuer").click()
    page.wait_for_url(re.compile(r"/espace/$"))


def password_given_long_ago(page) -> None:
    """Move this browser's session to a time when the password was given 20 minutes ago (in the session store the
    settings choose: the database, or the Redis cache on PostgreSQL runs)."""
    from importlib import import_module

    from django.conf import settings

    from sohosolo.accounts.security import CONFIRMED_AT

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806

    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    session[CONFIRMED_AT] = time.time() - 20 * 60
    session.save()


def test_verification_and_re_confirmation_pages(live_world, page, live_server, settings):
    settings.DEMO_MODE = True
    manager = live_world.users["manager_a"]
    page.goto(live_server.url + "/compte/connexion/")
    page.locator("input[name=username]").fill(manager.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/compte/verification/"))
    expect(page.locator(".demo-code code")).to_have_text(re.compile(r"^\d{6}$"))
    shot(page, "security-verify-fr-desktop")
    assert_accessible(page)
    page.get_by_label("Code").fill(page.locator(".demo-code code").inner_text())
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(re.compile(r"/espace/$"))

    password_given_long_ago(page)
    page.goto(live_server.url + "/territoires/gers/equipe/inviter/")
    page.wait_for_url(re.compile(r"/compte/confirmer/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmez votre identité")
    shot(page, "security-confirm-fr-desktop")
    assert_accessible(page)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url(re.compile(r"/territoires/gers/equipe/inviter/$"))


def test_a_volunteer_finds_two_factor_sign_in_on_their_account_page(live_world, phone_page, live_server):
    page = phone_page
    sign_in(page, live_server, live_world.users["volunteer_a1"])
    page.goto(live_server.url + "/compte/profil/")
    section = page.locator("section.two-factor")
    expect(section).to_contain_text("Désactivée")
    assert_no_sideways_scroll(page, "the account page")
    shot(page, "security-profile-fr-phone")
    assert_accessible(page)
    section.get_by_role("link", name="Activer la connexion en deux étapes").click()
    page.wait_for_url(re.compile(r"/compte/double-authentification/"))
    expect(page.get_by_role("button", name="Annuler et se déconnecter")).to_have_count(0)  # optional: no trap
