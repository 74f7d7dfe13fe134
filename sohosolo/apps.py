from django.apps import AppConfig


class SohoSoloConfig(AppConfig):
    name = "sohosolo"
    verbose_name = "Soho Solo"

    def ready(self) -> None:
        from sohosolo import checks  # noqa: F401  (registers the deploy checks)
