"""Results: the dashboard, the goals and the annual report for funders."""

from django.urls import path

from sohosolo.results import views

app_name = "results"

urlpatterns = [
    path("territoires/<slug:code>/resultats/", views.dashboard, name="dashboard"),
    path("territoires/<slug:code>/resultats/objectifs/", views.goals, name="goals"),
    path("territoires/<slug:code>/resultats/rapports/", views.request_report, name="request_report"),
    path("territoires/<slug:code>/resultats/rapports/<int:pk>/", views.report_status, name="report"),
    path(
        "territoires/<slug:code>/resultats/rapports/<int:pk>/telecharger/",
        views.report_download,
        name="report_download",
    ),
]
