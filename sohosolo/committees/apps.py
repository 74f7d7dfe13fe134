from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "sohosolo.committees"
    verbose_name = _("Welcome committees")

    def ready(self) -> None:
        from sohosolo.committees import personal_data, receivers
        from sohosolo.privacy.personal_data import collect_household_data, erase_household_data
        from sohosolo.prospects.signals import household_settled, households_merging

        household_settled.connect(receivers.on_household_settled, dispatch_uid="committees.welcome_checklist")
        households_merging.connect(receivers.on_households_merging, dispatch_uid="committees.merge")
        collect_household_data.connect(personal_data.collect, dispatch_uid="committees.collect")
        erase_household_data.connect(personal_data.erase, dispatch_uid="committees.erase")
