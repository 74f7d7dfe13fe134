from django.urls import path

from sohosolo.events import feeds, series_views, staff_views, views

app_name = "events"

urlpatterns = [
    path("evenements/", views.calendar, name="calendar"),
    path("evenements/annuler/<str:token>/", views.cancel_registration, name="cancel"),
    path("evenements/<slug:code>/<int:pk>/", views.detail, name="detail"),
    path("evenements/<slug:code>/<int:pk>/invitation.ics", views.ics, name="ics"),
    path("calendrier/<slug:code>.ics", feeds.public_feed, name="public_feed"),
    path("calendrier/prive/<str:token>.ics", feeds.private_feed, name="private_feed"),
    path("espace/calendrier/", feeds.my_calendar, name="my_calendar"),
]

# The team's side (sohosolo/events/staff_views.py)
event = "territoires/<slug:code>/evenements/<int:pk>/"
urlpatterns += [
    path("territoires/<slug:code>/evenements/", staff_views.staff_list, name="staff_list"),
    path("territoires/<slug:code>/evenements/nouveau/", staff_views.staff_create, name="staff_create"),
    path(event, staff_views.staff_detail, name="staff_detail"),
    path(event + "modifier/", staff_views.staff_edit, name="staff_edit"),
    path(event + "export.<str:fmt>", staff_views.staff_export, name="staff_export"),
    path(event + "message/", staff_views.staff_message, name="staff_message"),
    path(event + "presences/", staff_views.attendance, name="attendance"),
    path(event + "inscrire/", staff_views.register_prospect, name="register_prospect"),
    path(
        "territoires/<slug:code>/candidats/<int:pk>/evenements/",
        staff_views.register_from_file,
        name="register_household",
    ),
    path(event + "presences/sur-place/", staff_views.walk_in, name="walk_in"),
    path(event + "presences/<int:registration_id>/", staff_views.mark_attendance, name="mark_attendance"),
    path(
        "territoires/<slug:code>/villages/<slug:slug>/reunions/", staff_views.village_meetings, name="village_meetings"
    ),
    path("territoires/<slug:code>/evenements/series/", series_views.series_list, name="series_list"),
    path("territoires/<slug:code>/evenements/series/<int:pk>/", series_views.series_edit, name="series_edit"),
]
