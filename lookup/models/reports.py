from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Enterprise


class CreditReport(models.Model):
    """An issued "public credit information summary" (PDF): its number, time and checksum, to verify it."""

    number = models.CharField(_("report number"), max_length=32, unique=True)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="credit_reports",
                                   verbose_name=_("enterprise"))
    issued_at = models.DateTimeField(_("issued"))
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    key_id = models.CharField(_("signing key"), max_length=32)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("requested by"))

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("credit report")
        verbose_name_plural = _("credit reports")

    def __str__(self) -> str:
        return self.number
