"""Subscriptions: subscribe, change, delete, pause, resume, and redeliver by hand.

Every change of a subscription is one function here, used by the API, the desk and the admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.models import Agency

from ...models import DeveloperKey, WebhookDelivery, WebhookDispatchCursor, WebhookSubscription
from .. import addresses, events, sealing
from ..choices import DeliveryStatus, WebhookStatus
from .access import Owner, _audit_actor, ensure_can_manage_webhooks, owner_of
from .dispatch import CURSOR_NAME, _queue_on_commit
from .filters import clean_filters

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_WEBHOOKS_PER_OWNER = 20


def _check_url(url: str) -> str:
    url = (url or "").strip()
    addresses.resolve_target(url)
    return url


def _description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > 200:
        raise ValidationError({"description": [_("A description has at most 200 characters.")]})
    return description


def _snapshot(webhook: WebhookSubscription) -> dict:
    return {
        "url": webhook.url,
        "description": webhook.description,
        "kinds": webhook.kinds,
        "agency_codes": webhook.agency_codes,
        "division_prefixes": webhook.division_prefixes,
        "usccs": webhook.usccs,
        "status": webhook.status,
    }


@transaction.atomic
def webhook_create(
    *,
    actor: User | DeveloperKey,
    owner: Owner,
    url: str,
    kinds: Sequence[str] | None = None,
    agency_codes: Sequence[str] | None = None,
    division_prefixes: Sequence[str] | None = None,
    usccs: Sequence[str] | None = None,
    description: str = "",
) -> tuple[WebhookSubscription, str]:
    """Subscribe ``url`` to the public changes the filters let through; returns (webhook, secret).
    The secret signs every delivery and is never shown again."""
    ensure_can_manage_webhooks(actor, owner)
    errors: dict[str, list[str]] = {}
    try:
        url = _check_url(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        description = _description(description)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        filters = clean_filters(
            kinds=kinds, agency_codes=agency_codes, division_prefixes=division_prefixes, usccs=usccs
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    owned = WebhookSubscription.objects.filter(
        **({"developer_key": owner} if isinstance(owner, DeveloperKey) else {"agency": owner})
    )
    if owned.count() >= MAX_WEBHOOKS_PER_OWNER:
        errors.setdefault("__all__", []).append(
            _("At most %(max)d webhooks each: delete one you no longer use.")
            % {"max": MAX_WEBHOOKS_PER_OWNER}
        )
    if errors:
        raise ValidationError(errors)
    # The first webhook starts the dispatcher at the feed's end: it receives what happens from now on.
    WebhookDispatchCursor.objects.get_or_create(name=CURSOR_NAME, defaults={"cursor": events.feed_end()})
    secret = sealing.secret_new()
    webhook = WebhookSubscription.objects.create(
        developer_key=owner if isinstance(owner, DeveloperKey) else None,
        agency=owner if isinstance(owner, Agency) else None,
        url=url,
        description=description,
        secret_sealed=sealing.seal(secret),
        secret_hint=secret[: len(sealing.SECRET_PREFIX) + 4],
        created_by=None if isinstance(actor, DeveloperKey) else actor,
        **filters,
    )
    audit_write(actor=_audit_actor(actor), action="webhook.create", target=webhook, after=_snapshot(webhook))
    return webhook, secret


@transaction.atomic
def webhook_update(
    *,
    actor: User | DeveloperKey,
    webhook: WebhookSubscription,
    url: str | None = None,
    kinds: Sequence[str] | None = None,
    agency_codes: Sequence[str] | None = None,
    division_prefixes: Sequence[str] | None = None,
    usccs: Sequence[str] | None = None,
    description: str | None = None,
) -> WebhookSubscription:
    """Change a webhook's URL, filters or description (what is None stays as it is)."""
    webhook = WebhookSubscription.objects.select_for_update().get(pk=webhook.pk)
    ensure_can_manage_webhooks(actor, owner_of(webhook))
    before = _snapshot(webhook)
    errors: dict[str, list[str]] = {}
    if url is not None:
        try:
            webhook.url = _check_url(url)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if description is not None:
        try:
            webhook.description = _description(description)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        filters = clean_filters(
            kinds=webhook.kinds if kinds is None else kinds,
            agency_codes=webhook.agency_codes if agency_codes is None else agency_codes,
            division_prefixes=webhook.division_prefixes if division_prefixes is None else division_prefixes,
            usccs=webhook.usccs if usccs is None else usccs,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    for field, value in filters.items():
        setattr(webhook, field, value)
    webhook.save()
    audit_write(
        actor=_audit_actor(actor),
        action="webhook.update",
        target=webhook,
        before=before,
        after=_snapshot(webhook),
    )
    return webhook


@transaction.atomic
def webhook_delete(*, actor: User | DeveloperKey, webhook: WebhookSubscription) -> None:
    """Unsubscribe: no more deliveries; the webhook's delivery log goes with it."""
    webhook = WebhookSubscription.objects.select_for_update().get(pk=webhook.pk)
    ensure_can_manage_webhooks(actor, owner_of(webhook))
    audit_write(actor=_audit_actor(actor), action="webhook.delete", target=webhook, before=_snapshot(webhook))
    webhook.delete()


@transaction.atomic
def webhook_pause(
    *, actor: User | DeveloperKey | None, webhook: WebhookSubscription, reason: str = ""
) -> WebhookSubscription:
    """Stop deliveries: events while paused are not delivered (the change feed still has them).
    ``actor`` None: the registry paused it after too many dead letters in a row."""
    webhook = WebhookSubscription.objects.select_for_update().get(pk=webhook.pk)
    if actor is not None:
        ensure_can_manage_webhooks(actor, owner_of(webhook))
    if webhook.status == WebhookStatus.PAUSED:
        return webhook
    webhook.status = WebhookStatus.PAUSED
    webhook.paused_reason = (reason or _("Paused by its subscriber."))[:300]
    webhook.save(update_fields=["status", "paused_reason", "updated_at"])
    audit_write(
        actor=_audit_actor(actor),
        action="webhook.pause",
        target=webhook,
        before={"status": WebhookStatus.ACTIVE},
        after={"status": WebhookStatus.PAUSED, "reason": webhook.paused_reason},
    )
    return webhook


@transaction.atomic
def webhook_resume(*, actor: User | DeveloperKey, webhook: WebhookSubscription) -> WebhookSubscription:
    """Deliver again from now on; deliveries left waiting when it was paused are sent."""
    webhook = WebhookSubscription.objects.select_for_update().get(pk=webhook.pk)
    ensure_can_manage_webhooks(actor, owner_of(webhook))
    if webhook.status == WebhookStatus.ACTIVE:
        return webhook
    webhook.status = WebhookStatus.ACTIVE
    webhook.paused_reason = ""
    webhook.consecutive_dead = 0
    webhook.save(update_fields=["status", "paused_reason", "consecutive_dead", "updated_at"])
    audit_write(
        actor=_audit_actor(actor),
        action="webhook.resume",
        target=webhook,
        before={"status": WebhookStatus.PAUSED},
        after={"status": WebhookStatus.ACTIVE},
    )
    waiting = webhook.deliveries.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
    for delivery_id, attempts in waiting.values_list("id", "attempts"):
        _queue_on_commit(delivery_id, attempts + 1)
    return webhook


@transaction.atomic
def webhook_redeliver(*, actor: User | DeveloperKey, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again, by hand: a new delivery (its own id and attempts) of the same
    body, queued at once. The one way to redeliver, from the API and the desk alike."""
    webhook = WebhookSubscription.objects.select_for_update().get(pk=delivery.subscription_id)
    ensure_can_manage_webhooks(actor, owner_of(webhook))
    if webhook.status != WebhookStatus.ACTIVE:
        raise ValidationError(_("This webhook is paused: resume it first."))
    original = delivery.redelivery_of or delivery
    again = WebhookDelivery.objects.create(
        subscription=webhook,
        event_id=delivery.event_id,
        event_kind=delivery.event_kind,
        body=delivery.body,
        redelivery_of=original,
        is_redelivery=True,
        next_attempt_at=timezone.now(),
    )
    audit_write(
        actor=_audit_actor(actor),
        action="webhook.redeliver",
        target=again,
        after={"webhook": webhook.pk, "event_id": delivery.event_id, "redelivery_of": str(original.pk)},
    )
    _queue_on_commit(again.pk, 1)
    return again
