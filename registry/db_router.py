"""Reads on PostgreSQL streaming replicas: which database each query of a request goes to.

With ``DATABASE_REPLICA_URLS`` set (config/settings/base.py) every replica is a database alias
``replica_1``, ``replica_2``… and ``ReplicaRouter`` is the project's router. Without it nothing here
runs: one database, as before.

A request's route (``Route``, in a context variable) is set by ``registry.replica_middleware``:

- the public portal's and the public API's reads (GET or HEAD of the views in
  ``replica_middleware.PUBLIC_READS``, by a visitor with no session and no recent write) may go to
  a replica: one per request, taken in turn, skipping a replica known to be down;
- everything else reads from the primary: writes, the desk, the admin, signed-in visitors (any
  visitor with a session cookie), and every read of a request once it has written (the router is
  asked where to write), or while a transaction is open on the primary;
- for a few seconds after a write the visitor carries a signed cookie that keeps their reads on the
  primary too (read-your-writes, ``REPLICA_READ_YOUR_WRITES_SECONDS``).

Outside a request (commands, Celery tasks, migrations) everything uses the primary; migrations run on
the primary only.

A database that fails to connect or breaks mid-request is marked down in this process for
``REPLICA_RETRY_SECONDS``: reads go to another replica or to the primary meanwhile, and no request
pays the connect timeout again until then. With the primary down, public pages keep reading from a
replica and the pages that write answer 503 saying so (config/error_pages.py).

Cached pages and a replica's lag: a cached page's key carries its enterprise's generation, bumped
when a change commits (registry/cache.py). A page rendered from a replica that has not replayed that
commit yet would be cached under the new generation, stale. So once a change has committed,
``after_replicas_replay`` waits (at most ``REPLICA_CATCH_UP_SECONDS``) until every replica in use has
replayed it, and the generation is bumped once more: no page read before the replay outlives it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError, connections
from django.dispatch import receiver

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA_PREFIX = "replica_"
# Django's own (it wraps the driver's), and the driver's where something reached it unwrapped: the
# database could not serve (down, restarting, refusing connections), which is not a bug.
OUTAGE_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


# --- Which replicas ----------------------------------------------------------------------------------

_aliases: tuple[str, ...] | None = None


def replica_aliases() -> tuple[str, ...]:
    """The replicas' aliases in DATABASES, in their order in DATABASE_REPLICA_URLS."""
    global _aliases
    if _aliases is None:
        found = [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]
        _aliases = tuple(sorted(found, key=lambda alias: int(alias.removeprefix(REPLICA_PREFIX))))
    return _aliases


def replicas_configured() -> bool:
    return bool(replica_aliases())


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    global _aliases
    if setting == "DATABASES":
        _aliases = None


# --- Databases known to be down (per process) ------------------------------------------------------

_down_until: dict[str, float] = {}


def mark_down(alias: str, reason: object = "") -> None:
    """Do not try this database again for REPLICA_RETRY_SECONDS (said once in the log, not per request)."""
    if not is_down(alias):
        detail = str(reason).strip().splitlines()[0] if str(reason).strip() else reason.__class__.__name__
        logger.warning(
            "database %s unavailable (%s); not tried again for %s s",
            alias,
            detail,
            settings.REPLICA_RETRY_SECONDS,
        )
    _down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS


def is_down(alias: str) -> bool:
    until = _down_until.get(alias)
    return until is not None and time.monotonic() < until


def _mark_up(alias: str) -> None:
    if _down_until.pop(alias, None) is not None:
        logger.warning("database %s answers again", alias)


def usable(alias: str) -> bool:
    """Whether the database answers: this thread's connection asked (a round trip, ``answers``: the
    poll of the kept connection's socket that spares other requests one could find a server killed a
    moment ago still open, and this request would fail on it instead of reading elsewhere) or opened.
    A failure marks it down."""
    if is_down(alias):
        return False
    connection = connections[alias]
    try:
        if connection.connection is not None and not connection.answers():  # config.postgresql
            connection.close()
        connection.ensure_connection()
    except OUTAGE_ERRORS as error:
        mark_down(alias, error)
        return False
    if alias in _down_until:
        _mark_up(alias)
    return True


def read_only() -> bool:
    """The primary is down and a replica is not: the registry can be read, not written."""
    return is_down(PRIMARY) and any(not is_down(alias) for alias in replica_aliases())


# --- The request's route -----------------------------------------------------------------------------


@dataclass
class Route:
    """How one request reads (set by registry.replica_middleware)."""

    replica_allowed: bool = False  # its reads may go to a replica
    primary_down: bool = False  # the primary did not answer this request
    refuse_writes: bool = False  # a page that writes, with the primary down: 503 (config/error_pages.py)
    wrote: bool = False  # a write was routed: the request's later reads go to the primary
    alias: str | None = None  # the database chosen for this request's replica reads


_route: ContextVar[Route | None] = ContextVar("database_route", default=None)


def current_route() -> Route | None:
    return _route.get()


def enter(route: Route) -> Token:
    return _route.set(route)


def leave(token: Token) -> None:
    _route.reset(token)


def writes_refused() -> bool:
    route = _route.get()
    return route is not None and route.refuse_writes


def note_outage() -> None:
    """A request failed on a database outage: mark down the databases whose connection broke."""
    if not replicas_configured():
        return
    for connection in connections.all(initialized_only=True):
        if connection.errors_occurred:
            mark_down(connection.alias, "a query failed")


_turn = itertools.count()


def _pick() -> str:
    """A replica that answers, taken in turn; the primary when none does."""
    aliases = replica_aliases()
    start = next(_turn)
    for offset in range(len(aliases)):
        alias = aliases[(start + offset) % len(aliases)]
        if usable(alias):
            return alias
    return PRIMARY


class ReplicaRouter:
    """Public reads to a replica, everything else to the primary (see the module)."""

    def db_for_read(self, model, **hints) -> str:
        route = _route.get()
        if route is None or not route.replica_allowed or route.wrote:
            return PRIMARY
        if not route.primary_down and connections[PRIMARY].in_atomic_block:
            return PRIMARY  # a transaction is open: its reads belong to it
        if route.alias is None:
            route.alias = _pick()
        return route.alias

    def db_for_write(self, model, **hints) -> str:
        route = _route.get()
        if route is not None:
            route.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replicas hold the primary's data: an object read from one may point to one from another.
        names = {PRIMARY, *replica_aliases()}
        if obj1._state.db in names and obj2._state.db in names:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == PRIMARY


# --- Replay of a change on the replicas -----------------------------------------------------------


_caught_up = threading.local()  # .at: when this thread last read an LSN that every replica replayed


def replicas_caught_up() -> bool:
    """Wait until every replica in use has replayed all the primary has written so far.

    At most REPLICA_CATCH_UP_SECONDS: a replica that has not replayed by then is marked down (this
    process reads elsewhere for REPLICA_RETRY_SECONDS) and False is returned. A replica that does not
    answer is marked down too; one no longer in recovery (promoted) has nothing to replay.
    """
    waiting = {alias for alias in replica_aliases() if not is_down(alias)}
    if not waiting:
        return True
    try:
        read_at = time.monotonic()
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
            lsn = cursor.fetchone()[0]
    except OUTAGE_ERRORS:
        return False
    deadline = time.monotonic() + settings.REPLICA_CATCH_UP_SECONDS
    pause = 0.001
    while True:
        for alias in sorted(waiting):
            try:
                with connections[alias].cursor() as cursor:
                    cursor.execute("SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, true)", [lsn])
                    replayed = cursor.fetchone()[0]
            except OUTAGE_ERRORS as error:
                mark_down(alias, error)
                replayed = True  # down: it serves no reads
            if replayed:
                waiting.discard(alias)
        if not waiting:
            _caught_up.at = read_at
            return True
        if time.monotonic() >= deadline:
            for alias in waiting:
                mark_down(alias, f"has not replayed {lsn} within {settings.REPLICA_CATCH_UP_SECONDS} s")
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def after_replicas_replay(callback: Callable[[], object]) -> None:
    """Once the current transaction commits and the replicas have replayed it, call ``callback``
    (also when they have not within REPLICA_CATCH_UP_SECONDS). Nothing without replicas.

    The replicas are asked once per commit: callbacks of one transaction (an import's chunk
    registers one per enterprise) after the first find the wait already done.
    """
    if not replicas_configured():
        return
    from django.db import transaction

    registered = time.monotonic()

    def run() -> None:
        # In this thread nothing commits between the registration and this callback but this
        # transaction: an LSN read since then was read after its commit.
        if getattr(_caught_up, "at", float("-inf")) < registered:
            replicas_caught_up()
        callback()

    transaction.on_commit(run)
