from django.urls import path

from sohosolo.events import views

app_name = "events"

urlpatterns = [
    path("evenements/", views.calendar, name="calendar"),
    path("evenements/annuler/<str:token>/", views.cancel_registration, name="cancel"),
    path("evenements/<slug:code>/<int:pk>/", views.detail, name="detail"),
    path("evenements/<slug:code>/<int:pk>/invitation.ics", views.ics, name="ics"),
]
