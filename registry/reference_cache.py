"""What each process builds from reference data (the search filters' choice lists), built once and
dropped in every process when that data changes.

The search page's filters list the provinces and prefectures in use and the lists in force. Built on
every request, those choice lists cost more than the search itself; the data behind them changes a
few times a year. So each process keeps what it built (``reference_memo``), under a *reference
generation*: a counter in the cache that every service changing that data bumps
(``reference_changed``: the division table's sync, a list's save). A kept value built under another
generation is never used again.

With one Redis server as the cache, the generation is read through the process' near cache
(``registry.near_cache``): Redis itself tells every process of a bump, so a page costs no round trip
and a change is seen everywhere within a fraction of a millisecond. While Redis is unreachable the
generation is unknown and nothing is kept: each request builds its choices again, as before.
"""

from __future__ import annotations

import functools
import itertools
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

from . import cache_backend
from .near_cache import NearCache, near_cache

T = TypeVar("T")

_KEY = "ref-gen:search"
_MEMO_MAX = 64  # values kept per memoised function: a few languages and arguments

# (the default cache's backend, its NearCache or None): worked out once, again when settings change.
_near_memo: tuple | None = None
_unknown = itertools.count(1)
_unsaved = False  # a bump Redis did not take: made again when it answers


def _near_setup() -> tuple:
    global _near_memo
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    near: NearCache | None = None
    if (
        getattr(settings, "CACHE_NEAR_GENERATIONS", True)
        and isinstance(backend, RedisCache)
        and len(backend._servers) == 1
    ):
        near = near_cache(backend._servers[0], backend.make_key(_KEY))
    _near_memo = (backend, near)
    return _near_memo


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    global _near_memo
    if setting in ("CACHES", "CACHE_NEAR_GENERATIONS"):
        _near_memo = None


def _first_generation() -> int:
    """A generation never used before, even after the cache was emptied or restarted (62 random
    bits): a value kept under an old generation is never taken for a new one."""
    return secrets.randbits(62) + 1


def _read() -> int:
    value = cache.get(_KEY)
    if value is None:
        if not getattr(cache, "available", True):  # Redis is down: not a missing key
            return -next(_unknown)
        cache.add(_KEY, _first_generation(), None)
        value = cache.get(_KEY)
        if value is None:  # lost again at once (Redis gone meanwhile): unknown
            return -next(_unknown)
    return value


def reference_generation() -> int:
    """The reference data's generation; negative, and never the same twice, while the cache is unreachable."""
    backend, near = _near_memo or _near_setup()
    if near is None:
        return _read()
    return near.get(backend.make_key(_KEY), _read, keep=lambda value: value is not None and value > 0)


def _bump() -> None:
    global _unsaved
    backend, near = _near_memo or _near_setup()
    try:
        cache.incr(_KEY)
    except ValueError:  # missing, or Redis did not answer
        if not cache.add(_KEY, _first_generation(), None):
            _unsaved = not getattr(cache, "available", True)
    if near is not None:
        near.forget(backend.make_key(_KEY))


def _bump_again() -> None:
    global _unsaved
    if _unsaved:
        _unsaved = False
        _bump()


cache_backend.on_recovery(_bump_again)


def forget_local() -> None:
    """Drop this process' copy of the generation (tests, after emptying the cache)."""
    backend, near = _near_memo or _near_setup()
    if near is not None:
        near.forget(backend.make_key(_KEY))


def reference_changed() -> None:
    """Say that reference data shown in choice lists changed: every process builds them again, once the
    transaction commits (and at once in this one, so a rolled-back change costs a rebuild, never a
    stale list)."""
    _bump()
    transaction.on_commit(_bump)


def reference_memo(func: Callable[..., T]) -> Callable[..., T]:
    """Keep ``func``'s answer per arguments in this process for as long as the reference generation
    stays the same (and nothing while it is unknown)."""
    memo: dict[tuple, T] = {}

    @functools.wraps(func)
    def wrapper(*args):
        generation = reference_generation()
        key = (generation, *args)
        try:
            return memo[key]
        except KeyError:
            pass
        value = func(*args)
        if generation > 0:
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            memo[key] = value
        return value

    wrapper.cache_clear = memo.clear  # type: ignore[attr-defined]
    return wrapper
