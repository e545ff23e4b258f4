"""Reading: the opaque cursor (``cursor_encode``, ``cursor_decode``) and ``changes_after``, the
events after a cursor in commit-safe (txid, id) order, below the horizon.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from django.db import connections

from ..models import ChangeEvent, ChangeFeedPrune
from .horizon import _HORIZON, DATABASE, _others

_START = (0, 0)


class InvalidCursor(ValueError):
    """A cursor that this feed did not hand out."""


class CursorExpired(Exception):
    """Events after this cursor have been pruned: the reader must start again from the bulk files."""


def cursor_encode(txid: int, event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{txid}.{event_id}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> tuple[int, int]:
    """(txid, id) of a cursor; the start of the feed for none. Raises ``InvalidCursor``."""
    if not cursor:
        return _START
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        txid, event_id = (int(part) for part in text.split("."))
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidCursor(cursor) from None
    if txid < 0 or event_id < 0 or txid >= 2**63 or event_id >= 2**63:
        raise InvalidCursor(cursor)
    return txid, event_id


@dataclass(frozen=True)
class ChangePage:
    events: list[ChangeEvent]
    next: str


_FIELDS = [
    "id",
    "txid",
    "kind",
    "enterprise_uscc",
    "subject",
    "agency_code",
    "source_platform",
    "occurred_at",
    "recorded_at",
    "payload",
]
_READ = (
    """
SELECT id, txid, kind, enterprise_uscc, subject, agency_code, source_platform, occurred_at, recorded_at,
    payload
FROM registry_changeevent
WHERE (txid, id) > (%s, %s) AND txid < """
    + _HORIZON
    + """
ORDER BY txid, id
LIMIT %s
"""
)


def _pruned_through() -> tuple[int, int] | None:
    last = (
        ChangeFeedPrune.objects.using(DATABASE)
        .order_by("-through_txid", "-through_id")
        .values_list("through_txid", "through_id")
        .first()
    )
    return tuple(last) if last else None


def changes_after(cursor: str | None, limit: int) -> ChangePage:
    """The events after ``cursor`` (the start for none), at most ``limit``, in commit-safe order:
    only those of transactions older than every transaction still running (see the package's
    docstring), by (txid, id). ``next`` is the cursor to ask with next time (the same one when
    nothing is new). Raises ``InvalidCursor``, or ``CursorExpired`` when events after the cursor
    have been pruned."""
    position = cursor_decode(cursor)
    pruned = _pruned_through()
    if cursor and pruned is not None and position < pruned:
        raise CursorExpired(cursor)
    # The reading statement's snapshot both decides the horizon and reads the rows, so every event
    # below the horizon that will ever exist is visible to it.
    with connections[DATABASE].cursor() as db:
        next_id, others = _others(db)
        db.execute(_READ, [position[0], position[1], next_id, others, limit])
        rows = db.fetchall()
    events = [ChangeEvent(**dict(zip(_FIELDS, row, strict=True))) for row in rows]
    for event in events:
        if isinstance(event.payload, str):
            event.payload = json.loads(event.payload)
    last = (events[-1].txid, events[-1].id) if events else position
    return ChangePage(events=events, next=cursor_encode(*last) if last != _START else "")
