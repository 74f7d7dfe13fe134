from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    """Emails written to a household from its file."""

    name = "sohosolo.correspondence"
    verbose_name = _("Emails written to a household from its file")
