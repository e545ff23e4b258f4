"""Webhooks: subscribe, change, pause, resume, delete; dispatch new events; deliver; redeliver.

Every change of a subscription is one function here, used by the API, the desk and the admin. The
subscriber is a developer key (a partner, through the API) or an agency (its staff at the desk, or
its API token). Deliveries are sent only by Celery tasks (``lookup.webhooks.tasks``), one task per
delivery on the ``WEBHOOKS_QUEUE`` queue, so a slow or dead receiver never holds up a web process,
another subscriber or the registry's other background work.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import uscc as uscc_codes
from registry.audit import audit_write
from registry.models import Agency, Division, Enterprise
from registry.permissions import is_registry_admin, roles_in

from ..models import DeveloperKey, WebhookDelivery, WebhookDispatchCursor, WebhookSubscription
from . import addresses, events, sealing, sending, signatures
from .choices import DeliveryStatus, WebhookStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

Owner = DeveloperKey | Agency
MAX_WEBHOOKS_PER_OWNER = 20
MAX_AGENCIES = 100
MAX_DIVISIONS = 100
MAX_USCCS = 1000
DISPATCH_BATCH = 500
# A delivery due this long ago whose task never ran (its message lost) is queued again by the dispatcher.
LOST_AFTER = dt.timedelta(minutes=10)
CURSOR_NAME = "default"
# pg_advisory_xact_lock key of the dispatcher ("webhook" in ASCII): one dispatcher at a time.
DISPATCH_LOCK = 0x776562686F6F6B


# --- Who may manage a webhook ---------------------------------------------------------------------


def owner_of(webhook: WebhookSubscription) -> Owner:
    return webhook.developer_key if webhook.developer_key_id else webhook.agency


def can_manage_webhooks(actor, owner: Owner) -> bool:
    """A developer key manages its own webhooks; an agency's staff (any role) and registry
    administrators manage the agency's."""
    if isinstance(actor, DeveloperKey):
        return isinstance(owner, DeveloperKey) and actor.pk == owner.pk and actor.revoked_at is None
    if is_registry_admin(actor):
        return True
    return isinstance(owner, Agency) and bool(roles_in(actor, owner))


def ensure_can_manage_webhooks(actor, owner: Owner) -> None:
    if not can_manage_webhooks(actor, owner):
        raise PermissionDenied(_("You may not manage these webhooks."))


def _audit_actor(actor):
    if isinstance(actor, DeveloperKey):
        return f"developer key {actor.prefix}"
    return actor


# --- Filters --------------------------------------------------------------------------------------


def _as_list(value, field: str, errors: dict) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").replace("\n", ",").split(",")]
    if not isinstance(value, list | tuple):
        errors.setdefault(field, []).append(_("Give a list."))
        return []
    items = []
    for item in value:
        text = str(item).strip()
        if text and text not in items:
            items.append(text)
    return items


def clean_filters(
    *, kinds=None, agency_codes=None, division_prefixes=None, usccs=None
) -> dict[str, list[str]]:
    """The filters as stored, or ValidationError naming each bad value and its field."""
    errors: dict[str, list[str]] = {}
    kinds = _as_list(kinds, "kinds", errors)
    agency_codes = [c.upper() for c in _as_list(agency_codes, "agency_codes", errors)]
    division_prefixes = _as_list(division_prefixes, "division_prefixes", errors)
    usccs = [uscc_codes.compact(c) for c in _as_list(usccs, "usccs", errors)]

    unknown = [k for k in kinds if k not in events.ChangeKind.values]
    if unknown:
        errors.setdefault("kinds", []).append(
            _("Unknown event kind %(kinds)s; the kinds are %(known)s.")
            % {"kinds": ", ".join(unknown), "known": ", ".join(events.ChangeKind.values)}
        )
    if len(agency_codes) > MAX_AGENCIES:
        errors.setdefault("agency_codes", []).append(_("At most %(max)d agencies.") % {"max": MAX_AGENCIES})
    elif agency_codes:
        known = set(Agency.objects.filter(uscc__in=agency_codes).values_list("uscc", flat=True))
        missing = [c for c in agency_codes if c not in known]
        if missing:
            errors.setdefault("agency_codes", []).append(
                _("No agency has the code %(codes)s.") % {"codes": ", ".join(missing)}
            )
    if len(division_prefixes) > MAX_DIVISIONS:
        errors.setdefault("division_prefixes", []).append(
            _("At most %(max)d divisions.") % {"max": MAX_DIVISIONS}
        )
    else:
        for prefix in division_prefixes:
            if not (prefix.isascii() and prefix.isdigit() and len(prefix) in (2, 4, 6)):
                errors.setdefault("division_prefixes", []).append(
                    _(
                        "“%(prefix)s” is not a division: give 2 digits for a province, 4 for a city, "
                        "6 for a county (GB/T 2260), e.g. 33, 3301 or 330106."
                    )
                    % {"prefix": prefix}
                )
            elif not Division.objects.filter(code__startswith=prefix).exists():
                errors.setdefault("division_prefixes", []).append(
                    _("No administrative division starts with %(prefix)s.") % {"prefix": prefix}
                )
    if len(usccs) > MAX_USCCS:
        errors.setdefault("usccs", []).append(_("At most %(max)d enterprises.") % {"max": MAX_USCCS})
    else:
        bad = [c for c in usccs if not uscc_codes.is_valid(c)]
        if bad:
            errors.setdefault("usccs", []).append(
                _("Not a valid unified social credit code: %(codes)s.") % {"codes": ", ".join(bad[:10])}
            )
    if errors:
        raise ValidationError(errors)
    return {
        "kinds": kinds,
        "agency_codes": agency_codes,
        "division_prefixes": division_prefixes,
        "usccs": usccs,
    }


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


# --- Subscriptions --------------------------------------------------------------------------------


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


# --- Dispatch: new events become deliveries --------------------------------------------------------


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
    from .tasks import queue_delivery

    transaction.on_commit(lambda: queue_delivery(delivery_id, attempt))


def _queue_many_on_commit(attempts: list) -> None:
    from .tasks import queue_deliveries

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


# --- Delivery: one attempt ------------------------------------------------------------------------


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
