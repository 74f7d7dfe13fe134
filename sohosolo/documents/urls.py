from django.urls import path

from sohosolo.documents import views

app_name = "documents"

file = "territoires/<slug:code>/candidats/<int:pk>/documents/"

urlpatterns = [
    # The team, on a household's file
    path(file, views.document_list, name="list"),
    path(file + "<int:doc_id>/", views.download, name="download"),
    path(file + "<int:doc_id>/supprimer/", views.delete, name="delete"),
    # A village committee, on a household shared with its village
    path(
        "territoires/<slug:code>/villages/<slug:slug>/candidats/<int:pk>/documents/<int:doc_id>/",
        views.committee_download,
        name="committee_download",
    ),
]
