"""A per-process copy of small, hot cache values, kept fresh by Redis itself (server-assisted
client-side caching, https://redis.io/docs/latest/develop/reference/client-side-caching/).

The enterprises' cache generations (``registry.cache``) are read on every credit page and every
badge scan, and change rarely. Reading them from Redis each time is a network round trip, most of
what a cached page costs. Instead each process keeps the values it has read, and a daemon thread
holds one connection to Redis that switched on ``CLIENT TRACKING ON REDIRECT <itself> BCAST PREFIX
<the keys' prefix>`` and subscribed to ``__redis__:invalidate``: from then on Redis itself sends it
the name of every key under that prefix that changes (set, incremented, expired, evicted, flushed),
whoever changed it. (Redis 6 or later; RESP2 is enough.)

The thread drops each named key from the copy. A change made in this process is dropped at once
(``forget``), without waiting for the message. A value read from Redis is kept only if no
invalidation arrived while it was being read (no stale value can slip in after its invalidation),
and nothing is kept while the connections are not confirmed working: on any error the copy is
emptied and every read goes to Redis until the thread has reconnected. The connection is pinged
every few seconds, so one that died silently (no reset) is found within ``3 × _HEALTH_SECONDS``.

Another process sees a change once Redis' invalidation message has reached it: on one machine,
well under a millisecond after the write, before the writer's request has even answered.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_CHANNEL = "__redis__:invalidate"
_HEALTH_SECONDS = 5.0
_MAX_VALUES = 100_000  # about 10 MB of generations per process at most


class NearCache:
    """Values of the Redis keys starting with ``prefix`` (full Redis key names), kept per process."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {}
        self._seq = 0  # bumped by every invalidation and every (re)connection
        self._healthy = False
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.connection_id: int | None = None  # Redis' id of the listening connection

    # --- readers ---------------------------------------------------------------------------------

    def get(self, key: str, fetch: Callable[[], Any], keep: Callable[[Any], bool] | None = None) -> Any:
        """The value of ``key``: from this process' copy when it has a valid one, else ``fetch()``,
        kept unless it is None or ``keep(value)`` says not to (a value made up while Redis is down)."""
        if self._pid != os.getpid():
            self._start()
        if self._healthy:
            value = self._values.get(key)
            if value is not None:
                return value
        seq = self._seq
        value = fetch()
        if value is not None and (keep is None or keep(value)):
            with self._lock:
                if self._healthy and self._seq == seq:
                    if len(self._values) >= _MAX_VALUES:
                        self._values.clear()
                    self._values[key] = value
        return value

    def forget(self, *keys: str) -> None:
        """Drop keys this process has just changed (their invalidation message is on its way)."""
        with self._lock:
            self._seq += 1
            for key in keys:
                self._values.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._seq += 1
            self._values.clear()

    @property
    def healthy(self) -> bool:
        return self._healthy

    def wait_healthy(self, timeout: float = 5.0) -> bool:
        """Start the thread if needed and wait until it is subscribed (for tests and readiness)."""
        if self._pid != os.getpid():
            self._start()
        deadline = time.monotonic() + timeout
        while not self._healthy and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._healthy

    # --- the invalidation thread -------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            # A forked child inherits the parent's copy but not its thread: start afresh.
            self._pid = os.getpid()
            self._values = {}
            self._seq += 1
            self._healthy = False
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="near-cache-invalidation", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout=2 * _HEALTH_SECONDS)
        self._set_unhealthy()
        self._pid = None

    def _set_unhealthy(self) -> None:
        with self._lock:
            self._healthy = False
            self._seq += 1
            self._values.clear()

    def _invalidate(self, keys) -> None:
        with self._lock:
            self._seq += 1
            if keys is None:  # FLUSHDB / FLUSHALL
                self._values.clear()
                return
            for key in keys:
                self._values.pop(key.decode() if isinstance(key, bytes) else key, None)

    def _run(self) -> None:
        backoff, quiet = 0.1, False
        while not self._stop.is_set():
            try:
                self._listen(restored=quiet)
            except Exception:  # noqa: BLE001 - any failure: forget everything, reconnect
                if self._healthy:  # it worked until now: retry soon, and say so once
                    backoff, quiet = 0.1, False
                (logger.debug if quiet else logger.warning)(
                    "near cache: no invalidation connection to Redis; reading through", exc_info=True
                )
                quiet = True
            self._set_unhealthy()
            self._stop.wait(backoff)
            backoff = min(backoff * 2, _HEALTH_SECONDS)

    def _listen(self, restored: bool = False) -> None:
        import redis

        pool = redis.ConnectionPool.from_url(self.url, socket_timeout=_HEALTH_SECONDS, socket_keepalive=True)
        connection = pool.make_connection()
        try:
            connection.connect()
            connection.send_command("CLIENT", "ID")
            self.connection_id = connection.read_response()
            # Tracking redirected to this very connection, then subscribed: one connection that
            # cannot lose its tracking without this thread seeing the connection fail.
            connection.send_command(
                "CLIENT", "TRACKING", "ON", "REDIRECT", self.connection_id, "BCAST", "PREFIX", self.prefix
            )
            if connection.read_response() not in (b"OK", "OK"):
                raise RuntimeError("CLIENT TRACKING was refused")
            connection.send_command("SUBSCRIBE", _CHANNEL)
            connection.read_response()
            with self._lock:
                self._seq += 1
                self._values.clear()
                self._healthy = True
            if restored:
                logger.warning("near cache: invalidation connection to Redis restored; keeping values again")
                from .cache_backend import redis_answers_again

                redis_answers_again()
            last_pong = time.monotonic()
            next_ping = last_pong + _HEALTH_SECONDS
            while not self._stop.is_set():
                if connection.can_read(timeout=1.0):
                    message = connection.read_response()
                    kind = message[0] if isinstance(message, list) and message else None
                    if kind in (b"message", "message"):
                        self._invalidate(message[2])
                    elif kind in (b"pong", "pong"):
                        last_pong = time.monotonic()
                now = time.monotonic()
                if now >= next_ping:
                    connection.send_command("PING")
                    next_ping = now + _HEALTH_SECONDS
                if now - last_pong > 3 * _HEALTH_SECONDS:
                    raise RuntimeError("the invalidation connection stopped answering PING")
        finally:
            with contextlib.suppress(Exception):  # closing a broken connection
                connection.disconnect()
            pool.disconnect()


_instances: dict[tuple[str, str], NearCache] = {}
_instances_lock = threading.Lock()


def near_cache(url: str, prefix: str) -> NearCache:
    """The process' near cache for keys under ``prefix`` on the Redis at ``url``."""
    key = (url, prefix)
    found = _instances.get(key)
    if found is None:
        with _instances_lock:
            found = _instances.setdefault(key, NearCache(url, prefix))
    return found
