"""Liveness and readiness endpoints for the load balancer and the compose health checks."""

from __future__ import annotations

from django.conf import settings
from django.core import checks as system_checks
from django.core.checks.registry import registry as check_registry
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

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


@never_cache
def readyz(request):
    """200 when the portal can serve: the database answers and the signing keys sign. Redis down
    is ``"degraded"`` but still 200: pages render from the database and the limits count per
    process meanwhile (registry/cache_backend.py), so the load balancer must keep sending traffic."""
    checks: dict[str, str] = {}
    ok = True
    degraded = False
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
    return JsonResponse({"status": status, "checks": checks}, status=200 if ok else 503)
