"""Without Redis (development, and the tests without REDIS_URL) the cache is Django's local memory:
sized so that it never culls the enterprises' generations, which would bring back older pages."""

from __future__ import annotations

from django.core.cache import cache
from django.test import override_settings

from config.settings.base import LOCAL_CACHE
from registry import cache as registry_cache


def test_no_generation_is_lost_when_the_local_cache_fills_with_pages():
    with override_settings(CACHES={"default": LOCAL_CACHE}):
        cache.clear()
        ids = list(range(1, 2001))
        registry_cache._bump(ids)  # what the demo seed does for its enterprises
        for n in range(3000):
            cache.set(f"page:{n}", "<html>…</html>")
        assert {registry_cache.enterprise_generation(pk) for pk in ids} == {2}
        cache.clear()
