"""Django's Redis cache, with one Redis client per connection pool, that degrades instead of failing.

One client per pool: Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` on every
cache call; with redis-py 7 that costs about 0.1 ms (its response callbacks are set up each time),
more than a GET to a local Redis. A client is thread-safe and only borrows connections from its
pool, so one per pool serves every call of the process.

Degrading: the cache only ever speeds pages up, so Redis being unreachable must never fail a
request. While it is (refused, reset, timed out, loading, read-only, out of memory), the backend
behaves as an empty cache that keeps nothing: ``get`` answers the default, ``get_many`` ``{}``,
``add``/``touch``/``delete``/``has_key`` ``False``, ``set`` does nothing, ``set_many`` reports every
key as not stored, ``incr``/``decr`` raise ``ValueError`` (the key is missing, as Django's contract
says). ``clear`` alone still raises: nobody clears a cache from a request.

After a failure the backend does not even try Redis for ``RETRY_SECONDS`` (a circuit breaker,
shared by every thread of the process): then one call probes it, and the others keep skipping it
until the probe answers. So a dead Redis costs a page nothing but the database work, and a hung one
at most ``socket_timeout`` (``OPTIONS``, default 0.5 s) once per interval. The first failure of an
outage is logged once as a warning, and so is the recovery, with how long it lasted.

Code that talks to Redis itself (the rate limiter's script) goes through ``RedisCache.run``, under
the same breaker. Code that keeps things in the process because of what Redis said (pages kept per
process, the generations' near cache) registers ``on_recovery`` to forget them when Redis answers
again: Redis may have restarted empty meanwhile, and changes made during the outage were never
written to it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_SOCKET_TIMEOUT = 0.5  # seconds: a local Redis answers in well under a millisecond
DEFAULT_RETRY_SECONDS = 1.0

# Redis cannot serve now; anything else (a wrong type, a script error) is a bug and still raises.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,  # refused, reset, authentication, loading, too many connections
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,  # a replica after a failover
    redis_errors.OutOfMemoryError,  # maxmemory with noeviction
    redis_errors.TryAgainError,
    redis_errors.ClusterDownError,
    OSError,
)


_UNAVAILABLE = object()  # what ``RedisCache._guarded`` answers for a call Redis did not serve


class CacheUnavailable(Exception):
    """Redis did not answer (or is being skipped after a failure); raised only by ``RedisCache.run``."""


class Circuit:
    """Whether one Redis server is being skipped after a failure, shared by every thread."""

    def __init__(self, name: str, retry_seconds: float) -> None:
        self.name = name
        self.retry_seconds = retry_seconds
        # monotonic time until which calls skip Redis; 0.0 while it answers. The hot path reads only this.
        self.down_until = 0.0
        self.down_since = 0.0
        self.skipped = 0  # calls that did not try Redis, this outage
        self.failures = 0  # calls that tried and failed, this outage
        self._lock = threading.Lock()

    def skip(self) -> bool:
        """While down: True, except for one call per ``retry_seconds``, which probes Redis."""
        now = time.monotonic()
        if now < self.down_until:
            self.skipped += 1
            return True
        with self._lock:
            if not self.down_until:  # it answered meanwhile
                return False
            if now < self.down_until:  # another call is probing
                self.skipped += 1
                return True
            self.down_until = now + self.retry_seconds  # the others skip while this call probes
        return False

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            first = not self.down_since
            if first:
                self.down_since, self.skipped, self.failures = now, 0, 0
            self.failures += 1
            self.down_until = now + self.retry_seconds
        if first:
            logger.warning(
                "cache: Redis at %s is unreachable (%s: %s); pages are served without the cache until it answers",
                self.name,
                error.__class__.__name__,
                error,
            )

    def recovered(self) -> None:
        with self._lock:
            if not self.down_since:
                return
            lasted, skipped, failures = time.monotonic() - self.down_since, self.skipped, self.failures
            self.down_until = self.down_since = 0.0
        logger.warning(
            "cache: Redis at %s answers again after %.1f s (%d cache calls skipped, %d failed meanwhile)",
            self.name,
            lasted,
            skipped,
            failures,
        )
        redis_answers_again()

    @property
    def is_down(self) -> bool:
        return bool(self.down_until)


_circuits: dict[tuple[str, ...], Circuit] = {}
_circuits_lock = threading.Lock()
_recovery_callbacks: list[Callable[[], None]] = []


def circuit_for(servers: list[str] | tuple[str, ...], retry_seconds: float) -> Circuit:
    """The process' one circuit for these servers (Django makes one backend per thread)."""
    key = tuple(servers)
    with _circuits_lock:
        circuit = _circuits.get(key)
        if circuit is None:
            circuit = _circuits[key] = Circuit(",".join(_without_password(s) for s in servers), retry_seconds)
        circuit.retry_seconds = retry_seconds
    return circuit


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = rest.rsplit("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def on_recovery(callback: Callable[[], None]) -> None:
    """Call ``callback()`` whenever Redis answers again after an outage this process noticed."""
    if callback not in _recovery_callbacks:
        _recovery_callbacks.append(callback)


def redis_answers_again() -> None:
    """Run the ``on_recovery`` callbacks: a breaker closed, or the near cache reconnected."""
    for callback in list(_recovery_callbacks):
        try:
            callback()
        except Exception:  # noqa: BLE001 - one callback must not stop the others
            logger.exception("cache: a recovery callback failed")


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with ``RedisCacheClient`` above, degrading
    to an empty cache while Redis is unreachable (see the module).

    ``OPTIONS`` default to ``socket_connect_timeout`` and ``socket_timeout`` of 0.5 s; the breaker's
    interval is the cache's ``RETRY_SECONDS`` (default 1).
    """

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._options = {
            "socket_connect_timeout": DEFAULT_SOCKET_TIMEOUT,
            "socket_timeout": DEFAULT_SOCKET_TIMEOUT,
            **self._options,
        }
        self.circuit = circuit_for(self._servers, float(params.get("RETRY_SECONDS", DEFAULT_RETRY_SECONDS)))

    @property
    def available(self) -> bool:
        """False while Redis is being skipped after a failure."""
        return not self.circuit.down_until

    def run(self, operation: Callable[[Any], T]) -> T:
        """``operation(client)`` on the raw Redis client, under the breaker; ``CacheUnavailable`` if
        Redis is being skipped or did not answer."""
        result = self._guarded(_UNAVAILABLE, operation, self._cache.get_client(None, write=True))
        if result is _UNAVAILABLE:
            raise CacheUnavailable(self.circuit.name)
        return result

    def get_and_note(self, key: str, note: str, timeout: int) -> tuple[Any, bool]:
        """``get(key)``, and set ``note`` (for ``timeout`` seconds) unless it is set already, in one
        round trip: (the value or None, whether ``note`` was set before). ``(None, False)`` while Redis
        is being skipped or fails."""
        made_key, made_note = self.make_key(key), self.make_key(note)

        def both(client):
            pipe = client.pipeline(transaction=False)
            pipe.get(made_key)
            pipe.set(made_note, 1, nx=True, ex=timeout)
            return pipe.execute()

        try:
            raw, noted_now = self.run(both)
        except CacheUnavailable:
            return None, False
        value = None if raw is None else self._cache._serializer.loads(raw)
        return value, not noted_now

    # Every method the same way (``_guarded``): an empty cache's answer while Redis is skipped or fails.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guarded(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guarded(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        result = self._guarded(_UNAVAILABLE, super().incr, key, delta, version)
        if result is _UNAVAILABLE:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guarded(None, super().delete_many, keys, version)

    def _guarded(self, default, method, *args):
        """``method(*args)``: skip Redis while the breaker is open; on an outage error, open it and
        answer ``default``; a probe that succeeds closes it. ``down`` is read first, so a call that
        began before a failure elsewhere does not close the breaker that failure opened."""
        circuit = self.circuit
        down = circuit.down_until
        if down and circuit.skip():
            return default
        try:
            result = method(*args)
        except OUTAGE_ERRORS as error:
            circuit.failed(error)
            return default
        if down:
            circuit.recovered()
        return result
