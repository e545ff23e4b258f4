"""The one rate limiter, shared by every worker through the cache, and the one way to tell clients apart.

One limiter (a sliding window estimated from two fixed one-period counters, the way Cloudflare and
Redis' own docs describe it) serves every limit of the project: the portal's HTML pages and sign-in
forms (``lookup.middleware``), the public API (``lookup.api.throttles``), the badge fake reports,
the objection form, and the other API endpoints through ``AnonRateThrottle`` and
``UserRateThrottle`` below. With ``REDIS_URL`` set the counters live in Redis, so the limits hold
across gunicorn workers and machines; with the local-memory cache they hold per process only
(fine for development).

Every limit per client counts by ``client_ip``: ``REMOTE_ADDR``, or the client's address as the
trusted proxy wrote it into ``X-Forwarded-For``; an IPv6 client per /64.

Settings (all optional):

- ``PORTAL_PAGE_RATE``: the pages' limit per client address (default ``300/min``);
- ``PORTAL_PAGE_RATE_SYNC_SECONDS``: how often a worker adds its page counts to the shared
  counters (default ``0.25``; ``0``: on every request). In between it judges from the counters it
  read last plus its own counts, so a page costs no round trip to Redis; the limit then holds to
  within what the other workers let through in one interval (see ``hit_batched``);
- ``PUBLIC_API_ANON_RATE``: the public API's limit per client address without a key (default ``60/min``);
- ``PUBLIC_API_ANON_RATE_SYNC_SECONDS``: the same batching for that limit (default ``0.25``); a
  developer key's quota is counted on every request;
- ``PORTAL_TRUST_X_FORWARDED_FOR``: ``True`` only behind a reverse proxy that sets
  ``X-Forwarded-For`` itself (default ``False``: ``REMOTE_ADDR``, which a client cannot forge).

A rejected request is not counted, so ``Retry-After`` tells the truth: a client that waits that long
gets through.

While Redis is unreachable (``registry.cache_backend``: refused, timed out, or skipped for a second
after a failure) each process counts on its own, with the same sliding window, in memory: every
limit still holds per worker process (the sign-in limit refuses the eleventh wrong password of a
minute), and no request fails because the limiter lost its counters. It says so once per outage in
the log; the shared counters take over again as soon as Redis answers.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from rest_framework import throttling as drf_throttling

from .cache_backend import CacheUnavailable

logger = logging.getLogger(__name__)

DEFAULT_PAGE_RATE = "300/min"
DEFAULT_API_ANON_RATE = "60/min"
DEFAULT_PAGE_RATE_SYNC_SECONDS = 0.25
DEFAULT_API_ANON_RATE_SYNC_SECONDS = 0.25
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


@functools.lru_cache(maxsize=64)
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


def sign_in_hit(request: HttpRequest) -> int | None:
    """Count one password (or second-factor code) try against the client's sign-in budget, shared by
    every sign-in form: None if it is allowed, else the seconds to wait."""
    return hit(f"sign-in:{client_ip(request)}", sign_in_rate())


def page_rate() -> Rate:
    return parse_rate(getattr(settings, "PORTAL_PAGE_RATE", DEFAULT_PAGE_RATE))


def page_rate_sync_seconds() -> float:
    return float(getattr(settings, "PORTAL_PAGE_RATE_SYNC_SECONDS", DEFAULT_PAGE_RATE_SYNC_SECONDS))


def api_anon_rate() -> Rate:
    return parse_rate(getattr(settings, "PUBLIC_API_ANON_RATE", DEFAULT_API_ANON_RATE))


def api_anon_rate_sync_seconds() -> float:
    return float(getattr(settings, "PUBLIC_API_ANON_RATE_SYNC_SECONDS", DEFAULT_API_ANON_RATE_SYNC_SECONDS))


def now() -> float:
    """The clock of the limiter (tests move it forward)."""
    return time.time()


def _ticks() -> float:
    """The clock of the batched limiter's syncs (tests move it forward)."""
    return time.monotonic()


# The registry's own network: hops between the trusted proxy and the client with these addresses
# are the registry's own (a load balancer behind the proxy), never the client.
_INTERNAL_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)
_FORWARDED_MAX = 1000  # characters of X-Forwarded-For read: a client may send any length
_HOPS_MAX = 20


def client_ip(request: HttpRequest) -> str:
    """The client's address, as every limit counts it.

    ``REMOTE_ADDR``; behind a trusted proxy (``PORTAL_TRUST_X_FORWARDED_FOR``), the right-most
    address of ``X-Forwarded-For`` that is not one of the registry's own hops. A proxy that
    overwrites the header writes only the client's address there; one that appends writes it last,
    so whatever a client puts in the header itself stays on its left and is never read. An entry
    that is not an address ends the search.

    An IPv6 client is counted per /64, since one host usually holds a whole /64; an IPv4-mapped
    IPv6 address counts as the IPv4 address.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    if not getattr(settings, "PORTAL_TRUST_X_FORWARDED_FOR", False):
        return _client_of("", remote_addr)
    return _client_of(request.META.get("HTTP_X_FORWARDED_FOR", "")[-_FORWARDED_MAX:], remote_addr)


def client_hash(request: HttpRequest) -> str:
    """``client_ip`` as a salted hash, for counters that must not keep the address itself."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{client_ip(request)}".encode()).hexdigest()[:32]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as proxies write it: bare, ``[v6]:port`` or ``v4:port``; None for anything else."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _bucket_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@functools.lru_cache(maxsize=4096)
def _client_of(forwarded: str, remote_addr: str) -> str:
    client = None
    for entry in reversed(forwarded.split(",")[-_HOPS_MAX:] if forwarded.strip() else []):
        address = _address(entry)
        if address is None:
            break
        client = address
        if not any(address in network for network in _INTERNAL_NETWORKS):
            break
    if client is None:
        client = _address(remote_addr)
    return "unknown" if client is None else _bucket_of(client)


def _redis_backend():
    """The default cache if it is Redis (``registry.cache_backend.RedisCache``), else None."""
    from django.core.cache import caches

    backend = caches["default"]
    return backend if hasattr(backend, "run") else None


# The counters while Redis cannot be reached: this process' memory, counted as in any other Django
# cache (``_count_in_cache``). Bounded: past MAX_ENTRIES, the least recently used third goes.
_local = LocMemCache("registry-throttling", {"OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 3}})
_counting_locally = False  # since the first count that Redis did not take; logged once per outage


def _count_locally(current_key: str, previous_key: str, ttl: int, add: int, carry: int) -> tuple[int, int]:
    global _counting_locally
    if not _counting_locally:
        _counting_locally = True
        logger.warning(
            "rate limiter: Redis is unavailable; every process counts its own requests until it answers"
        )
    return _count_in_cache(_local, current_key, previous_key, ttl, add, carry)


# Add ARGV[1] to this window's counter (setting its expiry when the window starts) and ARGV[3] to
# the previous window's (counts a worker kept while that window ended), else just read it: one
# command, one reply.
_COUNT_LUA = """
local current = redis.call('INCRBY', KEYS[1], ARGV[1])
if current == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
local previous
if tonumber(ARGV[3]) > 0 then
  previous = redis.call('INCRBY', KEYS[2], ARGV[3])
  if previous == tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
else
  previous = redis.call('GET', KEYS[2])
end
return {current, previous}
"""
_script: list = []  # the registered script, made once: it runs on whichever client it is given


def _count(
    current_key: str, previous_key: str, ttl: int, add: int = 1, carry: int = 0
) -> tuple[int, int, bool]:
    """Add ``add`` to this window's counter (and ``carry`` to the previous one's) and read both:
    one round trip on Redis. The last item says whether they were counted in this process' memory
    instead (Redis unavailable)."""
    global _counting_locally
    backend = _redis_backend()
    if backend is not None:
        keys = [backend.make_and_validate_key(current_key), backend.make_and_validate_key(previous_key)]

        def run_script(client):
            if not _script:
                _script.append(client.register_script(_COUNT_LUA))
            return _script[0](keys=keys, args=[add, ttl, carry], client=client)

        try:
            current, previous = backend.run(run_script)
        except CacheUnavailable:
            return (*_count_locally(current_key, previous_key, ttl, add, carry), True)
        if _counting_locally:
            _counting_locally = False
            logger.warning("rate limiter: Redis answers again; the limits are shared by every process again")
        return int(current), int(previous or 0), False
    return (*_count_in_cache(cache, current_key, previous_key, ttl, add, carry), False)


def _count_in_cache(
    store: BaseCache, current_key: str, previous_key: str, ttl: int, add: int, carry: int
) -> tuple[int, int]:
    """The counters in any other cache: local memory in development, or this process' while Redis
    is unavailable (``_local``)."""
    current = _incr(store, current_key, add, ttl)
    if carry:
        return current, _incr(store, previous_key, carry, ttl)
    return current, store.get(previous_key) or 0


def _incr(store: BaseCache, key: str, amount: int, ttl: int) -> int:
    try:
        return store.incr(key, amount)
    except ValueError:  # a new window: start its counter with its expiry
        store.add(key, 0, ttl)
        return store.incr(key, amount)


def _keys(bucket: str, rate: Rate, t: float) -> tuple[int, float, str, str]:
    window = int(t // rate.period)
    return (
        window,
        t - window * rate.period,
        f"rl:{bucket}:{rate.period}:{window}",
        f"rl:{bucket}:{rate.period}:{window - 1}",
    )


def _uncount(current_key: str, locally: bool = False) -> None:
    try:
        (_local if locally else cache).decr(current_key)
    except Exception:  # noqa: BLE001 - the refusal stands; the counter is one too high for a window
        logger.warning("rate limiter could not uncount a refused request", exc_info=True)


def _count_or_local(current_key: str, previous_key: str, ttl: int, add: int = 1, carry: int = 0):
    """``_count``; counted in this process on any error (a broken limiter must not fail the request)."""
    try:
        return _count(current_key, previous_key, ttl, add, carry)
    except Exception:  # noqa: BLE001 - a wrong reply or a bug: limit in this process, and say so
        logger.exception("rate limiter: the shared counters failed; counting in this process")
        return (*_count_in_cache(_local, current_key, previous_key, ttl, add, carry), True)


def hit(bucket: str, rate: Rate) -> int | None:
    """Count one request against ``bucket``: None if it is allowed, else the seconds to wait."""
    window, elapsed, current_key, previous_key = _keys(bucket, rate, now())
    current, previous, locally = _count_or_local(current_key, previous_key, 2 * rate.period + 1)
    if previous * (1 - elapsed / rate.period) + current <= rate.limit:
        return None
    _uncount(current_key, locally)
    return _wait(rate, previous, current - 1, elapsed)


@dataclass
class _Tally:
    """What this process knows of a bucket: the counters at the last sync, and its own since."""

    window: int
    synced_at: float  # time.monotonic()
    current: int
    previous: int
    pending: int = 0


_tallies: dict[str, _Tally] = {}
_tallies_lock = threading.Lock()
_TALLIES_MAX = 50_000


def hit_batched(bucket: str, rate: Rate, sync_seconds: float) -> int | None:
    """``hit``, counting in this process and adding its counts to Redis at most every ``sync_seconds``.

    Between syncs, a request is judged by the counters read at the last sync plus this process'
    own counts since, with no round trip; so the limit holds across workers give or take what the
    other workers let through in one interval. A refused request is not counted. With
    ``sync_seconds`` ≤ 0, or without Redis, this is ``hit``.
    """
    if sync_seconds <= 0:
        return hit(bucket, rate)
    window, elapsed, current_key, previous_key = _keys(bucket, rate, now())
    weight = 1 - elapsed / rate.period
    name = f"{bucket}:{rate.period}"
    started = _ticks()
    with _tallies_lock:
        tally = _tallies.get(name)  # kept only with Redis as the cache
        if tally is not None and tally.window == window and started - tally.synced_at < sync_seconds:
            if tally.previous * weight + tally.current + tally.pending + 1 <= rate.limit:
                tally.pending += 1
                return None
            return _wait(rate, tally.previous, tally.current + tally.pending, elapsed)
    if tally is None and _redis_backend() is None:
        return hit(bucket, rate)
    with _tallies_lock:
        tally = _tallies.get(name)
        add, carry = 1, 0
        if tally is not None:
            if tally.window == window:
                add += tally.pending
            elif tally.window == window - 1:
                carry = tally.pending
            tally.pending = 0
    current, previous, locally = _count_or_local(current_key, previous_key, 2 * rate.period + 1, add, carry)
    wait = None
    if previous * weight + current > rate.limit:
        _uncount(current_key, locally)
        current -= 1
        wait = _wait(rate, previous, current, elapsed)
    with _tallies_lock:
        if len(_tallies) >= _TALLIES_MAX:
            _tallies.clear()
        pending = 0
        tally = _tallies.get(name)
        if tally is not None and tally.window == window:
            pending = tally.pending  # counted by other threads while this one synced
        _tallies[name] = _Tally(window, started, current, previous, pending)
    return wait


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


# --- The API's throttles -------------------------------------------------------------------------


class _LimiterThrottle:
    """DRF's scopes, rates (``DEFAULT_THROTTLE_RATES``) and keys; counted by this module's limiter,
    with clients told apart by ``client_ip`` (DRF's own ``get_ident`` believes any X-Forwarded-For)."""

    _wait: int | None = None

    def get_ident(self, request) -> str:
        return client_ip(request)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self._wait = hit(key, Rate(self.num_requests, self.duration))
        return self._wait is None

    def wait(self) -> int | None:
        return self._wait


class AnonRateThrottle(_LimiterThrottle, drf_throttling.AnonRateThrottle):
    """Anonymous use of an API endpoint, per client address (rate ``anon``)."""


class UserRateThrottle(_LimiterThrottle, drf_throttling.UserRateThrottle):
    """API use per signed-in user, or per client address without one (rate ``user``)."""
