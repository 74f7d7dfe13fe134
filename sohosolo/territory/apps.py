from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "sohosolo.territory"
    verbose_name = _("Territories and villages")
