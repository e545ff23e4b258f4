"""The fault tests' own servers: a Redis and a PostgreSQL that the tests start, kill and restart.

``redis_server`` is a fresh ``redis-server`` per test; ``cache_on_private_redis`` points the default
cache (and with it the rate limiter and the generations' near cache) at it, with every per-process
layer emptied before and after. ``postgres_server`` is one cluster for the module.
"""

from __future__ import annotations

import pytest

from tests.faults.servers import PostgresServer, RedisServer


def _forget_process_state() -> None:
    from lookup import views as lookup_views
    from lookup.badges import services as badge_services
    from lookup.badges import verification
    from registry import cache as registry_cache
    from registry import throttling

    lookup_views._LOCAL_PAGES.clear()
    verification.local_clear()
    badge_services._pending.clear()
    throttling._tallies.clear()
    throttling._local.clear()
    throttling._counting_locally = False
    registry_cache._unsaved.clear()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def cache_on_private_redis(redis_server, settings):
    """The default cache on the test's own Redis, as production has it (near cache included)."""
    from django.core.cache import caches

    from registry import near_cache

    settings.CACHES = {
        "default": {
            "BACKEND": "registry.cache_backend.RedisCache",
            "LOCATION": redis_server.url(),
            "KEY_PREFIX": "faults",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            "RETRY_SECONDS": 0.5,
        }
    }
    _forget_process_state()
    yield caches["default"]
    for (url, _prefix), near in list(near_cache._instances.items()):
        if url == redis_server.url():
            near.stop()
            near_cache._instances.pop((url, _prefix), None)
    _forget_process_state()


@pytest.fixture(scope="module")
def postgres_server():
    server = PostgresServer().init().start()
    yield server
    server.remove()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
