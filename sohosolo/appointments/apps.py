from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    """Appointments with a household."""

    name = "sohosolo.appointments"
    verbose_name = _("Appointments with a household")

    def ready(self) -> None:
        from sohosolo.appointments import personal_data
        from sohosolo.privacy.personal_data import collect_household_data, erase_household_data, personal_space_items

        collect_household_data.connect(personal_data.collect, dispatch_uid="appointments.collect")
        erase_household_data.connect(personal_data.erase, dispatch_uid="appointments.erase")
        personal_space_items.connect(personal_data.space_items, dispatch_uid="appointments.space_items")
