from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Enterprise


class CreditReport(models.Model):
    """An issued "public credit information summary" (PDF): its number, time and checksum, to verify it."""

    number = models.CharField(_("report number"), max_length=32, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="credit_reports", verbose_name=_("enterprise")
    )
    issued_at = models.DateTimeField(_("issued"))
    # The signed checksum covers the report's content (canonical JSON, stored below), since the QR
    # code that carries the signature is itself inside the PDF; the PDF's own checksum is kept too,
    # so that a person can check that a file is the one issued.
    sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    content = models.JSONField(_("content"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    key_id = models.CharField(_("signing key"), max_length=32)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("credit report")
        verbose_name_plural = _("credit reports")

    def __str__(self) -> str:
        return self.number
