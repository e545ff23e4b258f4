"""Rate limits: per address for anonymous use, per key for developers, generous for pages;
429 with a truthful Retry-After, and recovery once the client waits."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from lookup.developer_keys import developer_key_issue, developer_key_revoke
from registry import throttling
from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.django_db]

# The page limiter is in the project's middleware; these tests give it a small rate.
WITH_PAGE_LIMIT = settings.MIDDLEWARE
assert "lookup.middleware.PageRateLimitMiddleware" in WITH_PAGE_LIMIT


class Clock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch):
    cache.clear()
    clock = Clock()
    monkeypatch.setattr(throttling, "now", clock)
    yield clock
    cache.clear()


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="杭州西湖建设工程有限公司")


def test_rates_parse():
    assert throttling.parse_rate("60/min") == throttling.Rate(60, 60)
    assert throttling.parse_rate("5/10s") == throttling.Rate(5, 10)
    assert throttling.parse_rate("1000/hour") == throttling.Rate(1000, 3600)
    for bad in ("", "abc", "0/min", "5/fortnight"):
        with pytest.raises(ValueError):
            throttling.parse_rate(bad)


def test_client_address_ignores_forwarded_for_unless_the_proxy_is_trusted(rf):
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    assert throttling.client_ip(request) == "10.0.0.5"
    with override_settings(PORTAL_TRUST_X_FORWARDED_FOR=True):
        assert throttling.client_ip(request) == "203.0.113.9"
        forged = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-address")
        assert throttling.client_ip(forged) == "10.0.0.5"
    v6 = rf.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    assert throttling.client_ip(v6) == "2001:db8:1:2::/64"


@override_settings(PUBLIC_API_ANON_RATE="3/min")
def test_anonymous_api_use_gets_429_with_retry_after_and_recovers(api, enterprise, clock):
    url = f"/api/v1/public/enterprises/{enterprise.uscc}/"
    assert [api.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get(url)
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 120  # a sliding window: the last minute still weighs in part
    assert refused.json()["detail"]
    clock.advance(wait - 1)
    assert api.get(url).status_code == 429  # not yet
    clock.advance(1)
    assert api.get(url).status_code == 200  # Retry-After told the truth


@override_settings(PUBLIC_API_ANON_RATE="3/min")
def test_each_address_has_its_own_allowance(api, enterprise, clock):
    url = f"/api/v1/public/enterprises/{enterprise.uscc}/"
    for _ in range(3):
        api.get(url, REMOTE_ADDR="198.51.100.1")
    assert api.get(url, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert api.get(url, REMOTE_ADDR="198.51.100.2").status_code == 200


@override_settings(PUBLIC_API_ANON_RATE="3/min")
def test_a_developer_key_has_a_higher_quota_than_anonymous_use(api, enterprise, clock, registry_admin):
    _row, key = developer_key_issue(
        actor=registry_admin, name="信用地图", contact_email="dev@example.com", requests_per_minute=8
    )
    url = f"/api/v1/public/enterprises/{enterprise.uscc}/standing/"
    anonymous = [api.get(url).status_code for _ in range(8)]
    keyed = [api.get(url, HTTP_X_API_KEY=key).status_code for _ in range(9)]
    assert anonymous.count(200) == 3
    assert keyed.count(200) == 8 and keyed[-1] == 429
    clock.advance(120)
    assert api.get(url, HTTP_X_API_KEY=key).status_code == 200


def test_a_revoked_key_is_refused_not_downgraded(api, enterprise, clock, registry_admin):
    row, key = developer_key_issue(actor=registry_admin, name="信用地图", contact_email="dev@example.com")
    url = f"/api/v1/public/enterprises/{enterprise.uscc}/"
    assert api.get(url, HTTP_X_API_KEY=key).status_code == 200
    developer_key_revoke(actor=registry_admin, key=row)
    assert api.get(url, HTTP_X_API_KEY=key).status_code == 401


def test_the_sliding_window_counts_the_previous_minute_in_part(clock):
    rate = throttling.Rate(10, 60)
    clock.t = 60 * 1000 + 59  # the last second of a window
    assert all(throttling.hit("t", rate) is None for _ in range(10))
    clock.advance(2)  # one second into the next window: the previous one still weighs 58/60
    wait = throttling.hit("t", rate)
    assert wait is not None and wait > 1
    clock.advance(wait)
    assert throttling.hit("t", rate) is None


@override_settings(MIDDLEWARE=WITH_PAGE_LIMIT, PORTAL_PAGE_RATE="3/min")
def test_pages_get_a_friendly_429_page_and_recover(client, enterprise, clock):
    url = f"/enterprises/{enterprise.uscc}/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url, HTTP_COOKIE="django_language=en")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    content = refused.content.decode()
    assert "Please slow down" in content and "/api/docs/" in content and 'role="main"' in content
    assert client.get("/healthz").status_code == 200  # not a portal page: never limited here
    clock.advance(int(refused["Retry-After"]))
    assert client.get(url).status_code == 200


@override_settings(MIDDLEWARE=WITH_PAGE_LIMIT, PORTAL_PAGE_RATE="3/min", PUBLIC_API_ANON_RATE="100/min")
def test_the_page_limit_does_not_spend_the_api_allowance(client, api, enterprise, clock):
    for _ in range(4):
        client.get("/")
    assert client.get("/").status_code == 429
    assert api.get(f"/api/v1/public/enterprises/{enterprise.uscc}/").status_code == 200


@override_settings(MIDDLEWARE=WITH_PAGE_LIMIT)
def test_a_person_clicking_normally_never_meets_the_page_limit(client, enterprise, clock):
    for _ in range(60):  # a page a second for a whole minute
        assert client.get(f"/enterprises/{enterprise.uscc}/").status_code == 200
        clock.advance(1)


def test_counters_live_in_redis_when_it_is_the_cache(clock, redis_cache, redis_client):
    rate = throttling.Rate(2, 60)
    assert throttling.hit("shared", rate) is None
    # A second worker process sees the same counter: read it straight from Redis.
    assert len(redis_client.keys(f"{redis_cache.key_prefix}:*rl:shared*")) == 1
    assert throttling.hit("shared", rate) is None
    assert throttling.hit("shared", rate) is not None


@override_settings(SIGN_IN_RATE="3/min")
def test_password_guessing_is_limited_per_address_at_both_sign_in_forms(client, clock):
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "clerk", "password": "wrong"}).status_code == 200
    refused = client.post("/accounts/login/", {"username": "clerk", "password": "wrong"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert client.post("/admin/login/", {"username": "clerk", "password": "wrong"}).status_code == 429
    assert client.get("/accounts/login/").status_code == 200  # reading the form is never limited
    clock.advance(int(refused["Retry-After"]))
    assert client.post("/accounts/login/", {"username": "clerk", "password": "wrong"}).status_code == 200


# --- Pages: counted in the worker, added to Redis in batches -------------------------------------


@pytest.fixture
def ticks(monkeypatch):
    ticks = Clock(100.0)
    monkeypatch.setattr(throttling, "_ticks", ticks)
    return ticks


def _stored(backend, bucket: str, rate: throttling.Rate) -> int:
    window = int(throttling.now() // rate.period)
    return int(backend.get(f"rl:{bucket}:{rate.period}:{window}") or 0)


def _worker(monkeypatch, tallies: dict) -> None:
    """Be another worker process: one with its own counts."""
    monkeypatch.setattr(throttling, "_tallies", tallies)


def test_page_counts_reach_redis_in_batches_and_every_worker_sees_them(
    redis_cache, clock, ticks, monkeypatch
):
    rate, sync = throttling.Rate(10, 60), 1.0
    worker_a, worker_b = {}, {}
    _worker(monkeypatch, worker_a)
    assert all(throttling.hit_batched("p", rate, sync) is None for _ in range(6))
    assert _stored(redis_cache, "p", rate) == 1  # only the first went to Redis: no round trip since
    ticks.advance(1.5)
    assert throttling.hit_batched("p", rate, sync) is None
    assert _stored(redis_cache, "p", rate) == 7  # the five kept here, and this one
    _worker(monkeypatch, worker_b)
    assert throttling.hit_batched("p", rate, sync) is None  # B syncs first and sees A's seven
    assert _stored(redis_cache, "p", rate) == 8
    assert throttling.hit_batched("p", rate, sync) is None
    assert throttling.hit_batched("p", rate, sync) is None
    wait = throttling.hit_batched("p", rate, sync)  # 8 + 2 of B's own + this one > 10
    assert wait is not None and wait >= 1
    assert _stored(redis_cache, "p", rate) == 8  # refused here, without a round trip


def test_across_workers_the_page_limit_overshoots_by_one_interval_at_most(
    redis_cache, clock, ticks, monkeypatch
):
    rate, sync = throttling.Rate(20, 60), 1.0
    workers = [{}, {}]
    allowed = 0
    for _second in range(10):
        for tallies in workers:
            _worker(monkeypatch, tallies)
            allowed += sum(throttling.hit_batched("q", rate, sync) is None for _ in range(5))
        ticks.advance(1.0)
    # Each worker can let through one interval's requests (5) beyond what it knew of the other.
    assert rate.limit <= allowed <= rate.limit + 5 * len(workers)
    for tallies in workers:  # once synced, every worker refuses
        _worker(monkeypatch, tallies)
        assert throttling.hit_batched("q", rate, sync) is not None


def test_a_batched_refusal_is_not_counted_and_retry_after_tells_the_truth(
    redis_cache, clock, ticks, monkeypatch
):
    rate, sync = throttling.Rate(3, 60), 0.5
    _worker(monkeypatch, {})
    assert [throttling.hit_batched("r", rate, sync) for _ in range(3)] == [None, None, None]
    wait = throttling.hit_batched("r", rate, sync)
    assert wait is not None
    for _ in range(20):  # hammering while refused changes nothing
        ticks.advance(0.1)
        assert throttling.hit_batched("r", rate, sync) is not None
    clock.advance(wait)
    ticks.advance(wait)
    assert throttling.hit_batched("r", rate, sync) is None


@override_settings(PORTAL_PAGE_RATE="2/min", PORTAL_PAGE_RATE_SYNC_SECONDS=0.25)
def test_the_page_middleware_uses_the_batched_limiter(redis_cache, client, enterprise, clock, ticks):
    url = f"/enterprises/{enterprise.uscc}/"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert _stored(redis_cache, "page:127.0.0.1", throttling.Rate(2, 60)) == 1  # one kept in the worker
    refused = client.get(url)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


@override_settings(PUBLIC_API_ANON_RATE="2/min", PUBLIC_API_ANON_RATE_SYNC_SECONDS=0.25)
def test_the_keyless_api_uses_the_batched_limiter(redis_cache, client, enterprise, clock, ticks):
    url = "/api/v1/public/enterprises/?q=西湖"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert _stored(redis_cache, "api-anon:127.0.0.1", throttling.Rate(2, 60)) == 1  # one kept in the worker
    refused = client.get(url)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


@override_settings(PUBLIC_API_ANON_RATE_SYNC_SECONDS=0.25)
def test_a_developer_keys_quota_is_counted_in_redis_on_every_request(
    redis_cache, client, enterprise, clock, ticks, registry_admin
):
    row, key = developer_key_issue(
        actor=registry_admin, name="信用地图", contact_email="dev@example.com", requests_per_minute=5
    )
    for _ in range(3):
        assert client.get("/api/v1/public/enterprises/?q=西湖", HTTP_X_API_KEY=key).status_code == 200
    assert _stored(redis_cache, f"api-key:{row.pk}", throttling.Rate(5, 60)) == 3
