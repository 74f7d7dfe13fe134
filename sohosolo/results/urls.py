"""Results: the dashboard, the goals and the annual report for funders."""

from django.urls import path, register_converter

from sohosolo.results import views


class ReportFormat:
    regex = "pdf|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReportFormat, "report_format")

app_name = "results"

urlpatterns = [
    path("territoires/<slug:code>/resultats/", views.dashboard, name="dashboard"),
    path("territoires/<slug:code>/resultats/objectifs/", views.goals, name="goals"),
    path(
        "territoires/<slug:code>/resultats/rapport-<int:year>.<report_format:fmt>",
        views.annual_report,
        name="annual_report",
    ),
]
