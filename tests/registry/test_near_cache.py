"""The per-process copy of the enterprises' cache generations, kept fresh by Redis (registry.near_cache).

Runs against a real Redis (REDIS_URL, else 127.0.0.1:6379); in CI a missing Redis fails the tests.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
from django.test import override_settings

from registry.near_cache import NearCache
from tests.conftest import TEST_REDIS_URL as REDIS_URL


@pytest.fixture
def near(redis_client, monkeypatch):
    """A near cache that also records the keys Redis names in its invalidations (``named``): a
    FLUSHDB anywhere on the server (another test process emptying its own cache) reaches every
    tracking client too, as "forget everything", so a change of ``_seq`` alone says little."""
    prefix = f"test-near-{uuid.uuid4().hex[:8]}:"
    cache = NearCache(REDIS_URL, prefix)
    cache.named = []
    invalidate = cache._invalidate

    def recorded(keys) -> None:
        cache.named.extend(key.decode() for key in keys or ())
        invalidate(keys)

    monkeypatch.setattr(cache, "_invalidate", recorded)
    assert cache.wait_healthy(), "the invalidation thread did not subscribe"
    yield cache
    cache.stop()
    keys = redis_client.keys(prefix + "*")
    if keys:
        redis_client.delete(*keys)


def _read(client, key):
    calls = []

    def fetch():
        calls.append(key)
        value = client.get(key)
        return None if value is None else int(value)

    return fetch, calls


def _set(near, client, key, value) -> None:
    """Set a key as another client would, and wait for that change's own invalidation to arrive
    (else it could arrive during the first read, which then, rightly, would not be kept)."""
    before = near.named.count(key)
    client.set(key, value)
    _until(lambda: near.named.count(key) > before)


def _until(condition, timeout=2.0) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "no invalidation arrived"
        time.sleep(0.001)
    return time.monotonic() - started


def test_a_value_is_read_once_then_served_from_the_process(near, redis_client):
    key = near.prefix + "1"
    _set(near, redis_client, key, 5)
    fetch, calls = _read(redis_client, key)
    assert near.get(key, fetch) == 5
    assert near.get(key, fetch) == 5
    assert near.get(key, fetch) == 5
    assert len(calls) == 1


def test_a_change_by_any_other_client_reaches_the_copy_within_milliseconds(near, redis_client):
    key = near.prefix + "2"
    _set(near, redis_client, key, 1)
    fetch, calls = _read(redis_client, key)
    assert near.get(key, fetch) == 1
    redis_client.incr(key)  # another process' connection, which knows nothing of the copy
    waited = _until(lambda: near.get(key, fetch) == 2)
    assert waited < 0.5
    assert len(calls) == 2


def test_another_process_bumping_a_generation_is_seen_here(near, redis_client):
    key = near.prefix + "3"
    redis_client.set(key, 7)
    fetch, _calls = _read(redis_client, key)
    assert near.get(key, fetch) == 7
    script = f"import redis; redis.Redis.from_url({REDIS_URL!r}).incr({key!r})"
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
    _until(lambda: near.get(key, fetch) == 8)


def test_keys_outside_the_prefix_are_not_kept_track_of(near, redis_client):
    """Only the keys Redis names are looked at (see ``near``)."""
    other = f"other-{uuid.uuid4().hex[:8]}"
    inside = near.prefix + "4"
    try:
        redis_client.set(other, 1)
        redis_client.incr(other)
        # Invalidations arrive in order: once this one has, one for ``other`` would have too.
        redis_client.set(inside, 1)
        _until(lambda: inside in near.named)
        assert other not in near.named
    finally:
        redis_client.delete(other)


def test_a_value_read_while_it_changed_is_not_kept(near, redis_client):
    key = near.prefix + "4"
    redis_client.set(key, 1)
    seen = []

    def racing_fetch():
        value = int(redis_client.get(key))
        redis_client.incr(key)  # changed after the read, before the copy keeps it
        _until(lambda: near._seq != seen[0])  # its invalidation has arrived
        return value

    seen.append(near._seq)
    assert near.get(key, racing_fetch) == 1  # what was true when read …
    fetch, calls = _read(redis_client, key)
    assert near.get(key, fetch) == 2  # … but not kept: the next read goes to Redis
    assert calls == [key]


def test_a_flush_empties_the_copy(near, redis_client):
    key = near.prefix + "5"
    redis_client.set(key, 3)
    fetch, calls = _read(redis_client, key)
    near.get(key, fetch)
    seq = near._seq
    redis_client.flushdb()
    _until(lambda: near._seq != seq)
    assert near.get(key, fetch) is None
    assert len(calls) == 2


def test_losing_the_connection_empties_the_copy_and_reads_go_to_redis_until_it_is_back(near, redis_client):
    key = near.prefix + "6"
    redis_client.set(key, 1)
    fetch, calls = _read(redis_client, key)
    near.get(key, fetch)
    assert redis_client.client_kill_filter(_id=near.connection_id) == 1
    _until(lambda: not near.healthy or len(near._values) == 0)
    redis_client.incr(key)  # a change while nobody listens: must not be missed
    assert near.get(key, fetch) == 2
    assert near.wait_healthy()
    assert near.get(key, fetch) == 2
    redis_client.incr(key)
    _until(lambda: near.get(key, fetch) == 3)


def test_a_change_made_in_this_process_is_seen_at_once(near, redis_client):
    key = near.prefix + "7"
    redis_client.set(key, 1)
    fetch, _calls = _read(redis_client, key)
    near.get(key, fetch)
    redis_client.incr(key)
    near.forget(key)  # what registry.cache does right after its own bump
    assert near.get(key, fetch) == 2


@pytest.mark.django_db
def test_generations_use_the_copy_and_stay_fresh(redis_cache, redis_client):
    from registry import cache as registry_cache

    near = registry_cache.generations_near_cache()
    assert near is not None and near.wait_healthy()
    first = registry_cache.enterprise_generation(41)
    assert registry_cache.enterprise_generation(41) == first
    # Another process bumps it (a Celery worker, another gunicorn worker):
    redis_client.incr(redis_cache.make_key(registry_cache.enterprise_generation_key(41)))
    _until(lambda: registry_cache.enterprise_generation(41) == first + 1)
    # This process bumps it: seen at once, with no message to wait for.
    registry_cache._bump([41])
    assert registry_cache.enterprise_generation(41) == first + 2
    with override_settings(CACHE_NEAR_GENERATIONS=False):
        assert registry_cache.generations_near_cache() is None


def test_no_copy_with_replicas_or_without_redis(redis_client):
    from registry import cache as registry_cache

    replicas = {
        "default": {
            "BACKEND": "registry.cache_backend.RedisCache",
            "LOCATION": [REDIS_URL, REDIS_URL],  # a primary and a replica Django would read from
        }
    }
    with override_settings(CACHES=replicas):
        assert registry_cache.generations_near_cache() is None
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=local):
        assert registry_cache.generations_near_cache() is None


@pytest.mark.django_db
def test_bumping_many_generations_at_once_is_the_same_as_one_by_one(redis_cache, redis_client, monkeypatch):
    """Many enterprises bumped together (a bulk seed, a rating chunk) go to Redis pipelined, a thousand
    to a round trip; each ends where single bumps would leave it: a missing generation (1) at 2, a
    stored one one higher; and the process' copy does not keep the old value."""
    from registry import cache as registry_cache

    monkeypatch.setattr(registry_cache, "_PIPELINE", 3)  # several round trips for a few ids
    near = registry_cache.generations_near_cache()
    assert near is not None and near.wait_healthy()
    key = lambda pk: redis_cache.make_key(registry_cache.enterprise_generation_key(pk))  # noqa: E731
    redis_client.set(key(7), 5)
    ids = [7, 8, 9, 10, 11, 12, 13]
    assert registry_cache.enterprise_generation(7) == 5  # now in the process' copy
    assert registry_cache.enterprise_generation(9) == 1  # missing: stored as 1 by the read
    sent = []
    original = registry_cache._bump_pipelined
    monkeypatch.setattr(
        registry_cache, "_bump_pipelined", lambda run, keys: (sent.append(len(keys)), original(run, keys))
    )
    registry_cache._bump(ids)
    assert sent == [len(ids)]
    assert [int(redis_client.get(key(pk))) for pk in ids] == [6, 2, 2, 2, 2, 2, 2]
    assert registry_cache.enterprise_generation(7) == 6  # seen at once, with no message to wait for
    assert registry_cache.enterprise_generation(9) == 2
    registry_cache._bump([8])  # a single id: as before, one by one
    registry_cache._bump(ids[:2])
    assert [int(redis_client.get(key(pk))) for pk in ids[:3]] == [7, 4, 2]
