"""The platform itself: health check, production settings, background work, periodic jobs, demo data, languages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sohosolo.accounts.demo import DEMO_LOGINS, DEMO_PASSWORD
from sohosolo.lib.emails import send_email
from sohosolo.models import PeriodicJobRun
from sohosolo.tasks import PERIODIC_JOBS, enqueue_due_jobs
from tests.conftest import load_demo_of_the_tests

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k9$Vq7!pZ2@xL4#mN8^wR1&tY6*uI3(oP5)aS0_dF7+gH2=jK9-lZ4~xC8|vB1",
    "SITE_URL": "https://sohosolo.example.fr",
    "ALLOWED_HOSTS": "sohosolo.example.fr",
    "DATABASE_URL": "postgres://sohosolo@db.example.fr:5432/sohosolo",
    "REDIS_URL": "redis://cache.example.fr:6379/0",
    "EMAIL_HOST": "smtp.example.fr",
    "EMAIL_HOST_USER": "sohosolo",
    "EMAIL_HOST_PASSWORD": "secret",
    "WEB_CONCURRENCY": "4",
}


def run_deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in ("DEMO_MODE",)}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def readme_production_settings() -> dict[str, str]:
    """The production settings block of the README, as a deployer would copy it."""
    readme = (django_settings.BASE_DIR / "README.md").read_text()
    block = readme.split("1. Production settings", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    settings = {}
    for line in block.splitlines():
        line = line.split("  #", 1)[0].strip()
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            settings[name] = value.strip().strip('"')
    return settings


def test_check_deploy_is_clean_with_the_production_settings_of_the_readme():
    settings = readme_production_settings()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "EMAIL_HOST", "BEHIND_HTTPS_PROXY", "PROXY_COUNT"} <= set(settings)
    # The README shows placeholders such as <password>; put real-looking values in their place.
    settings = {k: v.replace("<", "x").replace(">", "x") for k, v in settings.items()}
    settings["SECRET_KEY"] = PRODUCTION_ENV["SECRET_KEY"]
    result = run_deploy_check(settings)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"SECRET_KEY": ""}, "sohosolo.E001"),
        ({"DATABASE_URL": ""}, "sohosolo.E002"),  # SQLite behind 4 app server processes
        ({"EMAIL_HOST": ""}, "sohosolo.E003"),
        ({"DEMO_MODE": "true"}, "sohosolo.E004"),
    ],
)
def test_check_deploy_refuses_an_unsafe_production_configuration(change, error):
    result = run_deploy_check(PRODUCTION_ENV | change)
    assert result.returncode != 0
    assert error in result.stdout + result.stderr


def test_healthz_answers_200_when_the_database_answers(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_a_load_balancer_probing_by_ip_or_without_host(db, settings):
    settings.ALLOWED_HOSTS = ["sohosolo.example.fr"]
    assert Client().get("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert Client(SERVER_NAME="0.0.0.0").get("/healthz").status_code == 200  # no Host header at all
    # The pages themselves still refuse a host that is not theirs.
    assert Client().get("/", HTTP_HOST="10.0.0.5:8000").status_code == 400


def test_public_media_are_served_in_production_only_when_asked(db, settings, tmp_path):
    import importlib

    from django.urls import clear_url_caches

    import sohosolo.urls

    (tmp_path / "villages").mkdir()
    (tmp_path / "villages" / "photo.jpg").write_bytes(b"\xff\xd8\xff photo")
    settings.MEDIA_ROOT = tmp_path
    try:
        for serve_media, expected in ((False, 404), (True, 200)):
            settings.SERVE_MEDIA = serve_media
            importlib.reload(sohosolo.urls)
            clear_url_caches()
            assert Client().get("/media/villages/photo.jpg").status_code == expected
        assert Client().get("/media/../private/report.xlsx").status_code in (400, 404)
    finally:
        settings.SERVE_MEDIA = False
        importlib.reload(sohosolo.urls)
        clear_url_caches()


def test_healthz_answers_503_when_the_database_does_not(db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = Client().get("/healthz")
    assert response.status_code == 503


def test_email_is_queued_as_a_task_and_sent_by_the_worker(transactional_db, settings):
    # transactional_db: the worker closes its database connection between tasks, as in production.
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = send_email(
        "someone@example.fr",
        "role-granted",
        {
            "user": {"get_short_name": "Lou"},
            "inviter": {"full_name": "Sophie"},
            "role": {"get_kind_display": "Advisor"},
            "territory": {"name": "Soho Solo Gers"},
            "login_url": "x",
        },
        language="en",
    )
    assert mail.outbox == []  # nothing sent inside the request
    assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "A new role in Soho Solo Gers"
    assert mail.outbox[0].extra_headers["Content-Language"] == "en"


def test_email_in_french_by_default(db):
    send_email(
        "quelqu.un@example.fr",
        "role-granted",
        {
            "user": {"get_short_name": "Lou"},
            "inviter": {"full_name": "Sophie"},
            "role": {"get_kind_display": "Conseiller"},
            "territory": {"name": "Soho Solo Gers"},
            "login_url": "x",
        },
        language=None,
    )
    assert mail.outbox[0].subject == "Un nouveau rôle dans Soho Solo Gers"


def test_periodic_jobs_are_claimed_once_per_period(db):
    now = timezone.now()
    assert set(enqueue_due_jobs(now)) == {job.name for job in PERIODIC_JOBS}
    shortest = min(job.every for job in PERIODIC_JOBS)
    assert enqueue_due_jobs(now + shortest / 2) == []  # a second scheduler within the period finds nothing to do
    assert set(enqueue_due_jobs(now + timedelta(days=1, seconds=1))) == {job.name for job in PERIODIC_JOBS}
    assert PeriodicJobRun.objects.count() == len(PERIODIC_JOBS)


def test_prune_job_deletes_old_finished_task_results_only(db, settings):
    from django_tasks_db.models import DBTaskResult

    from sohosolo.tasks import prune_task_results

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    old = prune_task_results.enqueue()
    recent = prune_task_results.enqueue()
    DBTaskResult.objects.filter(id=old.id).update(status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=30))
    DBTaskResult.objects.filter(id=recent.id).update(status="SUCCESSFUL", finished_at=timezone.now())
    assert prune_task_results.call() == 1
    assert DBTaskResult.objects.filter(id=recent.id).exists()


def test_runperiodic_once_queues_the_due_jobs(db):
    call_command("runperiodic", "--once", verbosity=0)
    assert PeriodicJobRun.objects.filter(last_started_at__isnull=False).count() == len(PERIODIC_JOBS)


def test_demo_fills_an_empty_database_and_its_logins_work(db, on_demo_day, settings):
    settings.DEMO_MODE = True
    load_demo_of_the_tests(0.05)
    from sohosolo.accounts.models import RoleKind, User
    from sohosolo.territory.models import Village

    assert Village.objects.filter(territory__code="gers").count() == 51
    assert 250 <= User.objects.filter(roles__kind=RoleKind.VOLUNTEER, roles__territory__code="gers").count() <= 400
    assert User.objects.filter(roles__kind=RoleKind.MEMBER, roles__territory__code="gers").count() == 221
    for email, _label in DEMO_LOGINS:
        client = Client()
        response = client.post(reverse("accounts:login"), {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        response = client.get(reverse("staff_home"))
        if response.status_code == 302:  # staff: the second factor, whose code the demo shows on the page
            page = client.get(response["Location"])
            code = re.search(r"<code>(\d{6})</code>", page.text).group(1)
            assert client.post(response["Location"], {"code": code}).status_code == 302, email
            response = client.get(reverse("staff_home"))
        assert response.status_code == 200, email
    login_page = Client().get(reverse("accounts:login"))
    assert DEMO_LOGINS[0][0] in login_page.text


def test_demo_is_deterministic_and_keeps_existing_data(db, on_demo_day):
    from sohosolo.accounts.models import User

    load_demo_of_the_tests(0.05)
    first = list(User.objects.order_by("email").values_list("email", flat=True)[:50])
    call_command("demo", "--if-empty", verbosity=0)  # make run, a second time: data kept, nothing added
    assert User.objects.count() == len(set(User.objects.values_list("email", flat=True)))
    assert list(User.objects.order_by("email").values_list("email", flat=True)[:50]) == first


def test_demo_logins_are_hidden_outside_demo_mode(db, on_demo_day):
    load_demo_of_the_tests(0.05)
    assert DEMO_LOGINS[0][0] not in Client().get(reverse("accounts:login")).text


def test_home_page_is_french_by_default_and_english_under_en(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en")
    french = client.get("/")
    assert '<html lang="fr">' in french.text
    assert "Travailler" in french.text
    english = client.get("/en/")
    assert '<html lang="en">' in english.text
    assert "Work from home, in a village of the Gers" in english.text


def test_language_switch_goes_to_the_english_page_and_remembers_a_users_choice(world, client_for):
    client = client_for("advisor_a")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/espace/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/espace/"
    user = world.users["advisor_a"]
    user.refresh_from_db()
    assert user.language == "en"


def test_pages_send_a_strict_content_security_policy(db):
    response = Client().get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy


def test_find_python_explains_clearly_when_no_python_3_12_is_found(tmp_path):
    script = django_settings.BASE_DIR / "bin" / "find-python"
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    result = subprocess.run(["/bin/sh", str(script)], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "needs Python 3.12 or newer" in result.stderr


def test_find_python_picks_a_python_of_at_least_3_12():
    result = subprocess.run([str(django_settings.BASE_DIR / "bin" / "find-python")], capture_output=True, text=True)
    assert result.returncode == 0
    version = subprocess.run(
        [result.stdout.strip(), "-c", "import sys; print(sys.version_info >= (3, 12))"], capture_output=True, text=True
    )
    assert version.stdout.strip() == "True"


def test_home_page_figures_are_counted_from_the_database(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        page = Client().get("/").text
    # 3 partner villages, 2 volunteers, 1 club member, 2 territories in the test world.
    assert [int(n) for n in re.findall(r"<dd>(\d+)</dd>", page)] == [3, 2, 1, 2]
    with django_assert_max_num_queries(1):  # cached: the session-less public page costs no count afterwards
        Client().get("/")


@pytest.mark.parametrize(
    ("name", "value", "refused"),
    [("DEBUG", "flase", "is not a yes/no value"), ("DEMO_MODE", "ture", "is not a yes/no value"),
     ("TASK_RESULTS_KEEP_DAYS", "two weeks", "is not a whole number")],
)  # fmt: skip
def test_a_typo_in_a_setting_stops_the_start_up_with_a_clear_message(name, value, refused):
    """A yes/no setting written wrong is refused, not read as "no" (DEBUG=flase would quietly mean production)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DEMO_MODE", "TASK_RESULTS_KEEP_DAYS")}
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=django_settings.BASE_DIR,
        env=clean | {"DJANGO_SETTINGS_MODULE": "sohosolo.settings", name: value},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr and f"{name}={value!r} {refused}" in run.stderr


@pytest.mark.parametrize(("value", "read"), [("TRUE", "True"), (" yes ", "True"), ("oui", "True"), ("0", "False"),
                                             ("Off", "False"), ("", "False")])  # fmt: skip
def test_yes_and_no_are_read_in_every_usual_spelling(value, read):
    clean = {k: v for k, v in os.environ.items() if k != "DEMO_MODE"}
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEMO_MODE)",
        ],
        cwd=django_settings.BASE_DIR,
        env=clean | {"DJANGO_SETTINGS_MODULE": "sohosolo.settings", "DEMO_MODE": value},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stdout.strip() == read, run.stderr
