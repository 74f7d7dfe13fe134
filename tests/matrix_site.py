"""Permission matrix lines for the project's own URLs (sohosolo/urls.py, sohosolo/views.py) and the Django admin.

Each tests/matrix_<app>.py declares, for the URLs of its app (see tests/test_permissions.py, which runs them all):
EXPECTED  name → (URL arguments from the world, status per persona) for a GET;
POST      name → (URL arguments, outsiders, form data): a POST by each outsider against territory A's object must
          be 404 and change nothing (data: a dict, or a function of the world returning one);
POST_EXEMPT  name → why a URL that accepts POST has no such row (public, signed links, the person's own account);
build(world)  the objects of territory A these URLs need.
"""

from __future__ import annotations

from tests.matrix import every

EXPECTED: dict = {
    "home": (lambda w: [], every(200)),
    "healthz": (lambda w: [], every(200)),
    "set_language": (lambda w: [], every(405)),  # POST only
    "staff_home": (lambda w: [], every(200, anonymous=302)),
    # The whole admin namespace, through its index (test_permissions.WHOLE_NAMESPACES).
    "admin:index": (lambda w: [], every(302) | {"platform_admin": 200}),
}

POST: dict = {}

POST_EXEMPT: dict[str, str] = {
    "set_language": "public: sets the visitor's language in their own session, no record of a territory",
    "staff_home": "the signed-in person's own home page (no territory in the URL); it renders, writes nothing",
    "admin:index": "the whole Django admin namespace: Django staff (is_staff, the platform admin) only, not "
    "territory-scoped; every other persona is sent to the admin's sign-in (see EXPECTED)",
}


def build(world) -> None:
    """The platform admin may open the Django admin."""
    admin = world.users["platform_admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
