"""Webhooks: subscribe, change, pause, resume, delete; dispatch new events; deliver; redeliver.

Every change of a subscription is one function here, used by the API, the desk and the admin. The
subscriber is a developer key (a partner, through the API) or an agency (its staff at the desk, or
its API token). Deliveries are sent only by Celery tasks (``lookup.webhooks.tasks``), one task per
delivery on the ``WEBHOOKS_QUEUE`` queue, so a slow or dead receiver never holds up a web process,
another subscriber or the registry's other background work.

- ``access``: who may manage a webhook (its owner, and who acts for it);
- ``filters``: a webhook's filters, cleaned as stored;
- ``subscriptions``: subscribe, change, delete, pause, resume, redeliver by hand;
- ``dispatch``: new change-feed events become deliveries; lost ones queued again; the log pruned;
- ``delivery``: one attempt of one delivery, and the wait before the next.
"""

from .access import Owner, can_manage_webhooks, ensure_can_manage_webhooks, owner_of
from .delivery import retry_delay, webhook_deliver
from .dispatch import (
    CURSOR_NAME,
    DISPATCH_BATCH,
    DISPATCH_LOCK,
    LOST_AFTER,
    matches,
    webhook_log_prune,
    webhooks_dispatch,
    webhooks_live,
    webhooks_requeue_lost,
)
from .filters import MAX_AGENCIES, MAX_DIVISIONS, MAX_USCCS, clean_filters
from .subscriptions import (
    MAX_WEBHOOKS_PER_OWNER,
    webhook_create,
    webhook_delete,
    webhook_pause,
    webhook_redeliver,
    webhook_resume,
    webhook_update,
)

__all__ = [
    "CURSOR_NAME",
    "DISPATCH_BATCH",
    "DISPATCH_LOCK",
    "LOST_AFTER",
    "MAX_AGENCIES",
    "MAX_DIVISIONS",
    "MAX_USCCS",
    "MAX_WEBHOOKS_PER_OWNER",
    "Owner",
    "can_manage_webhooks",
    "clean_filters",
    "ensure_can_manage_webhooks",
    "matches",
    "owner_of",
    "retry_delay",
    "webhook_create",
    "webhook_deliver",
    "webhook_delete",
    "webhook_log_prune",
    "webhook_pause",
    "webhook_redeliver",
    "webhook_resume",
    "webhook_update",
    "webhooks_dispatch",
    "webhooks_live",
    "webhooks_requeue_lost",
]
