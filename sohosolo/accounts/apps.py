from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sohosolo.accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from sohosolo.accounts.security import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="sohosolo.accounts.on_sign_in")
