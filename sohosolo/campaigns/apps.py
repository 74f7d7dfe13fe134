from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """News campaigns (newsletters)."""

    name = "sohosolo.campaigns"
    verbose_name = _("News campaigns (newsletters)")
