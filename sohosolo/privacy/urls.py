from django.urls import path

from sohosolo.privacy import space_views, staff_views

app_name = "privacy"

request = "territoires/<slug:code>/droits/<int:pk>/"

urlpatterns = [
    # The prospects' personal space (no account: a one-time link by email)
    path("mon-espace/", space_views.space, name="space"),
    path("mon-espace/lien/<str:token>/", space_views.space_open, name="space_open"),
    path("mon-espace/fermer/", space_views.space_close, name="space_close"),
    path("mon-espace/projet/", space_views.space_project, name="space_project"),
    path("mon-espace/mes-donnees/", space_views.space_data, name="space_data"),
    path("mon-espace/documents/", space_views.space_documents, name="space_documents"),
    path("mon-espace/mes-donnees.json", space_views.space_data, {"fmt": "json"}, name="space_data_json"),
    path("mon-espace/consentements/", space_views.space_consent, name="space_consent"),
    path("mon-espace/suppression/", space_views.space_erase, name="space_erase"),
    path("mon-espace/demande/", space_views.space_request, name="space_request"),
    path("rester-en-contact/<str:token>/", space_views.keep_in_touch, name="keep_in_touch"),
    # Pages the law asks for
    path("confidentialite/", space_views.privacy_notice, name="notice"),
    path("mentions-legales/", space_views.legal_notice, name="legal"),
    path("accessibilite/", space_views.accessibility, name="accessibility"),
    # The managers
    path("territoires/<slug:code>/droits/", staff_views.requests, name="requests"),
    path("territoires/<slug:code>/droits/nouvelle/", staff_views.request_create, name="request_create"),
    path(request, staff_views.request_detail, name="request_detail"),
    path(request + "donnees/", staff_views.request_export, name="request_export"),
    path(request + "donnees.json", staff_views.request_export, {"fmt": "json"}, name="request_export_json"),
    path(request + "anonymiser/", staff_views.request_anonymise, name="request_anonymise"),
    path("territoires/<slug:code>/journal/", staff_views.access_log, name="access_log"),
]
