"""Intranet: news, discussions, documents, notice board."""

from django.urls import path

from sohosolo.intranet import views

app_name = "intranet"

base = "intranet/<slug:code>/"
urlpatterns = [
    path("intranet/", views.index, name="index"),
    path(base, views.home, name="home"),
    path(base + "actualites/", views.post_list, name="post_list"),
    path(base + "actualites/nouvelle/", views.post_edit, name="post_create"),
    path(base + "actualites/<int:pk>/", views.post_detail, name="post_detail"),
    path(base + "actualites/<int:pk>/modifier/", views.post_edit, name="post_edit"),
    path(base + "actualites/<int:pk>/supprimer/", views.post_delete, name="post_delete"),
    path(base + "discussions/<str:space>/", views.thread_list, name="thread_list"),
    path(base + "discussions/<str:space>/<int:pk>/", views.thread_detail, name="thread_detail"),
    path(base + "discussions/<str:space>/<int:pk>/supprimer/", views.thread_delete, name="thread_delete"),
    path(
        base + "discussions/<str:space>/<int:pk>/reponses/<int:reply_id>/supprimer/",
        views.reply_delete,
        name="reply_delete",
    ),
    path(base + "documents/", views.document_list, name="document_list"),
    path(base + "documents/ajouter/", views.document_upload, name="document_upload"),
    path(base + "documents/<int:pk>/", views.document_download, name="document_download"),
    path(base + "documents/<int:pk>/supprimer/", views.document_delete, name="document_delete"),
    path(base + "annonces/", views.notice_list, name="notice_list"),
    path(base + "annonces/nouvelle/", views.notice_create, name="notice_create"),
    path(base + "annonces/<int:pk>/", views.notice_detail, name="notice_detail"),
    path(base + "annonces/<int:pk>/cloturer/", views.notice_close, name="notice_close"),
]
