from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "sohosolo.privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from sohosolo.privacy import personal_data

        personal_data.connect()
