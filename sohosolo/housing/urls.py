"""Housing: public offers, the intranet's offers, matching and proposals."""

from django.urls import path

from sohosolo.housing import views

app_name = "housing"

offer = "territoires/<slug:code>/logements/<int:pk>/"
prospect = "territoires/<slug:code>/candidats/<int:pk>/"

urlpatterns = [
    # Public
    path("logements/", views.public_list, name="public_list"),
    path("logements/<slug:code>/<int:pk>/", views.public_detail, name="public_detail"),
    path("propositions/<str:token>/", views.proposal_answer, name="proposal_answer"),
    # The programme team and the villages' volunteers
    path("territoires/<slug:code>/logements/", views.offer_list, name="offer_list"),
    path("territoires/<slug:code>/logements/nouvelle/", views.offer_create, name="offer_create"),
    path("territoires/<slug:code>/logements/ponderation/", views.weights, name="weights"),
    path(offer, views.offer_detail, name="offer_detail"),
    path(offer + "modifier/", views.offer_edit, name="offer_edit"),
    path(offer + "statut/", views.offer_status, name="offer_status"),
    path(offer + "confirmer/", views.offer_confirm, name="offer_confirm"),
    path(offer + "photos/", views.offer_photos, name="offer_photos"),
    path(offer + "photos/<int:photo_id>/supprimer/", views.offer_photo_delete, name="offer_photo_delete"),
    # Matching for a prospect (the team)
    path(prospect + "logement/", views.matching_page, name="matching"),
    path(prospect + "logement/proposer/", views.proposal_send, name="proposal_send"),
]
