"""Liveness and readiness endpoints for the load balancer and the compose health checks.

With read replicas (``DATABASE_REPLICA_URLS``, registry/db_router.py) ``/readyz`` reports each
database under ``databases``: the primary (``in_recovery`` false, its WAL position) and each replica
(``in_recovery`` true, the position it has replayed, ``lag_bytes`` behind the primary and
``lag_seconds``: 0 when it has replayed all the primary has written, else the time it took to
catch up, measured for up to a second, or the age of its last replayed transaction). A replica down,
lagging more than ``REPLICA_MAX_LAG_SECONDS`` or no longer in recovery makes the status
``"degraded"`` (still 200); so does the primary down while a replica can be read (public pages are
served, writes refused). No database that can be read: ``"unavailable"``, 503.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import checks as system_checks
from django.core.checks.registry import registry as check_registry
from django.db import connection, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from . import db_router

# How long /readyz watches a replica that is behind the primary catch up, to measure its lag.
LAG_WATCH_SECONDS = 1.0

# The system checks /readyz runs as well (lookup/checks.py registers them under this tag, imported
# from here: the registry sits below the portal, so it names the tag rather than importing the check).
SIGNING_KEYS_TAG = "signing_keys"


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _signing_keys() -> tuple[str, bool]:
    """What the signing keys' checks say, and whether that allows serving."""
    registered = check_registry.get_checks(include_deployment_checks=True)
    if not any(SIGNING_KEYS_TAG in getattr(check, "tags", ()) for check in registered):
        return "not checked", True
    found = check_registry.run_checks(tags=[SIGNING_KEYS_TAG], include_deployment_checks=True)
    errors = [m for m in found if m.level >= system_checks.ERROR]
    if errors:
        return "; ".join(f"error: {m.id}: {m.msg}" for m in errors), False
    warnings = [m for m in found if m.level >= system_checks.WARNING]
    if warnings:
        return "; ".join(f"warning: {m.id}: {m.msg}" for m in warnings), True
    return "ok", True


def _primary_state() -> tuple[dict, str | None]:
    """The primary's state, and its WAL position (None if it cannot be read)."""
    try:
        with connections[db_router.PRIMARY].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), "
                "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END"
            )
            in_recovery, lsn = cursor.fetchone()
    except db_router.OUTAGE_ERRORS as exc:
        db_router.mark_down(db_router.PRIMARY, exc)
        return {"status": f"error: {exc.__class__.__name__}"}, None
    # In recovery: DATABASE_URL names a standby (not promoted yet?), which refuses every write.
    status = "in recovery: read-only" if in_recovery else "ok"
    return {"status": status, "in_recovery": in_recovery, "wal_lsn": lsn}, lsn


def _replica_state(alias: str, primary_lsn: str | None) -> dict:
    """A replica's state and lag behind ``primary_lsn`` (watched for up to LAG_WATCH_SECONDS)."""
    query = (
        "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
        "pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()), "
        "extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float"
    )
    started = time.monotonic()
    first_lag = None
    try:
        with connections[alias].cursor() as cursor:
            while True:
                cursor.execute(query, [primary_lsn])
                in_recovery, replay_lsn, lag_bytes, replay_age = cursor.fetchone()
                first_lag = lag_bytes if first_lag is None else first_lag
                watched = time.monotonic() - started
                caught_up = lag_bytes is None or lag_bytes <= 0
                if caught_up or not in_recovery or watched >= LAG_WATCH_SECONDS:
                    break
                time.sleep(0.01)
    except db_router.OUTAGE_ERRORS as exc:
        db_router.mark_down(alias, exc)
        return {"status": f"error: {exc.__class__.__name__}"}
    state = {"in_recovery": in_recovery, "replay_lsn": replay_lsn}
    if not in_recovery:
        return {"status": "not in recovery (promoted?)", **state}
    if lag_bytes is None:  # the primary cannot be read: how old the last replayed transaction is
        return {"status": "ok", **state, "lag_seconds": None, "last_replay_seconds_ago": replay_age}
    if first_lag <= 0:
        seconds = 0.0
    elif lag_bytes <= 0:
        seconds = watched  # it replayed what the primary had written within this long
    else:  # not caught up within the watch: at least that long, or since its last replayed transaction
        seconds = max(watched, replay_age or 0.0)
    state |= {"lag_bytes": int(max(first_lag, 0)), "lag_seconds": round(seconds, 4)}
    lagging = seconds > settings.REPLICA_MAX_LAG_SECONDS
    return {"status": "lagging" if lagging else "ok", **state}


@never_cache
def readyz(request):
    """200 when the portal can serve: the database answers and the signing keys sign. Redis down
    is ``"degraded"`` but still 200: pages render from the database and the limits count per
    process meanwhile (registry/cache_backend.py), so the load balancer must keep sending traffic."""
    checks: dict[str, str] = {}
    ok = True
    degraded = False
    databases: dict[str, dict] = {}
    if db_router.replicas_configured():
        databases[db_router.PRIMARY], primary_lsn = _primary_state()
        for alias in db_router.replica_aliases():
            databases[alias] = _replica_state(alias, primary_lsn)
        for alias, state in databases.items():
            checks["database" if alias == db_router.PRIMARY else alias] = state["status"]
        readable = [alias for alias, state in databases.items() if not state["status"].startswith("error")]
        ok = bool(readable)
        degraded = any(state["status"] != "ok" for state in databases.values())
    else:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks["database"] = f"error: {exc.__class__.__name__}"
            ok = False
    if settings.REDIS_URL:
        try:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {exc.__class__.__name__}"
            degraded = True
    else:
        checks["redis"] = "not configured"
    checks["signing_keys"], keys_ok = _signing_keys()
    ok = ok and keys_ok
    status = "unavailable" if not ok else "degraded" if degraded else "ok"
    body = {"status": status, "checks": checks}
    if databases:
        body["databases"] = databases
    return JsonResponse(body, status=200 if ok else 503)
