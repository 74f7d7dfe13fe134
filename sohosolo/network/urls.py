"""The club (directory, members' space, joining), partners and introductions."""

from django.urls import path

from sohosolo.network import views

app_name = "network"

urlpatterns = [
    # Public
    path("club/", views.directory, name="directory"),
    path("club/membres/<int:pk>/", views.member, name="member"),
    path("club/adhesion/<slug:code>/", views.apply, name="apply"),
    path("club/adhesion/<slug:code>/merci/", views.applied, name="applied"),
    path("partenaires/", views.partners, name="partners"),
    path("mise-en-relation/<str:token>/", views.answer, name="answer"),
    # Members and partners
    path("club/membres/<int:pk>/ecrire/", views.contact_member, name="contact_member"),
    path("club/mon-profil/", views.my_profile, name="my_profile"),
    path("club/mises-en-relation/", views.my_introductions, name="my_introductions"),
    path("club/mises-en-relation/<int:pk>/", views.my_introduction, name="my_introduction"),
    # The programme team
    path("territoires/<slug:code>/club/", views.staff_members, name="staff_members"),
    path("territoires/<slug:code>/club/<int:pk>/", views.staff_member, name="staff_member"),
    path("territoires/<slug:code>/partenaires/", views.staff_partners, name="staff_partners"),
    path("territoires/<slug:code>/partenaires/nouveau/", views.partner_create, name="partner_create"),
    path("territoires/<slug:code>/partenaires/<int:pk>/", views.partner_edit, name="partner_edit"),
    path("territoires/<slug:code>/mises-en-relation/", views.staff_introductions, name="staff_introductions"),
    path("territoires/<slug:code>/mises-en-relation/<int:pk>/", views.staff_introduction, name="staff_introduction"),
    path("territoires/<slug:code>/candidats/<int:pk>/mise-en-relation/", views.introduce, name="introduce"),
]
