"""Background work of the webhooks. Thin: the dispatcher and one attempt of one delivery.

``lookup.webhooks.dispatch`` runs every ``WEBHOOKS_DISPATCH_SECONDS`` (beat). Each delivery is a
task of its own on the ``WEBHOOKS_QUEUE`` queue, served by workers of their own
(``docker-compose.yml``: ``webhook-worker``), so receivers that are slow or down occupy only those
workers, one delivery each for at most ``WEBHOOKS_TIMEOUT_SECONDS``, and never the registry's other
work. A failed attempt queues the next one with a countdown (exponential backoff with jitter).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from registry.context import request_context

logger = logging.getLogger(__name__)

DISPATCH = "lookup.webhooks.dispatch"
DELIVER = "lookup.webhooks.deliver"
LOG_PRUNE = "lookup.webhooks.log_prune"


@shared_task(name=DISPATCH, ignore_result=True)
def webhooks_dispatch() -> int:
    """Turn new change-feed events into deliveries and queue them."""
    from .services import webhooks_dispatch as dispatch

    with request_context(prefix="task:webhooks_dispatch:"):
        return dispatch()


@shared_task(name=LOG_PRUNE)
def webhooks_log_prune() -> int:
    """Daily: finished deliveries leave the log after ``WEBHOOKS_LOG_RETENTION_DAYS``."""
    from .services import webhook_log_prune

    with request_context(prefix="task:webhooks_log_prune:"):
        return webhook_log_prune()


@shared_task(name=DELIVER, ignore_result=True)
def webhook_deliver(delivery_id: str, attempt: int) -> None:
    """One attempt of one delivery; a failure queues the next attempt after its backoff."""
    from .services import webhook_deliver as deliver

    with request_context(prefix="task:webhook_deliver:"):
        delay = deliver(delivery_id=delivery_id, attempt=attempt)
    if delay is not None:
        queue_delivery(delivery_id, attempt + 1, countdown=delay)


def queue_delivery(delivery_id, attempt: int, *, countdown: float | None = None) -> None:
    """Queue an attempt of a delivery on the webhooks' queue (a broker outage is logged; the
    dispatcher queues deliveries whose task never ran again)."""
    queue_deliveries([(delivery_id, attempt)], countdown=countdown)


def queue_deliveries(attempts, *, countdown: float | None = None) -> None:
    """Queue attempts ``[(delivery id, attempt), …]`` through one connection to the broker."""
    options = {"queue": settings.WEBHOOKS_QUEUE, "ignore_result": True}
    if countdown:
        options["countdown"] = countdown
    if webhook_deliver.app.conf.task_always_eager:
        for delivery_id, attempt in attempts:
            webhook_deliver.apply_async((str(delivery_id), attempt), **options)
        return
    try:
        with webhook_deliver.app.producer_or_acquire() as producer:
            for delivery_id, attempt in attempts:
                webhook_deliver.apply_async((str(delivery_id), attempt), producer=producer, **options)
    except Exception as error:  # noqa: BLE001 - only the broker can fail here
        logger.warning(
            "webhooks: could not queue %d deliveries (%s: %s); the dispatcher queues them again later",
            len(attempts),
            type(error).__name__,
            error,
        )
