"""Rate limits for the public portal and the public API, shared by every worker through the cache.

One limiter (a sliding window estimated from two fixed one-period counters, the way Cloudflare and
Redis' own docs describe it) serves the HTML pages (per client address, generous) and the public
API (per client address for anonymous use, per developer key for registered developers). With
``REDIS_URL`` set the counters live in Redis, so the limits hold across gunicorn workers and
machines; with the local-memory cache they hold per process only (fine for development).

Settings (all optional):

- ``PORTAL_PAGE_RATE``: the pages' limit per client address (default ``300/min``);
- ``PUBLIC_API_ANON_RATE``: the public API's limit per client address without a key (default ``60/min``);
- ``PORTAL_TRUST_X_FORWARDED_FOR``: ``True`` only behind a reverse proxy that sets
  ``X-Forwarded-For`` itself; the first address of that header is then the client (default ``False``:
  ``REMOTE_ADDR``, which a client cannot forge).

A rejected request is not counted, so ``Retry-After`` tells the truth: a client that waits that long
gets through. If the cache is down, requests pass (a broken limiter must not take the portal down).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)

DEFAULT_PAGE_RATE = "300/min"
DEFAULT_API_ANON_RATE = "60/min"
_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    def __str__(self) -> str:
        return f"{self.limit}/{self.period}s"


def parse_rate(text: str) -> Rate:
    """``"60/min"``, ``"1000/hour"``, ``"5/10s"`` → Rate; raises ValueError for anything else."""
    match = _RATE.match((text or "").lower())
    if not match or match.group(3) not in _PERIODS:
        raise ValueError(f"not a rate: {text!r} (write e.g. 60/min)")
    limit, multiple, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    if limit < 1 or multiple < 1:
        raise ValueError(f"not a rate: {text!r}")
    return Rate(limit, multiple * _PERIODS[unit])


def sign_in_rate() -> Rate:
    return parse_rate(getattr(settings, "SIGN_IN_RATE", "10/min"))


def page_rate() -> Rate:
    return parse_rate(getattr(settings, "PORTAL_PAGE_RATE", DEFAULT_PAGE_RATE))


def api_anon_rate() -> Rate:
    return parse_rate(getattr(settings, "PUBLIC_API_ANON_RATE", DEFAULT_API_ANON_RATE))


def now() -> float:
    """The clock of the limiter (tests move it forward)."""
    return time.time()


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the first X-Forwarded-For entry behind a trusted proxy.

    An IPv6 client is counted per /64, since one host usually holds a whole /64.
    """
    candidate = ""
    if getattr(settings, "PORTAL_TRUST_X_FORWARDED_FOR", False):
        candidate = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
    for value in (candidate, request.META.get("REMOTE_ADDR", "")):
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            continue
        if address.version == 6:
            if address.ipv4_mapped is not None:
                return str(address.ipv4_mapped)
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return str(address)
    return "unknown"


def _redis_client():
    """The raw Redis client behind the default cache, or None for any other backend."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    return backend._cache.get_client(None, write=True) if isinstance(backend, RedisCache) else None


def _count(current_key: str, previous_key: str, ttl: int) -> tuple[int, int]:
    """Add one to this window's counter and read the previous window's: one round trip on Redis."""
    client = _redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.incr(cache.make_and_validate_key(current_key))
        pipe.expire(cache.make_and_validate_key(current_key), ttl)
        pipe.get(cache.make_and_validate_key(previous_key))
        current, _expire, previous = pipe.execute()
        return int(current), int(previous or 0)
    try:
        current = cache.incr(current_key)
    except ValueError:
        cache.add(current_key, 0, ttl)
        current = cache.incr(current_key)
    return current, cache.get(previous_key) or 0


def hit(bucket: str, rate: Rate) -> int | None:
    """Count one request against ``bucket``: None if it is allowed, else the seconds to wait."""
    t = now()
    window = int(t // rate.period)
    elapsed = t - window * rate.period
    current_key = f"rl:{bucket}:{rate.period}:{window}"
    previous_key = f"rl:{bucket}:{rate.period}:{window - 1}"
    try:
        current, previous = _count(current_key, previous_key, 2 * rate.period + 1)
    except Exception:  # noqa: BLE001 - a cache outage must not refuse every visitor
        logger.warning("rate limiter unavailable; letting the request through", exc_info=True)
        return None
    weight = 1 - elapsed / rate.period
    if previous * weight + current <= rate.limit:
        return None
    try:
        cache.decr(current_key)
    except Exception:  # noqa: BLE001
        logger.warning("rate limiter could not uncount a refused request", exc_info=True)
    return _wait(rate, previous, current - 1, elapsed)


def _wait(rate: Rate, previous: int, current: int, elapsed: float) -> int:
    """Seconds until ``previous·(1 − e/period) + current + 1 ≤ limit`` holds again."""
    room = rate.limit - 1 - current
    if room >= 0 and previous > 0:
        # Later in this window the previous window's share shrinks enough.
        needed = rate.period * (1 - room / previous) - elapsed
        return max(1, math.ceil(needed))
    # Only the next window helps: there the share of this window's `current` must shrink.
    until_next = rate.period - elapsed
    if current <= 0:
        return max(1, math.ceil(until_next))
    room_next = rate.limit - 1
    into_next = rate.period * max(0.0, 1 - room_next / current)
    return max(1, math.ceil(until_next + into_next))
