from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    """Emails written to a household from its file."""

    name = "sohosolo.correspondence"
    verbose_name = _("Emails written to a household from its file")

    def ready(self) -> None:
        from sohosolo.correspondence import personal_data
        from sohosolo.privacy.personal_data import collect_household_data, erase_household_data

        collect_household_data.connect(personal_data.collect, dispatch_uid="correspondence.collect")
        erase_household_data.connect(personal_data.erase, dispatch_uid="correspondence.erase")
