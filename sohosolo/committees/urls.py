"""Welcome committees."""

from django.urls import path

from sohosolo.committees import views

app_name = "committees"

committee = "territoires/<slug:code>/villages/<slug:slug>/comite/"
checklist = committee + "accueil/<int:checklist_id>/"
prospect = "territoires/<slug:code>/candidats/<int:pk>/"

urlpatterns = [
    # A village's committee (its volunteers and the team)
    path(committee, views.dashboard, name="dashboard"),
    path(committee + "disponibilites/", views.availability, name="availability"),
    path(committee + "visites/nouvelle/", views.visit_plan, name="visit_plan"),
    path(committee + "visites/<int:visit_id>/", views.visit, name="visit"),
    path(checklist, views.checklist, name="checklist"),
    path(checklist + "actions/<int:action_id>/", views.action_edit, name="action_edit"),
    path(checklist + "actions/<int:action_id>/faite/", views.action_done, name="action_done"),
    path(committee + "suivis/<int:take_id>/", views.follow_up, name="follow_up"),
    path(committee + "suivis/<int:take_id>/prendre/", views.follow_up_take, name="follow_up_take"),
    # The advisor, from a prospect's file
    path(prospect + "orienter/", views.refer, name="refer"),
    path(prospect + "visite/", views.household_visit, name="household_visit"),
    # The team
    path("territoires/<slug:code>/comites/", views.activity, name="activity"),
]
