"""Writing: ``change_emit`` and ``change_emit_many`` write events in the service's own transaction
(the outbox), and each commit that wrote events moves the counter waiting readers watch
(``commits_seen``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, transaction

from ..choices import ChangeKind
from ..models import ChangeEvent
from .horizon import DATABASE

# The kinds that take something out of public view: their payload is only the identifiers, so that
# a mirror can delete what it holds and nothing more is said.
REMOVAL_KINDS = frozenset(
    {
        ChangeKind.RECORD_WITHDRAWN,
        ChangeKind.RECORD_REVOKED,
        ChangeKind.RECORD_EXPIRED,
        ChangeKind.RECORD_REPAIRED,
        ChangeKind.LISTING_REMOVED,
        ChangeKind.BADGE_REVOKED,
    }
)
logger = logging.getLogger(__package__)


def _event(
    *,
    kind: str,
    enterprise_uscc: str,
    subject: str,
    payload: Mapping[str, Any],
    agency_code: str | None = None,
    source_platform: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> ChangeEvent:
    if kind not in ChangeKind.values:
        raise ValueError(f"unknown change kind {kind!r}")
    event = ChangeEvent(
        kind=kind,
        enterprise_uscc=enterprise_uscc,
        subject=str(subject),
        payload=dict(payload),
        agency_code=agency_code or None,
        source_platform=source_platform or settings.PLATFORM_CODE,
    )
    if occurred_at is not None:
        event.occurred_at = occurred_at
    return event


def _ensure_in_transaction() -> None:
    if not connections[DATABASE].in_atomic_block:
        raise RuntimeError("change_emit must be called inside the service's transaction.atomic block")
    transaction.on_commit(_signal_commit, using=DATABASE)


# Waiting readers (``GET /api/v1/changes/?wait=``) watch this counter in the cache (Redis) instead
# of asking the database again and again: it moves after each commit that wrote events. Only a hint:
# a reader still asks the database now and then (an event can be held back by an older transaction
# that wrote none), and with Redis down it asks the database at every check.
COMMITS_KEY = "change-feed:commits"


def _signal_commit() -> None:
    try:
        try:
            cache.incr(COMMITS_KEY)
        except ValueError:
            cache.set(COMMITS_KEY, 1, None)
    except Exception:  # noqa: BLE001 - a hint only: readers fall back to asking the database
        logger.warning("change feed: could not signal a commit to waiting readers", exc_info=True)


def commits_seen() -> int | None:
    """The commit counter, or None when the cache cannot be read."""
    try:
        return int(cache.get(COMMITS_KEY) or 0)
    except Exception:  # noqa: BLE001
        return None


def change_emit(
    *,
    kind: str,
    enterprise_uscc: str,
    subject: str,
    payload: Mapping[str, Any],
    agency_code: str | None = None,
    source_platform: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> None:
    """Write one event in the current transaction (the outbox): it commits with the change."""
    _ensure_in_transaction()
    _event(
        kind=kind,
        enterprise_uscc=enterprise_uscc,
        subject=subject,
        payload=payload,
        agency_code=agency_code,
        source_platform=source_platform,
        occurred_at=occurred_at,
    ).save(using=DATABASE)


_COPY_COLUMNS = ["kind", "enterprise_uscc", "subject", "agency_code", "source_platform", "payload"]


def change_emit_many(events: Iterable[Mapping[str, Any]]) -> int:
    """Write many events (each a mapping of ``change_emit``'s arguments) in the current transaction
    with COPY, for the batch paths (expiry jobs, imports); returns how many. The database sets each
    row's ``txid`` (and ``occurred_at`` when not given) as for ``change_emit``."""
    _ensure_in_transaction()
    platform = settings.PLATFORM_CODE
    kinds = set(ChangeKind.values)
    untimed, timed = [], []
    for event in events:
        if event["kind"] not in kinds:
            raise ValueError(f"unknown change kind {event['kind']!r}")
        row = [
            str(event["kind"]),
            event["enterprise_uscc"],
            str(event["subject"]),
            event.get("agency_code") or None,
            event.get("source_platform") or platform,
            json.dumps(event["payload"], cls=DjangoJSONEncoder, ensure_ascii=False),
        ]
        if event.get("occurred_at") is not None:
            timed.append([*row, event["occurred_at"]])
        else:
            untimed.append(row)
    # Rows with and without an explicit time go in separate statements: one COPY has one column list.
    with connections[DATABASE].cursor() as cursor:
        for columns, rows in ((_COPY_COLUMNS, untimed), ([*_COPY_COLUMNS, "occurred_at"], timed)):
            if rows:
                with cursor.cursor.copy(
                    f"COPY registry_changeevent ({', '.join(columns)}) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
    return len(untimed) + len(timed)
