from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """Documents on a household's file."""

    name = "sohosolo.documents"
    verbose_name = _("Documents on a household's file")
