from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """News campaigns (newsletters)."""

    name = "sohosolo.campaigns"
    verbose_name = _("News campaigns (newsletters)")

    def ready(self) -> None:
        from sohosolo.campaigns import receivers
        from sohosolo.privacy.personal_data import collect_household_data, erase_household_data

        collect_household_data.connect(receivers.collect_campaigns, dispatch_uid="campaigns.collect")
        erase_household_data.connect(receivers.erase_campaigns, dispatch_uid="campaigns.erase")
