from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sohosolo.accounts.models import Invitation, Role, RoleKind, User
from sohosolo.accounts.security_views import current_code
from sohosolo.accounts.services import invitation_token
from sohosolo.audit.models import ActionLog
from tests.conftest import PASSWORD

LOGIN = "/compte/connexion/"


def sign_in(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def test_user_signs_in_with_email_in_any_case_and_lands_on_their_space(world):
    client = Client()
    response = sign_in(client, "Advisor.A@Example.fr", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff_home")
    device = TOTPDevice.objects.create(user=world.users["advisor_a"], name="app")  # staff: second factor too
    response = client.get(reverse("staff_home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:two_factor_verify"))
    page = client.post(response.redirect_chain[-1][0], {"code": current_code(device)}, follow=True)
    assert "Soho Solo Gers" in page.text


def test_wrong_password_shows_a_clear_message_and_no_session(world):
    client = Client()
    response = sign_in(client, "advisor.a@example.fr", "wrong")
    assert response.status_code == 200
    assert "ne correspondent pas" in response.text or "do not match" in response.text
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_in_a_row_lock_the_account_with_a_clear_message(world):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _attempt in range(4):
        assert sign_in(client, "advisor.a@example.fr", "wrong").status_code == 200
    locked = sign_in(client, "advisor.a@example.fr", "wrong")
    assert locked.status_code == 429
    assert 'role="alert"' in locked.text
    assert "15" in locked.text  # says for how long
    # Even the right password is refused while locked: brute force learns nothing.
    again = sign_in(client, "ADVISOR.A@example.fr", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another person is not locked out by it.
    assert sign_in(Client(REMOTE_ADDR="203.0.113.7"), "advisor.b@example.fr", PASSWORD).status_code == 302


def test_sign_out_needs_post_and_ends_the_session(world, client_for):
    client = client_for("advisor_a")
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("staff_home")).status_code == 302


def test_password_reset_email_goes_out_in_the_users_language_and_the_link_works(world):
    member = world.users["member"]  # speaks English
    Client().post(reverse("accounts:password_reset"), {"email": "MEMBER@example.fr"})
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["member@example.fr"]
    assert email.subject == "Choose a new password for Soho Solo"
    assert email.alternatives and "<html" in email.alternatives[0][0]
    link = re.search(r"http://\S+/nouveau/\S+/", email.body).group(0)
    assert "/en/" in link
    client = Client()
    form_page = client.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "A new long passphrase", "new_password2": "A new long passphrase"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("A new long passphrase")
    assert ActionLog.objects.filter(action="user.password_reset", object_id=str(member.pk)).exists()


def test_password_reset_for_unknown_email_sends_nothing_and_reveals_nothing(world):
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@example.fr"})
    assert response.status_code == 302
    assert mail.outbox == []


def invite(client: Client, territory_code: str, **data):
    payload = {"email": "nouvelle@example.fr", "full_name": "Louise Nouvelle", "language": "fr", "kind": "advisor"}
    return client.post(reverse("accounts:invite", args=[territory_code]), payload | data)


def test_manager_invites_a_volunteer_who_activates_their_account_and_signs_in(world, client_for):
    response = invite(client_for("manager_a"), "gers", kind="volunteer", village=world.village_a1.pk, language="en")
    assert response.status_code == 302
    user = User.objects.get(email="nouvelle@example.fr")
    assert not user.is_active
    assert Role.objects.get(user=user).village == world.village_a1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "You are invited to join Soho Solo Gers"
    link = re.search(r"http://\S+/compte/activer/\S+/", mail.outbox[0].body).group(0)

    client = Client()
    path = link.replace("http://127.0.0.1:8000", "")
    assert client.get(path).status_code == 200
    bad = client.post(
        path, {"full_name": "Louise Nouvelle", "language": "en", "new_password1": "x", "new_password2": "y"}
    )
    assert bad.status_code == 200 and "errorlist" in bad.text
    ok = client.post(
        path,
        {
            "full_name": "Louise N.",
            "language": "en",
            "new_password1": "Sunflowers in Lectoure",
            "new_password2": "Sunflowers in Lectoure",
        },
    )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.is_active and user.full_name == "Louise N."
    assert client.get(reverse("territory:village_committee", args=["gers", "lectoure"])).status_code == 200
    # The link works once only.
    assert Client().get(path).status_code == 404
    assert set(ActionLog.objects.filter(object_id=str(user.pk)).values_list("action", flat=True)) >= {
        "user.invited",
        "role.granted",
        "user.activated",
    }


def test_invitation_link_expires(world, client_for, settings):
    invite(client_for("manager_a"), "gers")
    invitation = Invitation.objects.get()
    token = invitation_token(invitation)
    settings.INVITATION_TIMEOUT_DAYS = 0
    assert Client().get(reverse("accounts:activate", args=[token])).status_code == 404


def test_inviting_someone_who_already_has_an_account_grants_the_role_and_tells_them(world, client_for):
    response = invite(client_for("manager_a"), "gers", email="Member@example.fr", kind="partner")
    assert response.status_code == 302
    member = world.users["member"]
    assert member.roles.filter(kind=RoleKind.PARTNER, territory=world.territory_a).exists()
    assert mail.outbox[0].subject == "A new role in Soho Solo Gers"  # in the member's language, English


def test_invitation_form_explains_what_is_wrong(world, client_for):
    client = client_for("manager_a")
    response = invite(client, "gers", email="not-an-email", kind="volunteer")
    assert response.status_code == 200
    assert response.text.count('class="errorlist"') >= 2  # email and village
    assert not User.objects.filter(full_name="Louise Nouvelle").exists()
    twice = invite(client, "gers", email="advisor.a@example.fr", kind="advisor")
    assert twice.status_code == 200 and "errorlist" in twice.text


def test_advisor_cannot_invite_and_manager_cannot_invite_into_another_territory(world, client_for):
    assert invite(client_for("advisor_a"), "gers").status_code == 403
    assert invite(client_for("manager_a"), "lot").status_code == 404
    assert not User.objects.filter(email="nouvelle@example.fr").exists()


def test_profile_change_is_logged_and_sets_the_language_of_emails(world, client_for):
    client = client_for("advisor_a")
    response = client.post(reverse("accounts:profile"), {"full_name": "Julien C.", "language": "en"})
    assert response.status_code == 302
    user = world.users["advisor_a"]
    user.refresh_from_db()
    assert user.language == "en"
    log = ActionLog.objects.get(action="user.profile_changed")
    assert log.data == {"full_name": "Julien C.", "language": "en"}
    assert log.actor == user


def test_a_role_must_match_its_scope(world):
    user = world.users["member"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(user=user, kind=RoleKind.ADVISOR)  # an advisor belongs to a territory
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(user=user, kind=RoleKind.MEMBER, territory=world.territory_a)  # already a member
    role = Role.objects.create(user=user, kind=RoleKind.VOLUNTEER, village=world.village_b1)
    assert role.territory == world.territory_b  # a volunteer's territory is their village's


def test_a_user_can_hold_several_roles(world, client_for):
    Role.objects.create(user=world.users["advisor_b"], kind=RoleKind.VOLUNTEER, village=world.village_a2)
    client = client_for("advisor_b")
    assert client.get(reverse("territory:detail", args=["lot"])).status_code == 200
    assert client.get(reverse("territory:village_committee", args=["gers", "marciac"])).status_code == 200
    assert client.get(reverse("territory:detail", args=["gers"])).status_code == 404


def test_a_deactivated_account_is_not_revived_by_an_invitation(world, client_for):
    advisor = world.users["advisor_b"]
    advisor.is_active = False
    advisor.save()
    response = invite(client_for("manager_a"), "gers", email="advisor.b@example.fr", kind="member")
    assert response.status_code == 200 and "errorlist" in response.text
    assert not Invitation.objects.exists() and mail.outbox == []
    assert not advisor.roles.filter(territory=world.territory_a).exists()


def test_an_unanswered_invitation_can_be_sent_again(world, client_for):
    client = client_for("manager_a")
    invite(client, "gers")
    assert invite(client, "gers").status_code == 302
    assert Invitation.objects.filter(user__email="nouvelle@example.fr").count() == 2
    assert Role.objects.filter(user__email="nouvelle@example.fr").count() == 1
    assert len(mail.outbox) == 2


def test_invitation_links_are_in_the_recipients_language_whatever_the_inviters(world, client_for):
    client = client_for("manager_a")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(
        "/en" + reverse("accounts:invite", args=["gers"]),
        {"email": "francoise@example.fr", "full_name": "Françoise", "language": "fr", "kind": "advisor"},
    )
    assert response.status_code == 302
    body = mail.outbox[0].body
    assert "/compte/activer/" in body and "/en/" not in body
    assert mail.outbox[0].subject == "Invitation à rejoindre Soho Solo Gers"


def test_very_long_email_gets_a_form_error_not_a_server_error(world, client_for):
    long_email = "a" * 250 + "@example.fr"
    response = Client().post(LOGIN, {"username": long_email, "password": "x"})
    assert response.status_code == 200 and "errorlist" in response.text
    response = invite(client_for("manager_a"), "gers", email=long_email)
    assert response.status_code == 200 and "errorlist" in response.text


def test_signing_in_continues_in_the_users_language(world):
    client = Client()
    response = sign_in(client, "member@example.fr", PASSWORD)  # Thomas speaks English
    assert response["Location"] == "/en/espace/"
    assert set(client.cookies) <= {"sessionid", "csrftoken"}  # the address carries the language, no cookie


def test_lockout_counts_the_real_client_behind_the_proxy(world, settings):
    """Behind one reverse proxy, a visitor who fails five times locks only themselves out, not everyone."""
    settings.PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9")
    for _attempt in range(5):
        last = sign_in(attacker, "advisor.a@example.fr", "wrong")
    assert last.status_code == 429
    colleague = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.10")
    assert sign_in(colleague, "advisor.a@example.fr", PASSWORD).status_code == 302


def test_a_forged_forwarded_for_locks_out_nobody_but_its_sender(world, settings):
    """The proxy appends the address it saw; what the client wrote itself before it is never read."""
    settings.PROXY_COUNT = 1
    # The attacker writes the colleague's address, then the proxy appends the attacker's own.
    forged = "198.51.100.10, 203.0.113.66"
    for _attempt in range(5):
        last = sign_in(Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forged), "advisor.a@example.fr", "wrong")
    assert last.status_code == 429
    assert (
        sign_in(
            Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forged), "advisor.a@example.fr", PASSWORD
        ).status_code
        == 429
    )
    # The colleague whose address was written, and anyone else behind the proxy, sign in.
    colleague = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.10")
    assert sign_in(colleague, "advisor.a@example.fr", PASSWORD).status_code == 302
    other = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert sign_in(other, "advisor.a@example.fr", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "198.51.100.10", "127.0.0.1"),  # no proxy: the header is the client's own words
        (1, "", "127.0.0.1"),  # nothing appended: the address that connected
        (1, "198.51.100.10, 203.0.113.66", "203.0.113.66"),
        (2, "198.51.100.10, 203.0.113.66, 10.0.0.2", "203.0.113.66"),  # a CDN, then our proxy
        (1, "198.51.100.10, not-an-address", "127.0.0.1"),
    ],
)
def test_the_client_address_is_counted_from_the_right(settings, rf, proxies, forwarded, address):
    from sohosolo.lib.addresses import client_address

    settings.PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == address


def test_a_visitor_who_switched_to_english_signs_in_and_stays_in_english(world):
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post("/en" + LOGIN, {"username": "advisor.a@example.fr", "password": PASSWORD})
    assert response["Location"] == "/en/espace/"
    user = world.users["advisor_a"]
    user.refresh_from_db()
    assert user.language == "en"  # their emails follow their choice


def test_a_request_without_an_address_is_none_for_the_lockout_and_one_key_for_the_throttles(rf):
    from sohosolo.lib.addresses import address_for_axes, client_address

    request = rf.get("/")
    del request.META["REMOTE_ADDR"]
    assert (address_for_axes(request), client_address(request)) == (None, "unknown")
