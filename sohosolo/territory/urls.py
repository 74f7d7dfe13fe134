from django.urls import path

from sohosolo.territory import views

app_name = "territory"

village = "territoires/<slug:code>/villages/<slug:slug>/"

urlpatterns = [
    # Public
    path("villages/", views.village_list, name="village_list"),
    path("villages/<slug:code>/carte.svg", views.territory_map_svg, name="map_svg"),
    path("villages/<slug:code>/<slug:slug>/", views.village_public, name="village_public"),
    # The programme team and the villages' volunteers
    path("territoires/<slug:code>/", views.territory_detail, name="detail"),
    path("territoires/<slug:code>/reglages/", views.territory_settings, name="settings"),
    path("territoires/<slug:code>/villages/nouveau/", views.village_create, name="village_create"),
    path(village, views.village_committee, name="village_committee"),
    path(village + "modifier/", views.village_edit, name="village_edit"),
    path(village + "photos/", views.village_photos, name="village_photos"),
    path(village + "photos/<int:photo_id>/supprimer/", views.village_photo_delete, name="village_photo_delete"),
    path(village + "comite/inviter/", views.committee_invite, name="committee_invite"),
    path(village + "comite/<int:role_id>/", views.committee_function, name="committee_function"),
    path(village + "comite/<int:role_id>/retirer/", views.committee_remove, name="committee_remove"),
]
