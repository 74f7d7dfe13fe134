from django.urls import path

from sohosolo.appointments import views

app_name = "appointments"

prospect = "territoires/<slug:code>/candidats/<int:pk>/rendez-vous/"

urlpatterns = [
    path(prospect, views.create, name="create"),
    path(prospect + "<int:appointment_id>/annuler/", views.cancel, name="cancel"),
    path("espace/mon-agenda/", views.week, name="week"),
    path("rendez-vous/<str:token>/", views.household_appointment, name="household"),
]
