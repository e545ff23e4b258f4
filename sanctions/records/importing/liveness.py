"""Which imports have a live run: a lock held by the run's database session, and a heartbeat.

A run holds a PostgreSQL advisory lock (session level) on its batch from start to end. When its
worker dies, even by ``kill -9``, the server closes the session and the lock is gone at once: the
sweeper (``recovery.imports_sweep``) sees that no run holds it and queues the import again, without
waiting for a timeout. A second run of the same batch (a message delivered twice, the sweeper and a
retry at once) does not get the lock and leaves the batch to the first.

The run also writes ``heartbeat_at`` (the server's clock) when it starts, at every chunk and every
``RECORD_IMPORT_HEARTBEAT_SECONDS`` while it waits for a chunk to be read and cleaned: the desk shows
it as the import's last activity, and a run that holds its lock with an idle session and no
heartbeat for ``RECORD_IMPORT_STALE_SECONDS`` is stuck (its worker stopped, or cut off).
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models.functions import Now

from sanctions.models import ImportBatch

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The first key of the two-key advisory locks of import runs ("IMPT"); the second is the batch id.
LOCK_CLASS = 0x494D5054


def _lock_key(batch_id: int) -> int:
    return batch_id & 0x7FFFFFFF  # an int4 key; batches 2**31 apart would share one (never, in practice)


@contextmanager
def run_lock(batch_id: int) -> Iterator[bool]:
    """Hold the batch's run lock for the block; yields False (and holds nothing) if another run has it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, _lock_key(batch_id)])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, _lock_key(batch_id)])
            except DatabaseError:
                # The session is gone (the database went away): so is its lock.
                logger.info("import %s: the run lock went with its session", batch_id)


@dataclass(frozen=True)
class Holder:
    """The database session of a live run: its process id, and whether it is idle (not in a query)
    and for how many seconds it has been in that state."""

    pid: int
    idle: bool
    idle_seconds: float


def run_holders() -> dict[int, Holder]:
    """The sessions holding a run lock in this database, by batch id (the lock's key)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT l.objid::bigint, l.pid, COALESCE(a.state, '') <> 'active',
                   EXTRACT(EPOCH FROM (clock_timestamp() - COALESCE(a.state_change, clock_timestamp())))
            FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objsubid = 2
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """,
            [LOCK_CLASS],
        )
        return {
            batch_id: Holder(pid=pid, idle=idle, idle_seconds=float(seconds))
            for batch_id, pid, idle, seconds in cursor.fetchall()
        }


def holder_of(batch_id: int, holders: dict[int, Holder]) -> Holder | None:
    return holders.get(_lock_key(batch_id))


def stop_session(pid: int) -> bool:
    """End a stuck run's database session (its lock goes with it); False if not allowed or gone."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            return bool(cursor.fetchone()[0])
    except DatabaseError:
        logger.warning("could not end the database session %s of a stuck import", pid, exc_info=True)
        return False


def beat(batch_id: int) -> None:
    """The run is alive: write the batch's heartbeat (the database's clock)."""
    ImportBatch.objects.filter(pk=batch_id).update(heartbeat_at=Now())


def wait_beating(future: concurrent.futures.Future[T], batch_id: int) -> T:
    """The future's result, writing the heartbeat every ``RECORD_IMPORT_HEARTBEAT_SECONDS`` meanwhile."""
    every = max(0.1, float(settings.RECORD_IMPORT_HEARTBEAT_SECONDS))
    while not concurrent.futures.wait([future], timeout=every).done:
        beat(batch_id)
    return future.result()
