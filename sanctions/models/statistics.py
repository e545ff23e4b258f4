"""The public statistics' snapshot: figures aggregated from the public data by the hourly refresh."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatisticsSnapshot(models.Model):
    """The public statistics as of one refresh (``sanctions.statistics.statistics_refresh``).

    One row is current: each refresh replaces it in one transaction. The page, the API and the bulk
    files read these figures and never count the records themselves.
    """

    computed_at = models.DateTimeField(_("computed"))
    as_of = models.DateField(_("figures as of"))
    duration_ms = models.PositiveIntegerField(_("time to compute (ms)"))
    digest = models.CharField(_("SHA-256 of the figures"), max_length=64)
    data = models.JSONField(_("figures"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("statistics snapshot")
        verbose_name_plural = _("statistics snapshots")

    def __str__(self) -> str:
        return f"{self.as_of} #{self.pk}"

    @property
    def version(self) -> str:
        """Names this snapshot in cache keys: a new refresh, a new version."""
        return f"{self.pk}-{self.digest[:12]}"
