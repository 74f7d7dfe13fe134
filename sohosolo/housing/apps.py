from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    name = "sohosolo.housing"
    verbose_name = _("Housing")

    def ready(self) -> None:
        from sohosolo.housing import personal_data
        from sohosolo.privacy.personal_data import collect_household_data, erase_household_data, personal_space_items

        collect_household_data.connect(personal_data.collect, dispatch_uid="housing.collect")
        erase_household_data.connect(personal_data.erase, dispatch_uid="housing.erase")
        personal_space_items.connect(personal_data.space_items, dispatch_uid="housing.space_items")
