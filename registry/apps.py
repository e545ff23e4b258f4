from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from . import lockout  # noqa: F401 - tells an account's holder when it locks
        from .api import schema  # noqa: F401 - registers the OpenAPI authentication extension
