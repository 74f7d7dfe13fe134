from django.apps import AppConfig


class SohoSoloConfig(AppConfig):
    name = "sohosolo"
    verbose_name = "Soho Solo"

    def ready(self) -> None:
        from sohosolo import checks  # noqa: F401  (registers the deploy checks)
        from sohosolo.lib.forms import bound_every_date_field

        bound_every_date_field()
