"""The change feed's outbox: every change of public data written as an event in the same
transaction as the change, and read back in an order that never skips one.

Writing. A service that changes what the public sees calls ``change_emit`` (or ``change_emit_many``
for a batch) inside its own ``transaction.atomic`` block. The event commits with the change or not
at all: no event for a change that rolled back, no change without its event. Each row carries the
writing transaction's id (``txid``, PostgreSQL's ``pg_current_xact_id()``, set by the database).

Reading without gaps. Event ids come from a sequence when the row is inserted, not when the
transaction commits: a writer that took id 10 may commit after another that took id 11. A reader
that pages by id alone would read 11, move its cursor past 10, and never see 10. So the feed is
read in (txid, id) order and only up to a horizon: the oldest transaction of this database still
running (``pg_snapshot_xip(pg_current_snapshot())``; with no other database on the server this is
``pg_snapshot_xmin``), or the next transaction id if none is. ``changes_after`` returns only events
whose ``txid`` is below it. Every transaction of this database below the horizon has finished
(committed or rolled back) and is visible to the reading statement's snapshot, and any transaction
that commits later has a ``txid`` at or above the horizon, hence above any cursor handed out: no
event can appear behind a cursor. An event whose transaction is still running, or that began after
an older one still running, waits until that older transaction ends. The cost is latency, not loss:
a long transaction of this database holds the feed back while it runs (any write transaction
counts, not only those that write events).

The cursor is opaque to readers: (txid, id) of the last event returned, base64url-encoded.

Retention. ``changes_prune`` deletes the oldest events, in (txid, id) order, while they are older
than ``CHANGE_FEED_RETENTION_DAYS``, and records how far it went (``ChangeFeedPrune``). A cursor
before that point may have missed deleted events: ``changes_after`` refuses it
(``CursorExpired``), and the reader starts again from the bulk open-data files.

- ``horizon``: the horizon of running transactions that reading and pruning stop at (``DATABASE``);
- ``outbox``: writing events in the service's transaction (``change_emit``, ``change_emit_many``)
  and the commit counter waiting readers watch (``commits_seen``);
- ``enterprises``: an enterprise's public payload and the events of many enterprises at once;
- ``reading``: the cursor and ``changes_after``;
- ``retention``: ``changes_prune``.
"""

from .enterprises import enterprise_public_payload, enterprises_change_emit
from .horizon import DATABASE
from .outbox import COMMITS_KEY, REMOVAL_KINDS, change_emit, change_emit_many, commits_seen
from .reading import ChangePage, CursorExpired, InvalidCursor, changes_after, cursor_decode, cursor_encode
from .retention import changes_prune

__all__ = [
    "COMMITS_KEY",
    "DATABASE",
    "REMOVAL_KINDS",
    "ChangePage",
    "CursorExpired",
    "InvalidCursor",
    "change_emit",
    "change_emit_many",
    "changes_after",
    "changes_prune",
    "commits_seen",
    "cursor_decode",
    "cursor_encode",
    "enterprise_public_payload",
    "enterprises_change_emit",
]
