"""Permission matrix lines for the results app: dashboard, goals, annual reports (see tests/matrix_site.py for the
format, tests/test_permissions.py runs them)."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, only

EXPECTED: dict = {
    "results:dashboard": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "results:goals": (lambda w: [w.territory_a.code], only(TEAM_A)),
    "results:request_report": (lambda w: [w.territory_a.code], only(STAFF_POST_ONLY)),
    "results:report": (lambda w: [w.territory_a.code, w.annual_report.pk], only(TEAM_A)),
    "results:report_download": (lambda w: [w.territory_a.code, w.annual_report.pk], only(TEAM_A)),
}

OUTSIDERS = ("advisor_b",)  # staff of territory B

POST: dict = {
    "results:goals": (lambda w: [w.territory_a.code], OUTSIDERS, {"year": 2026, "contacts": 1, "families_settled": 1}),
    "results:request_report": (
        lambda w: [w.territory_a.code],
        OUTSIDERS,
        {"year": 2025, "format": "xlsx", "language": "fr"},
    ),
}

POST_EXEMPT: dict[str, str] = {}

MATRIX_FILE = "reports/gers/sohosolo-matrix.xlsx"


def build(world) -> None:
    """A finished annual report of territory A (its file written once, in the private storage of reports)."""
    from django.core.files.base import ContentFile

    from sohosolo.results.models import AnnualReport

    storage = AnnualReport._meta.get_field("file").storage
    if not storage.exists(MATRIX_FILE):
        storage.save(MATRIX_FILE, ContentFile(b"PK"))
    world.annual_report = AnnualReport.objects.create(
        territory=world.territory_a, year=2025, language="fr", format="xlsx", status="done", file=MATRIX_FILE
    )
