from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LookupConfig(AppConfig):
    name = "lookup"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the signing keys' deployment check
        from .profiles import connect_signals

        connect_signals()
