"""Sign-in security: two-factor sign-in, throttles, session expiry, re-confirmation, cookies and headers."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sohosolo.accounts.models import RoleKind
from sohosolo.accounts.security import CONFIRMED_AT, SEEN_AT, SIGNED_IN_AT, new_recovery_codes
from sohosolo.accounts.security_views import current_code
from sohosolo.audit.models import ActionLog
from tests.conftest import PASSWORD, load_demo_of_the_tests
from tests.test_permissions import EXPECTED
from tests.test_permissions import world_with_admin as world_with_admin  # the matrix's world, a fixture

LOGIN = "/compte/connexion/"
VERIFY = "/compte/verification/"
SETUP = "/compte/double-authentification/"
CODES = "/compte/double-authentification/codes/"
CONFIRM = "/compte/confirmer/"
STAFF = ("platform_admin", "manager_a", "advisor_a", "advisor_b")


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


def app_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def next_code(device: TOTPDevice) -> str:
    """The app's code for the next time step: a code is accepted once, so two sign-ins in one test need two."""
    device.refresh_from_db()
    device.drift += 1  # the same key, 30 s later (the device accepts one step of tolerance)
    code = current_code(device)
    return code


def password_only_client(world, persona: str) -> Client:
    """Signed in with the password, the second factor not given yet."""
    client = Client()
    client.force_login(world.users[persona], backend="django.contrib.auth.backends.ModelBackend")
    return client


# Every page of the permission matrix that a staff persona may open once signed in.
STAFF_PAGES = sorted(
    (name, persona)
    for name, (_args, expected) in EXPECTED.items()
    for persona in STAFF
    if expected[persona] == 200
    and name not in ("accounts:two_factor_setup",)
    and expected["anonymous"] == 302  # pages for signed-in people only (public pages stay public)
)


@pytest.mark.parametrize(("name", "persona"), STAFF_PAGES)
@pytest.mark.parametrize("enrolled", [False, True], ids=["first-sign-in", "enrolled"])
def test_staff_cannot_reach_staff_pages_before_completing_two_factor_sign_in(
    world_with_admin,
    name,
    persona,
    enrolled,
):
    user = world_with_admin.users[persona]
    if enrolled:
        app_for(user)
    client = password_only_client(world_with_admin, persona)
    args, _expected = EXPECTED[name]
    with translation.override("fr"):
        url = reverse(name, args=args(world_with_admin))

    response = client.get(url)

    assert response.status_code == 302, f"{persona} GET {url}"
    assert response["Location"].startswith(VERIFY if enrolled else SETUP), response["Location"]


def test_the_django_admin_asks_for_the_second_factor_too(world):
    admin = world.users["platform_admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    response = client.post(reverse("admin:login"), {"username": admin.email, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_staff_enrol_at_first_sign_in_then_give_a_code_at_each_sign_in(world):
    client = Client()
    assert sign_in(client, "advisor.a@example.fr")["Location"] == "/espace/"
    response = client.get("/espace/")
    assert response["Location"] == f"{SETUP}?next=%2Fespace%2F"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text  # the QR code, as an image (no inline SVG style)
    device = TOTPDevice.objects.get(user=world.users["advisor_a"], confirmed=False)
    wrong = client.post(SETUP, {"code": "000000", "next": "/espace/"})
    assert wrong.status_code == 400 and "errorlist" in wrong.text
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # the app's delay has passed
    assert client.get("/espace/").status_code == 302  # still not through

    response = client.post(SETUP, {"code": current_code(device), "next": "/espace/"})
    assert response.status_code == 302 and response["Location"].startswith(CODES)
    codes_page = client.get(response["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page.text)
    assert len(codes) == 10
    assert 'href="/espace/"' in codes_page.text
    assert re.findall(r"<li><code>([a-z2-7]{8})</code></li>", client.get(CODES).text) == []  # shown once
    assert client.get("/espace/").status_code == 200
    assert ActionLog.objects.filter(action="user.two_factor_enabled").exists()

    # The next sign-in asks for the app's code.
    client.post(reverse("accounts:logout"))
    client = Client()
    sign_in(client, "advisor.a@example.fr")
    response = client.get("/territoires/gers/candidats/")
    assert response["Location"] == f"{VERIFY}?next=%2Fterritoires%2Fgers%2Fcandidats%2F"
    assert client.post(VERIFY, {"code": "123456", "next": "/espace/"}).status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = client.post(VERIFY, {"code": next_code(device), "next": "/territoires/gers/candidats/"})
    assert response["Location"] == "/territoires/gers/candidats/"
    assert client.get("/territoires/gers/candidats/").status_code == 200


def test_a_recovery_code_works_once(world):
    advisor = world.users["advisor_a"]
    app_for(advisor)
    code = new_recovery_codes(advisor)[0]

    first = Client()
    sign_in(first, advisor.email)
    response = first.post(VERIFY, {"code": code.upper(), "next": "/espace/"})
    assert response["Location"] == "/espace/"
    assert StaticToken.objects.filter(device__user=advisor).count() == 9

    second = Client()
    sign_in(second, advisor.email)
    assert second.post(VERIFY, {"code": code, "next": "/espace/"}).status_code == 400
    assert second.get("/espace/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones_after_confirming_the_password(world, client_for):
    advisor = world.users["advisor_a"]
    client = client_for("advisor_a")
    old = new_recovery_codes(advisor)
    session = client.session
    session[CONFIRMED_AT] = time.time() - 3600  # gave the password an hour ago
    session.save()

    response = client.post(CODES)
    assert response["Location"].startswith(CONFIRM)
    assert client.post(CONFIRM, {"password": "wrong", "next": CODES}).status_code == 400
    assert client.post(CONFIRM, {"password": PASSWORD, "next": CODES})["Location"] == CODES
    assert client.post(CODES)["Location"] == CODES
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", client.get(CODES).text)
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=advisor).values_list("token", flat=True)) == set(new)


def test_volunteers_need_no_second_factor_but_may_turn_it_on_and_off(world, client_for):
    volunteer = world.users["volunteer_a1"]
    client = Client()
    sign_in(client, volunteer.email)
    assert client.get("/espace/").status_code == 200
    profile = client.get("/compte/profil/")
    assert SETUP in profile.text

    client.get(SETUP)
    device = TOTPDevice.objects.get(user=volunteer)
    assert client.post(SETUP, {"code": current_code(device)}).status_code == 302
    assert TOTPDevice.objects.get(user=volunteer).confirmed

    # From now on, their sign-in asks for the code too.
    other = Client()
    sign_in(other, volunteer.email)
    assert other.get("/espace/")["Location"].startswith(VERIFY)
    other.post(VERIFY, {"code": next_code(device)})
    assert other.get("/espace/").status_code == 200

    # They turn it off (having given the password just now).
    assert other.post(reverse("accounts:two_factor_disable"))["Location"] == "/compte/profil/"
    assert not TOTPDevice.objects.filter(user=volunteer).exists()
    third = Client()
    sign_in(third, volunteer.email)
    assert third.get("/espace/").status_code == 200


def test_staff_cannot_turn_two_factor_sign_in_off(world, client_for):
    response = client_for("advisor_a").post(reverse("accounts:two_factor_disable"))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=world.users["advisor_a"]).exists()


def test_wrong_codes_are_throttled_per_account_then_even_the_right_one_is_refused(world, settings):
    advisor = world.users["advisor_a"]
    device = app_for(advisor)
    client = Client()
    sign_in(client, advisor.email)
    for _attempt in range(settings.TWO_FACTOR_FAILURE_LIMIT - 1):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # skip the device's own delay
        assert client.post(VERIFY, {"code": "000000"}).status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    assert client.post(VERIFY, {"code": "000000"}).status_code == 429
    locked = client.post(VERIFY, {"code": current_code(device)})
    assert locked.status_code == 429 and "Trop de codes erronés" in locked.text
    # Another browser, another address: the account is still locked.
    other = Client(REMOTE_ADDR="198.51.100.7")
    sign_in(other, advisor.email)
    assert other.post(VERIFY, {"code": current_code(device)}).status_code == 429
    assert other.get("/espace/").status_code == 302


def test_a_colleagues_wrong_codes_from_the_same_address_lock_out_nobody_else(world, settings):
    """The code step is locked per account: a member failing their codes behind the team's proxy does not lock
    the staff's code step."""
    settings.PROXY_COUNT = 1
    member, advisor = world.users["member"], world.users["advisor_a"]
    own = app_for(member)
    behind_the_proxy = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    client = Client(**behind_the_proxy)
    sign_in(client, member.email)
    for _attempt in range(settings.TWO_FACTOR_FAILURE_LIMIT):
        TOTPDevice.objects.filter(pk=own.pk).update(throttling_failure_count=0)
        client.post(VERIFY, {"code": "000000"})
    assert client.post(VERIFY, {"code": current_code(own)}).status_code == 429
    device = app_for(advisor)
    colleague = Client(**behind_the_proxy)
    sign_in(colleague, advisor.email)
    assert colleague.post(VERIFY, {"code": current_code(device)}).status_code == 302


def test_the_device_itself_slows_down_guessing(world):
    """django-otp's own throttle: after a wrong code, the next try within the delay fails even if right."""
    advisor = world.users["advisor_a"]
    device = app_for(advisor)
    client = Client()
    sign_in(client, advisor.email)
    client.post(VERIFY, {"code": "000000"})
    assert client.post(VERIFY, {"code": current_code(device)}).status_code == 400


def test_password_reset_requests_are_throttled_per_address_and_per_email(world, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 4
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 2
    url = reverse("accounts:password_reset")
    client = Client(REMOTE_ADDR="198.51.100.1")
    for _attempt in range(3):
        assert client.post(url, {"email": "advisor.a@example.fr"}).status_code == 302
    assert len(mail.outbox) == 2  # the third says "sent" and sends nothing: no mailbox flooding
    assert client.post(url, {"email": "advisor.b@example.fr"}).status_code == 302
    refused = client.post(url, {"email": "member@example.fr"})
    assert refused.status_code == 429
    assert len(mail.outbox) == 3
    # Another address may still ask, but not for the email already at its limit.
    other = Client(REMOTE_ADDR="198.51.100.2")
    assert other.post(url, {"email": "member@example.fr"}).status_code == 302
    assert other.post(url, {"email": "ADVISOR.A@example.fr"}).status_code == 302
    assert len(mail.outbox) == 4


@pytest.mark.parametrize(
    ("clock", "expired"),
    [
        ({SEEN_AT: -59 * 60}, False),
        ({SEEN_AT: -61 * 60}, True),  # idle for more than SESSION_IDLE_MINUTES
        ({SIGNED_IN_AT: -11 * 3600}, False),
        ({SIGNED_IN_AT: -13 * 3600}, True),  # signed in more than SESSION_MAX_HOURS ago, even if busy
    ],
)
def test_sessions_end_after_idling_or_at_their_absolute_lifetime(world, client_for, settings, clock, expired):
    settings.SESSION_IDLE_MINUTES = 60
    settings.SESSION_MAX_HOURS = 12
    client = client_for("advisor_a")
    session = client.session
    for key, delta in clock.items():
        session[key] = time.time() + delta
    session.save()

    response = client.get("/espace/")

    if expired:
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in client.session
        assert client.get("/espace/").status_code == 302
    else:
        assert response.status_code == 200


def test_the_session_cookie_lasts_no_longer_than_the_absolute_lifetime():
    assert django_settings.SESSION_COOKIE_AGE == django_settings.SESSION_MAX_HOURS * 3600


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/territoires/gers/candidats/export.csv", None),
        ("get", "/territoires/gers/equipe/inviter/", None),
        (
            "post",
            "/territoires/gers/equipe/inviter/",
            {"email": "x@example.fr", "full_name": "X", "kind": "advisor", "language": "fr"},
        ),
    ],
)
def test_sensitive_actions_ask_to_confirm_the_password_when_it_was_given_long_ago(world, client_for, method, url, data):
    client = client_for("manager_a")
    session = client.session
    session[CONFIRMED_AT] = time.time() - 16 * 60
    session.save()

    response = getattr(client, method)(url, data or {}, HTTP_REFERER="http://testserver/territoires/gers/equipe/")

    assert response.status_code == 302 and response["Location"].startswith(CONFIRM), response
    assert not mail.outbox
    back = "/territoires/gers/equipe/" if method == "post" else url
    assert client.post(CONFIRM, {"password": PASSWORD, "next": back})["Location"] == back
    assert getattr(client, method)(url, data or {}).status_code in (200, 302)
    if method == "post":
        assert len(mail.outbox) == 1


def test_the_events_export_and_role_changes_ask_to_confirm_too(world_with_admin, client_for):
    from sohosolo.accounts.models import Role

    client = client_for("advisor_a")
    session = client.session
    session[CONFIRMED_AT] = time.time() - 16 * 60
    session.save()
    export = reverse("events:staff_export", args=["gers", world_with_admin.event.pk, "csv"])
    assert client.get(export)["Location"].startswith(CONFIRM)
    role = Role.objects.get(user=world_with_admin.users["volunteer_a1"])
    change = reverse("territory:committee_function", args=["gers", world_with_admin.village_a1.slug, role.pk])
    response = client.post(change, {"committee_function": "referent"})
    assert response["Location"].startswith(CONFIRM)
    role.refresh_from_db()
    assert role.committee_function == ""


def test_re_confirmation_with_the_apps_code(world, client_for):
    client = client_for("advisor_a")
    device = TOTPDevice.objects.get(user=world.users["advisor_a"])
    session = client.session
    session[CONFIRMED_AT] = time.time() - 16 * 60
    session.save()
    url = reverse("prospects:export", args=["gers", "csv"])
    assert client.get(url).status_code == 302
    assert client.post(CONFIRM, {"code": "000000", "next": url}).status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    assert client.post(CONFIRM, {"code": current_code(device), "next": url})["Location"] == url
    assert client.get(url).status_code == 200


def test_confirmation_page_does_not_redirect_elsewhere(world, client_for):
    client = client_for("advisor_a")
    response = client.post(CONFIRM, {"password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/espace/"


def test_demo_mode_shows_the_current_code_on_the_verification_page_only_in_demo_mode(world, settings):
    advisor = world.users["advisor_a"]
    device = app_for(advisor)
    client = Client()
    sign_in(client, advisor.email)
    assert "demo-code" not in client.get(VERIFY).text
    settings.DEMO_MODE = True
    assert f"<code>{current_code(device)}</code>" in client.get(VERIFY).text


def test_demo_staff_personas_have_the_demo_app_and_the_others_none(db, on_demo_day):
    from sohosolo.accounts.demo import DEMO_TOTP_KEY
    from sohosolo.accounts.models import User

    load_demo_of_the_tests(0.02)
    advisor = User.objects.get(email="advisor.gers@demo.sohosolo.fr")
    assert TOTPDevice.objects.get(user=advisor).key == DEMO_TOTP_KEY
    assert not TOTPDevice.objects.filter(user__email="volunteer.lectoure@demo.sohosolo.fr").exists()
    assert not TOTPDevice.objects.filter(user__roles__kind=RoleKind.MEMBER).exists()


# Cookies and headers -------------------------------------------------------------------------------------------


def test_choosing_a_language_sets_no_cookie_and_leads_to_the_same_page_in_that_language(world):
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/villages/?territory=gers"})
    assert response["Location"] == "/en/villages/?territory=gers"
    assert set(response.cookies) <= {"sessionid"}
    assert client.get(response["Location"]).text.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in client.get("/en/villages/").text
    back = client.post(reverse("set_language"), {"language": "fr", "next": "/en/villages/"})
    assert back["Location"] == "/villages/"
    assert client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})["Location"] == (
        "/en/"
    )


def test_a_signed_in_user_who_switches_language_keeps_it_for_emails_and_sign_ins(world, client_for):
    client = client_for("advisor_a")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/espace/"})
    assert response["Location"] == "/en/espace/"
    assert "django_language" not in response.cookies
    advisor = world.users["advisor_a"]
    advisor.refresh_from_db()
    assert advisor.language == "en"
    assert sign_in(Client(), advisor.email)["Location"] == "/en/espace/"


def test_a_message_travels_in_the_session_not_in_a_cookie_of_its_own(world, client_for):
    client = client_for("advisor_a")
    response = client.post(reverse("accounts:profile"), {"full_name": "Julien", "phone": "", "language": "fr"})
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert "Votre profil a été enregistré" in client.get(response["Location"]).text


def test_every_page_switches_off_unused_browser_features(world):
    response = Client().get("/")
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_production_settings_make_cookies_secure_and_send_hsts(monkeypatch):
    """Settings read SITE_URL: with an https:// address, cookies are Secure (__Host-) and HSTS is on."""
    import importlib

    import sohosolo.settings as project_settings

    monkeypatch.setenv("SITE_URL", "https://sohosolo.example.fr")
    try:
        production = importlib.reload(project_settings)
        assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
        assert production.SESSION_COOKIE_NAME == "__Host-sessionid"
        assert production.CSRF_COOKIE_NAME == "__Host-csrftoken"
        assert production.SESSION_COOKIE_HTTPONLY and production.CSRF_COOKIE_HTTPONLY
        assert production.SECURE_HSTS_SECONDS >= 31536000 and production.SECURE_SSL_REDIRECT
        assert not hasattr(production, "LANGUAGE_COOKIE_SECURE")
    finally:
        monkeypatch.delenv("SITE_URL")
        importlib.reload(project_settings)


def test_no_content_security_policy_allows_inline_code():
    for sources in django_settings.SECURE_CSP.values():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources


def test_deploy_checks_refuse_an_unsafe_policy_or_plain_http(settings):
    from sohosolo.checks import check_production_settings

    settings.DEBUG = False
    settings.SECURE_CSP = settings.SECURE_CSP | {"style-src": ["'self'", "'unsafe-inline'"]}
    settings.SITE_URL = "http://sohosolo.example.fr"
    ids = {error.id for error in check_production_settings(None)}
    assert {"sohosolo.E005", "sohosolo.E006"} <= ids


# The dependency audit (bin/audit-dependencies, run by CI) ---------------------------------------------------------


def load_audit_script():
    import importlib.machinery
    import importlib.util

    path = str(django_settings.BASE_DIR / "bin" / "audit-dependencies")
    loader = importlib.machinery.SourceFileLoader("audit_dependencies", path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("audit_dependencies", loader))
    loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("audit", "latest", "exit_code"),
    [
        ([{"name": "django", "version": "6.1.3", "vulns": []}], None, 0),
        ([{"name": "django", "version": "6.1.3", "vulns": [{"id": "PYSEC-1", "fix_versions": ["6.1.4"]}]}], None, 1),
        ([{"name": "django", "skip_reason": "not found"}], [{"id": "GHSA-1", "fixed_in": ["6.1.4"]}], 1),
        ([{"name": "django", "skip_reason": "not found"}], [], 0),
        ([{"name": "django", "skip_reason": "not found"}], None, 1),  # nothing audited at all: not a pass
    ],
)
def test_the_dependency_audit_fails_on_a_known_vulnerability(tmp_path, monkeypatch, capsys, audit, latest, exit_code):
    script = load_audit_script()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pinned\nDjango==6.1.3\n")
    monkeypatch.setattr(script, "pip_audit", lambda path: audit)
    monkeypatch.setattr(script, "latest_release_vulnerabilities", lambda name, version: latest)
    monkeypatch.setattr("sys.argv", ["audit-dependencies", str(requirements)])
    assert script.main() == exit_code
    if latest or audit[0].get("vulns"):
        assert "VULNERABLE django==6.1.3" in capsys.readouterr().out


# Uploads are judged by their content, never by their name ------------------------------------------------------


def test_a_photo_is_read_by_its_content_and_stored_under_a_name_of_its_real_kind():
    import io

    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from sohosolo.lib.images import process_photo

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, "PNG")
    disguised = SimpleUploadedFile("report.pdf", buffer.getvalue(), content_type="application/pdf")
    processed = process_photo(disguised, max_bytes=1024 * 1024)
    assert processed.main.name.endswith(".jpg") and processed.main.read(3) == b"\xff\xd8\xff"  # re-encoded JPEG

    script = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name in ("photo.jpg", "photo.png", "photo.svg"):
        with pytest.raises(ValidationError):
            process_photo(SimpleUploadedFile(name, script, content_type="image/jpeg"), max_bytes=1024 * 1024)


def test_an_import_file_is_read_by_its_content(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("prospects:import_upload", args=["gers"])
    client = client_for("advisor_a")
    csv_named_xlsx = SimpleUploadedFile("contacts.xlsx", b"Prenom;Nom;Email\nA;B;a@example.fr\n")
    assert client.post(url, {"file": csv_named_xlsx, "mode": "all_or_nothing"}).status_code == 400
    binary_named_csv = SimpleUploadedFile("contacts.csv", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00")
    assert client.post(url, {"file": binary_named_csv, "mode": "all_or_nothing"}).status_code == 400


def test_changing_a_user_in_the_django_admin_asks_to_confirm_the_password(world, client_for):
    admin = world.users["platform_admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = client_for("platform_admin")
    url = reverse("admin:accounts_user_change", args=[world.users["advisor_a"].pk])
    assert client.get(url).status_code == 200
    session = client.session
    session[CONFIRMED_AT] = time.time() - 16 * 60
    session.save()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)


def test_changes_made_in_the_django_admin_go_to_the_audit_log(world, client_for):
    """A user's name changed, a role granted and one removed from the Django admin: each is logged, with the
    territory the role belongs to (so that its managers see it in their access log), passwords never."""
    from sohosolo.accounts.models import Role

    admin = world.users["platform_admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    advisor = world.users["advisor_a"]
    role = advisor.roles.get()
    client = client_for("platform_admin")
    url = reverse("admin:accounts_user_change", args=[advisor.pk])
    form = {
        "email": advisor.email,
        "full_name": "Julien Conseiller",
        "language": "fr",
        "is_active": "on",
        "roles-TOTAL_FORMS": "2",
        "roles-INITIAL_FORMS": "1",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-id": str(role.pk),
        "roles-0-user": str(advisor.pk),
        "roles-0-kind": RoleKind.ADVISOR,
        "roles-0-territory": str(world.territory_a.pk),
        "roles-0-DELETE": "on",
        "roles-1-user": str(advisor.pk),
        "roles-1-kind": RoleKind.MANAGER,
        "roles-1-territory": str(world.territory_a.pk),
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(advisor.roles.values_list("kind", flat=True)) == [RoleKind.MANAGER]
    logged = {entry.action: entry for entry in ActionLog.objects.filter(object_id=str(advisor.pk))}
    assert logged["user.changed_in_admin"].data == {"full_name": "Julien Conseiller"}
    assert logged["user.changed_in_admin"].actor == admin
    assert logged["role.granted"].data["role"] == RoleKind.MANAGER
    assert logged["role.granted"].territory_id == world.territory_a.pk
    assert logged["role.removed"].data["role"] == RoleKind.ADVISOR
    assert not Role.objects.filter(pk=role.pk).exists()


def test_an_invited_advisor_sets_up_two_factor_sign_in_right_after_activating_their_account(world, client_for):
    client_for("manager_a").post(
        reverse("accounts:invite", args=["gers"]),
        {"email": "louise@example.fr", "full_name": "Louise", "language": "fr", "kind": "advisor"},
    )
    link = re.search(r"/compte/activer/[^/\s]+/", mail.outbox[0].body).group(0)
    client = Client()
    form = {"full_name": "Louise", "language": "fr", "new_password1": "Un mot de passe solide", "new_password2": ""}
    form["new_password2"] = form["new_password1"]
    assert client.post(link, form).status_code == 302
    response = client.get("/espace/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_a_village_number_too_large_for_the_database_is_a_form_error_not_a_server_error(world):
    client = Client(raise_request_exception=False)
    response = client.post(
        reverse("prospects:apply", args=[world.territory_a.code]),
        {"villages": "99999999999999999999999999", "first_name": "Ana", "email": "ana@example.fr"},
    )
    assert response.status_code == 400
    assert "villages" in response.context["form"].errors


def test_a_search_of_fifty_thousand_characters_answers(world, client_for):
    from tests.factories import make_household

    make_household(world.territory_a)
    words = " ".join(f"mot{i}" for i in range(10_000))[:50_000]
    response = client_for("advisor_a").get(reverse("prospects:list", args=[world.territory_a.code]), {"q": words})
    assert response.status_code == 200
    intranet = client_for("member").get(reverse("intranet:document_list", args=[world.territory_a.code]), {"q": words})
    assert intranet.status_code == 200


def test_signed_in_pages_are_never_stored_by_a_cache_and_public_pages_may_be(world, client_for):
    """A page with personal data for someone signed in (or holding the personal space's session) carries
    Cache-Control: private, no-store; the public pages of an anonymous visitor do not."""
    for persona, url in [
        ("advisor_a", "/territoires/gers/candidats/"),
        ("member", "/club/"),
        ("manager_a", "/espace/"),
    ]:
        response = client_for(persona).get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}, url
    public = Client().get("/")
    assert "no-store" not in public.get("Cache-Control", "")
