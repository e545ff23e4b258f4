"""Abstract models: sets of fields that more than one model holds, defined once (no table of their
own; each model that inherits one has the fields as columns of its own table)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerCopy(models.Model):
    """Provenance: set on a copy imported from a partner platform's change feed (``sanctions.sync``);
    empty on this platform's own. A copy belongs to the platform of its deciding agency and cannot
    be edited, corrected, revoked or repaired here. Held by credit records and listings."""

    source_platform = models.CharField(_("source platform"), max_length=32, blank=True, default="")
    source_platform_name = models.CharField(_("source platform name"), max_length=200, blank=True, default="")
    source_platform_name_en = models.CharField(
        _("source platform's English name"), max_length=200, blank=True, default=""
    )
    original_id = models.CharField(_("id at the source"), max_length=64, blank=True, default="")
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    received_from = models.ForeignKey(
        "sanctions.PartnerPlatform",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received from"),
        # Indexed only where set (each model's Meta: ``*_received_from``): this platform's own rows,
        # nearly all of them, have none, and a plain index would hold an entry for each of them.
        db_index=False,
    )

    class Meta:
        abstract = True


class Reviewed(models.Model):
    """Published by a reviewer of the agency other than its author (four eyes), or sent back with the
    reviewer's comment. Held by listings and inspections' results."""

    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)

    class Meta:
        abstract = True
