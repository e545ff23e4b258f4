"""Cache invalidation for everything shown about an enterprise (credit page, badges, API).

Readers build cache keys with ``enterprise_generation(id)``; every service that changes what is
public about an enterprise calls ``enterprise_changed(id)`` — which bumps the generation once the
transaction commits — so no cached answer outlives a change. Keys also carry the date, since a
record leaves public view at midnight when its publicity ends.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

_KEY = "ent-gen:{}"


def enterprise_generation_key(enterprise_id: int) -> str:
    """The cache key of the generation, for readers that fetch it together with other keys.

    A missing key means generation 1 (the first bump makes it 2).
    """
    return _KEY.format(enterprise_id)


def enterprise_generation(enterprise_id: int) -> int:
    value = cache.get(_KEY.format(enterprise_id))
    if value is None:
        value = 1
        cache.add(_KEY.format(enterprise_id), value, None)
    return value


def _bump(ids: list[int]) -> None:
    for enterprise_id in ids:
        key = _KEY.format(enterprise_id)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 2, None)


def enterprise_changed(*enterprise_ids: int | Iterable[int]) -> None:
    """Invalidate cached views of these enterprises, now and again when the transaction commits."""
    ids: list[int] = []
    for item in enterprise_ids:
        ids.extend(item if isinstance(item, list | tuple | set) else [item])
    if not ids:
        return
    _bump(ids)
    transaction.on_commit(lambda: _bump(ids))


def enterprise_cache_key(prefix: str, enterprise_id: int, *parts: object) -> str:
    today = timezone.localdate().isoformat()
    tail = ":".join(str(p) for p in parts)
    return f"{prefix}:{enterprise_id}:{enterprise_generation(enterprise_id)}:{today}:{tail}"
