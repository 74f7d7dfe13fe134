from django.urls import path

from sohosolo.correspondence import views

app_name = "correspondence"

templates = "territoires/<slug:code>/modeles-de-courriel/"

urlpatterns = [
    path(templates, views.template_list, name="templates"),
    path(templates + "<int:pk>/", views.template_edit, name="template_edit"),
    path(templates + "<int:pk>/supprimer/", views.template_delete, name="template_delete"),
    path("territoires/<slug:code>/candidats/<int:pk>/courriel/", views.compose, name="compose"),
]
