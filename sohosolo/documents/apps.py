from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """Documents on a household's file."""

    name = "sohosolo.documents"
    verbose_name = _("Documents on a household's file")

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from sohosolo.documents import receivers
        from sohosolo.documents.models import Document
        from sohosolo.privacy.personal_data import collect_household_data, erase_household_data
        from sohosolo.prospects.signals import households_merging

        post_delete.connect(receivers.remove_file, sender=Document, dispatch_uid="documents.remove_file")
        collect_household_data.connect(receivers.collect, dispatch_uid="documents.collect")
        erase_household_data.connect(receivers.erase, dispatch_uid="documents.erase")
        households_merging.connect(receivers.on_households_merging, dispatch_uid="documents.merge")
