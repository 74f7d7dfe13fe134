"""Permission matrix lines for the results app (merged into tests/test_permissions.py's EXPECTED)."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, every, only  # noqa: F401

EXPECTED: dict = {
    "results:dashboard": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "results:goals": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "results:request_report": (lambda w: [w.territory_a.code], only(STAFF_POST_ONLY)),
    "results:report": (lambda w: [w.territory_a.code, w.annual_report.pk], only(TEAM_A)),
    "results:report_download": (lambda w: [w.territory_a.code, w.annual_report.pk], only(TEAM_A)),
}

MATRIX_FILE = "reports/gers/sohosolo-matrix.xlsx"


def build(world) -> None:
    """A finished annual report of territory A (its file written once, under the media folder)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from sohosolo.results.models import AnnualReport

    if not default_storage.exists(MATRIX_FILE):
        default_storage.save(MATRIX_FILE, ContentFile(b"PK"))
    world.annual_report = AnnualReport.objects.create(
        territory=world.territory_a, year=2025, language="fr", format="xlsx", status="done", file=MATRIX_FILE
    )
