from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from sohosolo.accounts import security_views, views

app_name = "accounts"

urlpatterns = [
    path("compte/connexion/", views.LoginView.as_view(), name="login"),
    path("compte/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("compte/profil/", views.profile, name="profile"),
    path("compte/mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("compte/mot-de-passe/oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "compte/mot-de-passe/oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="accounts/password_reset_done.html",
            extra_context={"reset_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)},
        ),
        name="password_reset_done",
    ),
    path(
        "compte/mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("compte/activer/<str:token>/", views.activate, name="activate"),
    path("compte/verification/", security_views.two_factor_verify, name="two_factor_verify"),
    path("compte/double-authentification/", security_views.two_factor_setup, name="two_factor_setup"),
    path("compte/double-authentification/codes/", security_views.recovery_codes, name="recovery_codes"),
    path("compte/double-authentification/desactiver/", security_views.two_factor_disable, name="two_factor_disable"),
    path("compte/confirmer/", security_views.reauthenticate, name="reauthenticate"),
    path("territoires/<slug:code>/equipe/", views.team, name="team"),
    path("territoires/<slug:code>/equipe/inviter/", views.invite_view, name="invite"),
]
