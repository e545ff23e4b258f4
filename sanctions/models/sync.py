"""Platform-to-platform sync: the partner platforms whose change feeds this platform follows, and
what their events left behind when they could not be applied (``sanctions.sync``)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanctions.choices import RecordKind


class PartnerPlatform(models.Model):
    """Another credit platform (another instance of this registry) whose change feed we import."""

    code = models.SlugField(
        _("platform code"),
        max_length=32,
        unique=True,
        help_text=_("The partner's PLATFORM_CODE, as its change feed names it in source_platform."),
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("E.g. 浙江省信用平台."))
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    feed_url = models.URLField(
        _("change feed URL"), max_length=500, help_text=_("E.g. https://credit.example.cn/api/v1/changes/")
    )
    key_sealed = models.TextField(
        _("developer key (encrypted)"),
        blank=True,
        editable=False,
        help_text=_("The partner's developer key for its feed, encrypted with this platform's secret."),
    )
    relays = models.CharField(
        _("platforms it relays"),
        max_length=300,
        blank=True,
        help_text=_(
            "Codes of other platforms whose records this partner passes on (separated by spaces). An "
            "event claiming any other source is refused as forged."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    last_cursor = models.CharField(_("cursor"), max_length=200, blank=True, editable=False)
    page_offset = models.PositiveIntegerField(_("events done in the current page"), default=0, editable=False)
    events_imported = models.PositiveBigIntegerField(_("events imported"), default=0, editable=False)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)
    last_status = models.CharField(_("last run status"), max_length=16, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("partner platform")
        verbose_name_plural = _("partner platforms")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def relayed(self) -> set[str]:
        return set(self.relays.split())


class SyncConflict(models.Model):
    """A partner's event that would have overwritten data of this platform: kept for a person to
    decide, never applied silently."""

    partner = models.ForeignKey(
        PartnerPlatform, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("partner")
    )
    kind = models.CharField(_("event kind"), max_length=32)
    subject = models.CharField(_("subject"), max_length=64)
    enterprise_uscc = models.CharField(_("enterprise"), max_length=18)
    document_number = models.CharField(_("decision document number"), max_length=100, blank=True)
    local_record = models.ForeignKey(
        "sanctions.CreditRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("local record"),
    )
    message = models.TextField(_("what conflicts"))
    payload = models.JSONField(_("event"), default=dict)
    resolved = models.BooleanField(_("resolved"), default=False)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sync conflict")
        verbose_name_plural = _("sync conflicts")

    def __str__(self) -> str:
        return f"{self.partner.code} {self.kind} {self.subject}"


class SyncRejection(models.Model):
    """A partner's event refused as malformed or hostile; the sync went on with the next one."""

    partner = models.ForeignKey(
        PartnerPlatform, on_delete=models.CASCADE, related_name="rejections", verbose_name=_("partner")
    )
    kind = models.CharField(_("event kind"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=32)
    message = models.TextField(_("message"))
    raw = models.TextField(_("event as received (truncated)"))
    created_at = models.DateTimeField(_("rejected"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rejected sync event")
        verbose_name_plural = _("rejected sync events")

    def __str__(self) -> str:
        return f"{self.partner.code} {self.reason} {self.subject}"


class PartnerRecognition(models.Model):
    """Whether a partner platform's records of one kind, or its listings on one list, count here for
    ratings and for the standing (an administrator's decision on recognising another region's data).
    Without a rule a partner's public data counts like this platform's own."""

    partner = models.ForeignKey(
        PartnerPlatform, on_delete=models.CASCADE, related_name="recognitions", verbose_name=_("partner")
    )
    record_kind = models.CharField(
        _("record kind"),
        max_length=16,
        choices=RecordKind.choices,
        blank=True,
    )
    list_kind = models.ForeignKey(
        "sanctions.ListKind",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("list"),
    )
    counts_for_rating = models.BooleanField(_("counts for ratings"), default=True)
    counts_for_standing = models.BooleanField(_("counts for the standing"), default=True)

    class Meta:
        verbose_name = _("recognition rule")
        verbose_name_plural = _("recognition rules")
        constraints = [
            models.CheckConstraint(
                condition=(Q(record_kind="") & Q(list_kind__isnull=False))
                | (~Q(record_kind="") & Q(list_kind__isnull=True)),
                name="recognition_one_kind",
            ),
            models.UniqueConstraint(
                fields=["partner", "record_kind"],
                condition=~Q(record_kind=""),
                name="recognition_unique_record_kind",
            ),
            models.UniqueConstraint(
                fields=["partner", "list_kind"],
                condition=Q(list_kind__isnull=False),
                name="recognition_unique_list_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner.code} · {self.record_kind or self.list_kind_id}"
