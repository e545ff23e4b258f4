"""The change feed's outbox and its pruning (``registry.changes``)."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Func
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from ..choices import ChangeKind


class CurrentTransactionId(Func):
    """The writing transaction's id, ``pg_current_xact_id()`` (64 bits, never wraps) as a bigint."""

    template = "(pg_current_xact_id()::text::bigint)"
    output_field = models.BigIntegerField()


class ChangeEvent(models.Model):
    """One change of public data, written in the transaction that made it (an outbox): the change
    feed, the webhooks and partner platforms read these (``registry.changes``)."""

    id = models.BigAutoField(primary_key=True)
    txid = models.BigIntegerField(_("transaction"), db_default=CurrentTransactionId(), editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=ChangeKind.choices)
    enterprise_uscc = models.CharField(_("enterprise"), max_length=18)
    subject = models.CharField(
        _("subject"), max_length=64, help_text=_("The public identifier of what changed.")
    )
    agency_code = models.CharField(_("agency"), max_length=18, null=True, blank=True)  # noqa: DJ001 - none: not an agency's act
    source_platform = models.CharField(_("source platform"), max_length=32)
    occurred_at = models.DateTimeField(_("occurred"), db_default=Now())
    recorded_at = models.DateTimeField(_("recorded"), db_default=Now(), editable=False)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        indexes = [
            models.Index(fields=["txid", "id"], name="change_event_order"),
            # "Has this thing's event been written?" (a listing that enters on its start date).
            models.Index(fields=["subject", "kind"], name="change_event_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"


class ChangeFeedPrune(models.Model):
    """How far the change feed has been pruned: every event up to (txid, id) is gone. A reader
    whose cursor lies before it may have missed events (``registry.changes.changes_after``)."""

    through_txid = models.BigIntegerField()
    through_id = models.BigIntegerField()
    deleted = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("change feed pruning")
        verbose_name_plural = _("change feed prunings")

    def __str__(self) -> str:
        return f"{self.through_txid}.{self.through_id}"
