from django.urls import path

from sohosolo.territory import views

app_name = "territory"

urlpatterns = [
    path("territoires/<slug:code>/", views.territory_detail, name="detail"),
    path("territoires/<slug:code>/villages/<slug:slug>/", views.village_committee, name="village_committee"),
]
