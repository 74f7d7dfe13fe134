from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    """Appointments with a household."""

    name = "sohosolo.appointments"
    verbose_name = _("Appointments with a household")
