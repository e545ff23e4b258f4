"""Webhooks: partners' and agencies' subscriptions to the change feed, and each delivery to them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lookup.webhooks.choices import DeliveryStatus, WebhookStatus
from registry.choices import ChangeKind
from registry.models import Agency

from .developers import DeveloperKey

__all__ = ["WebhookDelivery", "WebhookDispatchCursor", "WebhookSubscription"]


class WebhookSubscription(models.Model):
    """A standing order to POST every matching public change to a URL, signed with the subscriber's secret.

    Owned by a developer key (a partner, through the API) or by an agency (its staff, at the desk).
    Each filter is a list; an empty list lets everything through, a list lets through what is in it,
    and the filters apply together.
    """

    developer_key = models.ForeignKey(
        DeveloperKey,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("developer key"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("agency"),
    )
    url = models.CharField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    kinds = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("event kinds")
    )
    agency_codes = ArrayField(
        models.CharField(max_length=18), default=list, blank=True, verbose_name=_("agencies")
    )
    division_prefixes = ArrayField(
        models.CharField(max_length=6), default=list, blank=True, verbose_name=_("divisions")
    )
    usccs = ArrayField(
        models.CharField(max_length=18), default=list, blank=True, verbose_name=_("enterprises")
    )
    # AES-256-GCM under WEBHOOK_SECRET_KEYS (lookup/webhooks/sealing.py): the secret must be read back
    # to sign, so it cannot be hashed like a token; a database dump alone does not reveal it.
    secret_sealed = models.TextField(_("signing secret (encrypted)"))
    secret_hint = models.CharField(_("signing secret (start)"), max_length=16)
    status = models.CharField(
        _("status"), max_length=8, choices=WebhookStatus.choices, default=WebhookStatus.ACTIVE
    )
    paused_reason = models.CharField(_("why paused"), max_length=300, blank=True)
    consecutive_dead = models.PositiveIntegerField(_("dead letters in a row"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        constraints = [
            models.CheckConstraint(
                condition=Q(developer_key__isnull=False, agency__isnull=True)
                | Q(developer_key__isnull=True, agency__isnull=False),
                name="webhook_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"webhook #{self.pk} → {self.url}"

    @property
    def kind_labels(self) -> list[str]:
        """The event kinds it receives, as people read them (empty: every kind)."""
        return [str(ChangeKind(kind).label) if kind in ChangeKind.values else kind for kind in self.kinds]


class WebhookDelivery(models.Model):
    """One event sent, or to be sent, to one subscription: its attempts and their outcome.

    Its id is the ``X-Registry-Delivery`` header. A redelivery by hand is a new delivery of the same
    event (``redelivery_of``), so the log keeps every round.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    # The change feed's event id; not a foreign key, since events leave the feed after its retention.
    event_id = models.BigIntegerField(_("event"))
    event_kind = models.CharField(_("event kind"), max_length=40)
    body = models.TextField(_("body"))
    redelivery_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="redeliveries",
        verbose_name=_("redelivery of"),
    )
    # Kept when the first delivery leaves the log (``redelivery_of`` then becomes empty).
    is_redelivery = models.BooleanField(_("redelivered by hand"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A worker sending it holds it until then: a second copy of the task does not send it twice.
    claimed_until = models.DateTimeField(_("being sent until"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            # The dispatcher may run a batch twice (a retried task): one delivery per event and webhook.
            models.UniqueConstraint(
                fields=["subscription", "event_id"],
                condition=Q(is_redelivery=False),
                name="webhook_delivery_once",
            )
        ]
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "retrying"]),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_kind} #{self.event_id} → webhook #{self.subscription_id}"


class WebhookDispatchCursor(models.Model):
    """How far the dispatcher has read the change feed (one row): its next read starts after it."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    cursor = models.CharField(_("cursor"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("webhook dispatch cursor")

    def __str__(self) -> str:
        return f"{self.name}: {self.cursor or '(start)'}"
