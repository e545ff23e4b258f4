"""Retention: ``changes_prune`` deletes the oldest events, a prefix of the feed below the horizon,
and records how far it went (``ChangeFeedPrune``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from ..models import ChangeFeedPrune
from .horizon import _HORIZON, DATABASE, _others

_PRUNE_HEAD = (
    """
SELECT txid, id, recorded_at < %s FROM registry_changeevent
WHERE txid < """
    + _HORIZON
    + """
ORDER BY txid, id
LIMIT %s
"""
)


def changes_prune(*, retention_days: int | None = None, batch: int = 5000) -> int:
    """Delete events older than the retention, oldest first in (txid, id) order, ``batch`` per
    transaction; returns how many. Only a prefix of the feed is deleted, and only below the
    horizon of running transactions, so ``ChangeFeedPrune`` says exactly which cursors are stale."""
    days = settings.CHANGE_FEED_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = timezone.now() - dt.timedelta(days=days)
    total = 0
    while True:
        with transaction.atomic(using=DATABASE):
            with connections[DATABASE].cursor() as db:
                next_id, others = _others(db)
                db.execute(_PRUNE_HEAD, [cutoff, next_id, others, batch])
                head = db.fetchall()
                old = []
                for txid, event_id, is_old in head:
                    if not is_old:
                        break
                    old.append((txid, event_id))
                if not old:
                    return total
                through = old[-1]
                db.execute(
                    "DELETE FROM registry_changeevent WHERE (txid, id) <= (%s, %s)",
                    [through[0], through[1]],
                )
                deleted = db.rowcount
            ChangeFeedPrune.objects.using(DATABASE).create(
                through_txid=through[0], through_id=through[1], deleted=deleted
            )
        total += deleted
        if len(old) < batch:
            return total
