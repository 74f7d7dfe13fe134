"""Browser journeys: Playwright drives the Debian Chromium against pytest-django's live server.

Every test in this folder is marked ``browser`` (``make test-browser`` runs them only). Without /usr/bin/chromium the
tests are skipped, unless BROWSER_TESTS_REQUIRED=1 (CI), where they fail. SHOTS=1 writes a screenshot of every page
visited into /tmp/shots/ for a human to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from sohosolo.accounts.security import two_factor_required
from sohosolo.accounts.security_views import current_code
from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS_DIR = Path("/tmp/shots")
BLOCKING_IMPACTS = ("serious", "critical")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests, closed when they are done.

    Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls from a thread with a
    running loop: DJANGO_ALLOW_ASYNC_UNSAFE is set only while Playwright runs, so no other test (nor a subprocess
    it starts) inherits it, and the loop is gone before the other tests run."""
    if not CHROMIUM.exists():
        message = "Chromium not installed: apt-get install chromium"
        if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as p:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_page(browser, viewport: dict, **options):
    context = browser.new_context(locale="fr-FR", viewport=viewport, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    return context, page


@pytest.fixture
def page(browser):
    """A fresh desktop page (French browser, 1280×900), with its own cookies."""
    context, page = _new_page(browser, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    """A fresh phone page (French browser, 390×844, touch)."""
    context, page = _new_page(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


@pytest.fixture
def live_world(live_server, transactional_db, world):
    """The personas of tests/conftest.py, committed so that the live server's thread sees them. The staff personas
    have set up their authenticator app (their second factor): see pass_second_factor."""
    for user in world.users.values():
        if user is not None and two_factor_required(user):
            TOTPDevice.objects.get_or_create(user=user, defaults={"name": "Test app", "confirmed": True})
    return world


def assert_accessible(page) -> None:
    """Fail with the serious and critical axe-core violations of the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state()
    results = Axe().run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if violations:
        lines = [f"axe found {len(violations)} serious or critical violation(s) on {page.url}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['description']} [{v.get('helpUrl', '')}]")
            for node in v["nodes"]:
                lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}")
        pytest.fail("\n".join(lines), pytrace=False)


def shot(page, name: str) -> None:
    """Save a full-page screenshot as /tmp/shots/NAME.png, only when SHOTS=1."""
    if os.environ.get("SHOTS") != "1":
        return
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"), full_page=True)


def assert_no_sideways_scroll(page, what: str) -> None:
    page.wait_for_load_state()  # a page still being replaced after a click has no document to measure
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{what} scrolls sideways: {scroll_width}px > {inner_width}px"


def pass_second_factor(page, user) -> None:
    """On the verification page that follows a staff member's password: type the code their app shows now."""
    if not two_factor_required(user):
        return
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    # A code is accepted once: forget the last one used, so that two sign-ins within 30 seconds both work.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    page.wait_for_url(re.compile(r"/compte/verification/"))
    page.locator("input[name=code]").fill(current_code(device))
    page.locator("main button[type=submit]").first.click()


def sign_in(page, live_server, user) -> None:
    """Sign in as `user`, with the password and, for staff, the code of their authenticator app."""
    page.goto(live_server.url + "/compte/connexion/")
    page.locator("input[name=username]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    pass_second_factor(page, user)
    page.wait_for_url(re.compile(r"/espace/$"))
