"""Permission matrix lines for the network app: the club, partners and introductions (see tests/matrix_site.py for
the format, tests/test_permissions.py runs them)."""

from __future__ import annotations

from tests.matrix import TEAM_A, every, only

MEMBER_ONLY = only({"member": 200})
MEMBER_OR_PARTNER = only({"member": 200, "partner": 200})
OUTSIDERS = ("advisor_b",)  # staff of territory B
# A member's page or an introduction addressed to the member persona: territory B's staff, and territory A's partner.
NOT_THE_MEMBER = ("advisor_b", "partner")

EXPECTED: dict = {
    # Public
    "network:directory": (lambda w: [], every(200)),
    "network:member": (lambda w: [w.member_profile.pk], every(200)),  # a public profile
    "network:apply": (lambda w: [w.territory_a.code], every(200)),
    "network:applied": (lambda w: [w.territory_a.code], every(200)),
    "network:partners": (lambda w: [], every(200)),
    # The signed link is the secret: whoever holds it answers, signed in or not.
    "network:answer": (lambda w: [w.introduction_token], every(200)),
    # Members and partners
    "network:contact_member": (lambda w: [w.other_member_profile.pk], MEMBER_ONLY),
    "network:my_profile": (lambda w: [], MEMBER_ONLY),
    "network:my_introductions": (lambda w: [], MEMBER_OR_PARTNER),
    # Addressed to the member persona: the partner persona (not concerned) gets 404 like everyone else.
    "network:my_introduction": (lambda w: [w.introduction.pk], MEMBER_ONLY),
    # The programme team of territory A
    "network:staff_members": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "network:staff_member": (lambda w: [w.territory_a.code, w.member_profile.pk], only(TEAM_A)),
    "network:staff_partners": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "network:partner_create": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "network:partner_edit": (lambda w: [w.territory_a.code, w.partner_org.pk], only(TEAM_A)),
    "network:staff_introductions": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "network:staff_introduction": (lambda w: [w.territory_a.code, w.introduction.pk], only(TEAM_A)),
    "network:introduce": (lambda w: [w.territory_a.code, w.household.pk], only(TEAM_A)),
}

PARTNER_DATA = {
    "name": "Cabinet pirate",
    "kind": "accountant",
    "services": "Rien",
    "contacts-TOTAL_FORMS": 0,
    "contacts-INITIAL_FORMS": 0,
}

POST: dict = {
    "network:contact_member": (
        lambda w: [w.other_member_profile.pk],
        NOT_THE_MEMBER,
        {"subject": "Bonjour", "message": "Un message pirate."},
    ),
    "network:my_introduction": (lambda w: [w.introduction.pk], NOT_THE_MEMBER, {"action": "accept"}),
    "network:staff_member": (lambda w: [w.territory_a.code, w.member_profile.pk], OUTSIDERS, {"action": "end"}),
    "network:partner_create": (lambda w: [w.territory_a.code], OUTSIDERS, PARTNER_DATA),
    "network:partner_edit": (lambda w: [w.territory_a.code, w.partner_org.pk], OUTSIDERS, PARTNER_DATA),
    "network:staff_introduction": (
        lambda w: [w.territory_a.code, w.accepted_introduction.pk],
        OUTSIDERS,
        {"action": "met", "met_on": "2026-01-05"},
    ),
    "network:introduce": (
        lambda w: [w.territory_a.code, w.household.pk],
        OUTSIDERS,
        lambda w: {"kind": "introduction", "member": w.member_profile.pk, "purpose": "Pirate", "months": 3},
    ),
}

POST_EXEMPT: dict[str, str] = {
    "network:apply": "public: the application to join the club, for anyone (throttled)",
    "network:answer": "public: the prospect answers an introduction; its signed token in the URL is the key",
    "network:my_profile": "the signed-in member's own profile (no one else's record in the URL)",
}


def build(world) -> None:
    """Add to the matrix's world the objects this app's URLs need (world.household, world.event … already exist)."""
    from sohosolo.accounts.models import Role, RoleKind, User
    from sohosolo.network.models import Introduction, MemberProfile, Partner, PartnerContact
    from sohosolo.network.services import introduction_token

    world.member_profile = MemberProfile.objects.create(
        user=world.users["member"], territory=world.territory_a, visibility=MemberProfile.Visibility.PUBLIC
    )
    other = User.objects.create_user(email="other.member@example.fr", full_name="Léa Other", password="x")
    Role.objects.create(user=other, kind=RoleKind.MEMBER, territory=world.territory_a)
    world.other_member_profile = MemberProfile.objects.create(
        user=other, territory=world.territory_a, visibility=MemberProfile.Visibility.MEMBERS
    )
    world.partner_org = Partner.objects.create(
        territory=world.territory_a, name="Cabinet Comptable", kind=Partner.Kind.ACCOUNTANT, services="Bilans"
    )
    PartnerContact.objects.create(partner=world.partner_org, full_name="Nathalie", user=world.users["partner"])
    world.introduction = Introduction.objects.create(
        territory=world.territory_a, household=world.household, member=world.member_profile, purpose="Web design"
    )
    world.introduction_token = introduction_token(world.introduction)
    world.accepted_introduction = Introduction.objects.create(
        territory=world.territory_a,
        household=world.household,
        member=world.member_profile,
        purpose="Comptabilité",
        status=Introduction.Status.ACCEPTED,
    )
