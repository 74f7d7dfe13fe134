from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "sohosolo.network"
    verbose_name = _("Network")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from sohosolo.network import receivers
        from sohosolo.privacy.personal_data import collect_household_data, erase_household_data, personal_space_items
        from sohosolo.prospects.signals import household_settled

        household_settled.connect(receivers.invite_to_club, dispatch_uid="network.invite_to_club")
        collect_household_data.connect(receivers.collect_introductions, dispatch_uid="network.collect")
        erase_household_data.connect(receivers.erase_introductions, dispatch_uid="network.erase")
        personal_space_items.connect(receivers.space_items, dispatch_uid="network.space_items")
        user_logged_in.connect(receivers.start_membership, dispatch_uid="network.start_membership")
