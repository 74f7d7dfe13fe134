from django.urls import path

from sohosolo.committees import views as committee_views
from sohosolo.prospects import import_views, views

app_name = "prospects"

prospect = "territoires/<slug:code>/candidats/<int:pk>/"

urlpatterns = [
    # Public
    path("mon-projet/", views.apply_choose, name="apply_choose"),
    path("mon-projet/<slug:code>/", views.apply, name="apply"),
    path("mon-projet/<slug:code>/merci/", views.applied, name="applied"),
    # The programme team
    path("espace/ma-journee/", views.my_day, name="my_day"),
    path("territoires/<slug:code>/candidats/", views.prospect_list, name="list"),
    path("territoires/<slug:code>/candidats/tableau/", views.board, name="board"),
    path("territoires/<slug:code>/candidats/lot/", views.bulk, name="bulk"),
    path("territoires/<slug:code>/candidats/vues/", views.save_view, name="save_view"),
    path("territoires/<slug:code>/candidats/vues/<int:view_id>/supprimer/", views.delete_view, name="delete_view"),
    path("territoires/<slug:code>/candidats/export.<str:fmt>", views.export, name="export"),
    path("territoires/<slug:code>/candidats/nouveau/", views.new_prospect, name="new"),
    path("territoires/<slug:code>/candidats/nouveau/doublons/", views.new_prospect_duplicates, name="new_duplicates"),
    path(prospect, views.prospect_detail, name="detail"),
    path(prospect + "modifier/", views.edit, name="edit"),
    path(prospect + "echanges/", views.add_interaction, name="add_interaction"),
    path(prospect + "relances/", views.add_follow_up, name="add_follow_up"),
    path(prospect + "relances/<int:follow_up_id>/faite/", views.follow_up_done, name="follow_up_done"),
    path(prospect + "etape/", views.set_stage, name="set_stage"),
    path(prospect + "conseiller/", views.assign, name="assign"),
    path(prospect + "installation/", views.settle, name="settle"),
    path(prospect + "fusionner/", views.merge, name="merge"),
    # A village's committee
    path(
        "territoires/<slug:code>/villages/<slug:slug>/candidats/",
        committee_views.village_prospects,
        name="village_list",
    ),
    path(
        "territoires/<slug:code>/villages/<slug:slug>/candidats/<int:pk>/",
        committee_views.village_prospect,
        name="village_detail",
    ),
]

# The web import of a spreadsheet (sohosolo/prospects/import_views.py)
import_job = "territoires/<slug:code>/candidats/import/<int:job_id>/"
urlpatterns += [
    path("territoires/<slug:code>/candidats/import/", import_views.import_upload, name="import_upload"),
    path(import_job, import_views.import_job, name="import_job"),
    path(import_job + "colonnes/", import_views.import_mapping, name="import_mapping"),
    path(import_job + "avancement/", import_views.import_progress, name="import_progress"),
    path(import_job + "annuler/", import_views.import_cancel, name="import_cancel"),
    path(import_job + "rejets.<str:fmt>", import_views.import_rejected, name="import_rejected"),
]
