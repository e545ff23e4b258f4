"""Delivery: one attempt of one delivery, its outcome recorded, and the wait before the next."""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import WebhookDelivery, WebhookSubscription
from .. import addresses, sealing, sending, signatures
from ..choices import DeliveryStatus
from .dispatch import webhooks_live
from .subscriptions import webhook_pause

# The package's name, the logger's name before the package was split.
logger = logging.getLogger(__package__)


def retry_delay(attempt: int) -> float:
    """Seconds before the attempt after ``attempt`` failed ones: doubling from
    ``WEBHOOKS_RETRY_BASE_SECONDS``, at most ``WEBHOOKS_RETRY_MAX_SECONDS``, less up to a quarter at
    random, so that receivers that failed together are not all tried again in the same second."""
    full = min(settings.WEBHOOKS_RETRY_BASE_SECONDS * 2 ** (attempt - 1), settings.WEBHOOKS_RETRY_MAX_SECONDS)
    return full * (1 - random.random() / 4)


def _claim(delivery_id, attempt: int) -> bool:
    """Take the delivery for its ``attempt``-th attempt; False if another copy of the task took it,
    it is finished, or this copy is stale (an earlier attempt's)."""
    now = timezone.now()
    hold = dt.timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS + 60)
    return bool(
        WebhookDelivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            pk=delivery_id,
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
            attempts=attempt - 1,
            subscription__in=webhooks_live(),
        ).update(claimed_until=now + hold, attempts=attempt, last_attempt_at=now)
    )


def webhook_deliver(*, delivery_id, attempt: int) -> float | None:
    """Make the ``attempt``-th attempt of a delivery: check the URL's addresses again, POST the
    signed body to the checked address, record the outcome. Returns the seconds to wait before the
    next attempt, or None when there is none (delivered, dead letter, or nothing to do).

    No transaction is held while the receiver is waited for.
    """
    if not _claim(delivery_id, attempt):
        return None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    webhook = delivery.subscription
    body = delivery.body.encode()
    try:
        target = addresses.resolve_target(webhook.url)
        secret = sealing.unseal(webhook.secret_sealed)
    except ValidationError as exc:
        outcome = sending.Outcome(
            status=None, error=" ".join(exc.messages)[: sending.MAX_ERROR], duration_ms=0
        )
    except sealing.SecretUnreadable as exc:
        logger.error("webhooks: the secret of webhook #%s cannot be read: %s", webhook.pk, exc)
        outcome = sending.Outcome(status=None, error="the signing secret cannot be read", duration_ms=0)
    else:
        outcome = sending.post(
            target,
            body=body,
            headers={
                signatures.SIGNATURE_HEADER: signatures.signature_header(secret=secret, body=body),
                signatures.DELIVERY_HEADER: str(delivery.pk),
                signatures.EVENT_HEADER: delivery.event_kind,
                signatures.EVENT_ID_HEADER: str(delivery.event_id),
            },
            connect_timeout=settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS,
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
        )
    return _record(delivery, attempt=attempt, outcome=outcome)


@transaction.atomic
def _record(delivery: WebhookDelivery, *, attempt: int, outcome: sending.Outcome) -> float | None:
    now = timezone.now()
    fields = {
        "claimed_until": None,
        "response_status": outcome.status,
        "duration_ms": outcome.duration_ms,
        "last_error": outcome.error,
    }
    delay = None
    if outcome.ok:
        fields.update(status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None, last_error="")
    elif attempt >= settings.WEBHOOKS_MAX_ATTEMPTS:
        fields.update(status=DeliveryStatus.DEAD, next_attempt_at=None)
    else:
        delay = retry_delay(attempt)
        fields.update(status=DeliveryStatus.RETRYING, next_attempt_at=now + dt.timedelta(seconds=delay))
    WebhookDelivery.objects.filter(pk=delivery.pk, attempts=attempt).update(**fields)
    webhooks = WebhookSubscription.objects.filter(pk=delivery.subscription_id)
    if outcome.ok:
        webhooks.filter(consecutive_dead__gt=0).update(consecutive_dead=0)
    elif fields["status"] == DeliveryStatus.DEAD:
        webhooks.update(consecutive_dead=F("consecutive_dead") + 1)
        limit = settings.WEBHOOKS_PAUSE_AFTER_DEAD_LETTERS
        webhook = webhooks.first()
        if limit and webhook is not None and webhook.consecutive_dead >= limit:
            webhook_pause(
                actor=None,
                webhook=webhook,
                reason=_(
                    "Paused by the registry after %(count)d deliveries in a row became dead letters. "
                    "Fix the receiver, then resume."
                )
                % {"count": webhook.consecutive_dead},
            )
    return delay
