from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeveloperKey(models.Model):
    """A key for a registered developer of the public API: a higher quota than anonymous use."""

    name = models.CharField(_("application"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"))
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    requests_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("developer API key")
        verbose_name_plural = _("developer API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
