"""Dispatch: new change-feed events become deliveries, queued once committed; deliveries whose task
never ran are queued again; finished deliveries leave the log after its retention."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from registry.models import Enterprise

from ...models import WebhookDelivery, WebhookDispatchCursor, WebhookSubscription
from .. import events
from ..choices import DeliveryStatus, WebhookStatus

# The package's name, the logger's name before the package was split.
logger = logging.getLogger(__package__)

DISPATCH_BATCH = 500
# A delivery due this long ago whose task never ran (its message lost) is queued again by the dispatcher.
LOST_AFTER = dt.timedelta(minutes=10)
CURSOR_NAME = "default"
# pg_advisory_xact_lock key of the dispatcher ("webhook" in ASCII): one dispatcher at a time.
DISPATCH_LOCK = 0x776562686F6F6B


def webhooks_live():
    """Webhooks that receive deliveries: active, and not of a revoked developer key."""
    return WebhookSubscription.objects.filter(
        Q(developer_key__isnull=True) | Q(developer_key__revoked_at__isnull=True),
        status=WebhookStatus.ACTIVE,
    )


def matches(webhook: WebhookSubscription, event, division: str) -> bool:
    """Whether ``event`` passes every filter of ``webhook`` (an empty filter passes everything)."""
    if webhook.kinds and event.kind not in webhook.kinds:
        return False
    if webhook.agency_codes and event.agency_code not in webhook.agency_codes:
        return False
    if webhook.usccs and event.enterprise_uscc not in webhook.usccs:
        return False
    return not webhook.division_prefixes or any(division.startswith(p) for p in webhook.division_prefixes)


def _queue_on_commit(delivery_id, attempt: int) -> None:
    from ..tasks import queue_delivery

    transaction.on_commit(lambda: queue_delivery(delivery_id, attempt))


def _queue_many_on_commit(attempts: list) -> None:
    from ..tasks import queue_deliveries

    transaction.on_commit(lambda: queue_deliveries(attempts))


def _divisions(usccs: Iterable[str]) -> dict[str, str]:
    return dict(Enterprise.objects.filter(uscc__in=set(usccs)).values_list("uscc", "division_code"))


def webhooks_dispatch(*, batch: int = DISPATCH_BATCH, max_batches: int = 20) -> int:
    """Read the change feed after the dispatcher's cursor and create a delivery for each active
    webhook each new event matches; the deliveries are queued once committed. Returns how many.

    The feed gives events in commit-safe order (``registry.changes.changes_after``), so none is
    skipped; the deliveries and the cursor move commit together, so none is made twice. One
    dispatcher at a time: another finding its lock taken returns at once. A new registry's
    dispatcher starts at the end of the feed: a webhook receives what happens after it is created.
    """
    WebhookDispatchCursor.objects.get_or_create(name=CURSOR_NAME, defaults={"cursor": events.feed_end()})
    total = 0
    for _round in range(max_batches):
        with transaction.atomic():
            # An advisory lock, not a row lock: it gives this transaction no id until it writes, so
            # it does not hold back the change feed's horizon (registry.changes) while it reads.
            with connection.cursor() as db:
                db.execute("SELECT pg_try_advisory_xact_lock(%s)", [DISPATCH_LOCK])
                if not db.fetchone()[0]:
                    return total  # another dispatcher is at work
            row = WebhookDispatchCursor.objects.get(name=CURSOR_NAME)
            try:
                page = events.changes_after(row.cursor or None, batch)
            except events.CursorExpired:
                logger.error(
                    "webhooks: events after the dispatcher's cursor %s were pruned before they were "
                    "dispatched; continuing from the oldest event kept",
                    row.cursor,
                )
                page = events.changes_after(None, batch)
            if not page.events:
                break
            webhooks = list(webhooks_live())
            divisions = _divisions(e.enterprise_uscc for e in page.events) if webhooks else {}
            now = timezone.now()
            deliveries = []
            for event in page.events:
                # An enterprise this registry does not hold (another platform's): the division of
                # its registering authority, characters 3-8 of its USCC (GB 32100-2015).
                division = divisions.get(event.enterprise_uscc) or event.enterprise_uscc[2:8]
                body = None
                for webhook in webhooks:
                    if matches(webhook, event, division):
                        body = body or events.event_body(event)
                        deliveries.append(
                            WebhookDelivery(
                                subscription=webhook,
                                event_id=event.id,
                                event_kind=event.kind,
                                body=body,
                                next_attempt_at=now,
                            )
                        )
            WebhookDelivery.objects.bulk_create(deliveries, batch_size=1000)
            row.cursor = page.next
            row.save(update_fields=["cursor", "updated_at"])
            if deliveries:
                _queue_many_on_commit([(delivery.pk, 1) for delivery in deliveries])
        total += len(deliveries)
        if len(page.events) < batch:
            break
    webhooks_requeue_lost()
    return total


def webhooks_requeue_lost(*, limit: int = 200) -> int:
    """Queue again deliveries long due whose task never ran (a message lost with the broker, a
    worker killed in the middle of an attempt). Each is marked due now as it is queued, so that a
    delivery still waiting behind a long queue is queued again at most once per ``LOST_AFTER``;
    a copy that finds its delivery already sent or taken does nothing."""
    now = timezone.now()
    with transaction.atomic():
        lost = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(
                Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
                status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
                next_attempt_at__lt=now - LOST_AFTER,
                subscription__in=webhooks_live(),
            )
            .values_list("id", "attempts")[:limit]
        )
        if not lost:
            return 0
        WebhookDelivery.objects.filter(pk__in=[delivery_id for delivery_id, _ in lost]).update(
            next_attempt_at=now
        )
        _queue_many_on_commit([(delivery_id, attempts + 1) for delivery_id, attempts in lost])
    logger.warning("webhooks: queued %d deliveries again whose task never ran", len(lost))
    return len(lost)


def webhook_log_prune(*, days: int | None = None, batch: int = 5000) -> int:
    """Delete finished deliveries (delivered or dead letters) older than the log's retention,
    ``batch`` per transaction; returns how many. Deliveries still waiting or retrying stay."""
    days = settings.WEBHOOKS_LOG_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - dt.timedelta(days=days)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                WebhookDelivery.objects.filter(
                    created_at__lt=cutoff, status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD]
                ).values_list("id", flat=True)[:batch]
            )
            if not ids:
                return total
            total += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch:
            return total
