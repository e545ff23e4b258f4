from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SanctionsConfig(AppConfig):
    name = "sanctions"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Credit records")

    def ready(self) -> None:
        # Publish-by dates are counted again when a year's holiday notice is loaded.
        from sanctions.records import publicity  # noqa: F401
