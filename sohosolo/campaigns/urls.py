from django.urls import path

from sohosolo.campaigns import views

app_name = "campaigns"

campaign = "territoires/<slug:code>/lettres/<int:pk>/"

urlpatterns = [
    path("territoires/<slug:code>/lettres/", views.campaign_list, name="list"),
    path("territoires/<slug:code>/lettres/nouvelle/", views.campaign_create, name="create"),
    path(campaign, views.campaign_detail, name="detail"),
    path(campaign + "modifier/", views.campaign_edit, name="edit"),
    path(campaign + "test/", views.campaign_test, name="test"),
    path(campaign + "envoyer/", views.campaign_send, name="send"),
    # The readers' link, in each email and its List-Unsubscribe header.
    path("desabonnement/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
