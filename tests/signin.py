"""Signing a test client in without the sign-in pages, for the tests and the measuring scripts (bin/bench-*)."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from sohosolo.accounts.models import User
from sohosolo.accounts.security import HAS_DEVICE, totp_device, two_factor_required


def sign_in_test_client(client: Client, user: User) -> Client:
    """Sign `client` in as `user` as the sign-in pages would, past the second factor where the user needs one (with
    their authenticator app, or a new one)."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if two_factor_required(user):
        device = totp_device(user) or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[HAS_DEVICE] = True
        session.save()
    return client
