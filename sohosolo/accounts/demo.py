"""Demo accounts: the personas, and their second factor (staff personas share an authenticator app with a known key).

Only for the demo (`manage.py demo`): in DEMO_MODE the verification page also prints the current code, so that
anybody trying the demo can sign in as a staff persona without setting up an app. The key can be added to a real
authenticator app too: DEMO_TOTP_KEY_BASE32.
"""

from __future__ import annotations

from base64 import b32encode

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from sohosolo.accounts.models import RoleKind
from sohosolo.accounts.security import new_recovery_codes, two_factor_required

DEMO_PASSWORD = "demo"
DEMO_DOMAIN = "demo.sohosolo.fr"

# The persona accounts, shown on the sign-in page in demo mode and listed in the README.
PERSONAS = [
    # email, full name, role, territory code, village slug, description
    ("admin", "Hélène Marty", RoleKind.PLATFORM_ADMIN, None, None, _("Platform administrator")),
    ("manager.gers", "Sophie Laborde", RoleKind.MANAGER, "gers", None, _("Programme manager, Gers")),
    ("advisor.gers", "Julien Castaing", RoleKind.ADVISOR, "gers", None, _("Advisor, Gers")),
    ("advisor.lot", "Camille Delpech", RoleKind.ADVISOR, "lot", None, _("Advisor, Lot")),
    ("volunteer.lectoure", "Bernard Dubarry", RoleKind.VOLUNTEER, "gers", "lectoure", _("Volunteer, Lectoure")),
    ("volunteer.marciac", "Monique Lacoste", RoleKind.VOLUNTEER, "gers", "marciac", _("Volunteer, Marciac")),
    ("member", "Thomas Girard", RoleKind.MEMBER, "gers", None, _("Soho Solo club member, Gers")),
    ("partner", "Nathalie Soulé", RoleKind.PARTNER, "gers", None, _("Partner (accountant), Gers")),
]
DEMO_LOGINS = [(f"{login}@{DEMO_DOMAIN}", label) for login, _name, _kind, _t, _v, label in PERSONAS]

DEMO_TOTP_KEY = b"SohoSoloDemoTOTPKey!".hex()
DEMO_TOTP_KEY_BASE32 = b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def load_two_factor_devices(users) -> int:
    """Give each of `users` who must sign in with a second factor the demo authenticator app; return how many."""
    count = 0
    for user in users:
        if two_factor_required(user) and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="Demo app", key=DEMO_TOTP_KEY, confirmed=True)
            new_recovery_codes(user)
            count += 1
    return count
