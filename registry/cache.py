"""Cache invalidation for everything shown about an enterprise (credit page, badges, API).

Readers build cache keys with ``enterprise_generation(id)``; every service that changes what is
public about an enterprise calls ``enterprise_changed(id)`` — which bumps the generation once the
transaction commits — so no cached answer outlives a change. Keys also carry the date, since a
record leaves public view at midnight when its publicity ends.

With Redis as the cache, each process keeps the generations it has read (``registry.near_cache``):
Redis tells every process of every change to them, so a cached page costs no round trip at all.

While Redis is unreachable (``registry.cache_backend``) a generation is unknown: each read answers a
new negative number, so no key built from it is ever found again and every page is rendered from
the database. A bump that Redis did not take is kept in the process and made again when Redis
answers, so no page cached before the outage outlives a change made during it.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from redis.exceptions import ResponseError

from . import cache_backend
from .db_router import after_replicas_replay
from .near_cache import NearCache, near_cache
from .profiles.store import profiles_invalidate

_KEY = "ent-gen:{}"


def enterprise_generation_key(enterprise_id: int) -> str:
    """The cache key of the generation, for readers that fetch it together with other keys.

    A missing key means generation 1 (the first bump makes it 2).
    """
    return _KEY.format(enterprise_id)


# (the default cache's backend, its NearCache or None): worked out once, again when settings change.
_near_memo: tuple | None = None


def generations_near_cache() -> NearCache | None:
    """The process' copy of the generations: with a single Redis server as the cache, unless
    ``CACHE_NEAR_GENERATIONS`` is off."""
    memo = _near_memo
    if memo is None:
        memo = _near_setup()
    return memo[1]


def _near_setup() -> tuple:
    global _near_memo
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    near = None
    # One server only: with replicas, Django reads from a replica, which may not have a change yet
    # when the primary's invalidation message arrives.
    if (
        getattr(settings, "CACHE_NEAR_GENERATIONS", True)
        and isinstance(backend, RedisCache)
        and len(backend._servers) == 1
    ):
        near = near_cache(backend._servers[0], backend.make_key(_KEY.format("")))
    _near_memo = (backend, near)
    return _near_memo


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    global _near_memo
    if setting in ("CACHES", "CACHE_NEAR_GENERATIONS"):
        _near_memo = None


_unknown = itertools.count(1)


def _read_generation(key: str) -> int:
    run = getattr(cache, "run", None)  # Redis (registry.cache_backend): one round trip, not two
    if run is not None:
        made = cache.make_key(key)
        try:
            # SET NX GET (Redis 7): 1 stored if missing, so that a bump's INCR finds it; the old value.
            old = run(lambda client: client.set(made, 1, nx=True, get=True))
        except cache_backend.CacheUnavailable:
            return -next(_unknown)
        except ResponseError:  # a Redis before 7.0: NX and GET together are refused
            pass
        else:
            return 1 if old is None else int(old)
    value = cache.get(key)
    if value is None:
        if not getattr(cache, "available", True):  # Redis is down: not a missing key
            return -next(_unknown)
        value = 1
        cache.add(key, value, None)
    return value


def _known(value) -> bool:
    return value is not None and value > 0


def enterprise_generation(enterprise_id: int) -> int:
    """The enterprise's generation; negative, and never the same twice, while the cache is unreachable."""
    key = _KEY.format(enterprise_id)
    memo = _near_memo or _near_setup()
    if memo[1] is None:
        return _read_generation(key)
    return memo[1].get(memo[0].make_key(key), lambda: _read_generation(key), keep=_known)


# Enterprises whose bump Redis did not take: bumped again when it answers (``_bump_again``).
_unsaved: set[int] = set()
_unsaved_lock = threading.Lock()


_PIPELINE = 1_000  # generations bumped per Redis round trip


def _bump_pipelined(run, keys: list[str]) -> None:
    """Every key bumped with Redis, a thousand to a round trip: a missing key (generation 1) is
    stored as 1 and then incremented, as ``cache.incr`` and ``cache.set(key, 2)`` do one by one."""

    def bump(client) -> None:
        for start in range(0, len(keys), _PIPELINE):
            pipe = client.pipeline(transaction=False)
            for made in keys[start : start + _PIPELINE]:
                pipe.set(made, 1, nx=True)
                pipe.incr(made)
            pipe.execute()

    run(bump)


def _bump(ids: list[int]) -> None:
    near = generations_near_cache()
    run = getattr(cache, "run", None)  # Redis (registry.cache_backend): pipelined, not 2 trips a key
    if run is not None and len(ids) > 1:
        made = [cache.make_key(_KEY.format(enterprise_id)) for enterprise_id in ids]
        # Unavailable: kept below, bumped again when Redis answers.
        with contextlib.suppress(cache_backend.CacheUnavailable):
            _bump_pipelined(run, made)
        if near is not None:
            for key in made:
                near.forget(key)
    else:
        for enterprise_id in ids:
            key = _KEY.format(enterprise_id)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 2, None)
            if near is not None:
                near.forget(cache.make_key(key))
    if not getattr(cache, "available", True):
        with _unsaved_lock:
            _unsaved.update(ids)


def _bump_again() -> None:
    with _unsaved_lock:
        ids = sorted(_unsaved)
        _unsaved.clear()
    if ids:
        _bump(ids)


cache_backend.on_recovery(_bump_again)


def enterprise_changed(*enterprise_ids: int | Iterable[int]) -> None:
    """Invalidate cached views of these enterprises, now and again when the transaction commits."""
    ids: list[int] = []
    for item in enterprise_ids:
        ids.extend(item if isinstance(item, list | tuple | set) else [item])
    if not ids:
        return
    # The enterprises' public profiles (pages rendered ahead of their first view) are emptied in
    # this transaction: none is shown once the change commits.
    profiles_invalidate(ids)
    _bump(ids)
    transaction.on_commit(lambda: _bump(ids))
    # With read replicas, once more when they have replayed it: a page read from one before then
    # (under the generation just bumped) is not kept (registry/db_router.py).
    after_replicas_replay(lambda: _bump(ids))


def enterprise_cache_key(prefix: str, enterprise_id: int, *parts: object) -> str:
    today = timezone.localdate().isoformat()
    tail = ":".join(str(p) for p in parts)
    return f"{prefix}:{enterprise_id}:{enterprise_generation(enterprise_id)}:{today}:{tail}"
