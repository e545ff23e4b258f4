from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from . import lockout, two_factor  # noqa: F401 - their sign-in signal receivers
        from .api import (
            schema,  # noqa: F401 - registers the OpenAPI authentication extension
            strict_fields,
        )

        strict_fields.install()  # the API takes each value in its schema's type
