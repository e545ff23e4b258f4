"""Every limit counts per client with one ``client_ip``: behind a trusted proxy each client has its
own bucket, a forged X-Forwarded-For changes nothing, and IPv6 clients count per /64."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse
from rest_framework import throttling as drf_throttling

from lookup.badges import views as badge_views
from registry import throttling
from tests.factories import EnterpriseFactory, enterprise_code
from tests.faults.conftest import cache_on_private_redis, redis_server  # noqa: F401 - fixtures
from tests.lookup.badges.support import publish_serious_penalty

pytestmark = [pytest.mark.django_db]

PROXY = "10.0.0.2"  # the reverse proxy, inside the registry's own network


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """One instant for the whole test: no window starts in the middle of it."""
    monkeypatch.setattr(throttling, "now", lambda: 1_800_000_030.0)


@pytest.fixture
def trusted_proxy(settings):
    settings.PORTAL_TRUST_X_FORWARDED_FOR = True


# --- client_ip --------------------------------------------------------------------------------------


def test_without_a_trusted_proxy_the_client_is_remote_addr(rf):
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert throttling.client_ip(request) == "198.51.100.7"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("198.51.100.7", "198.51.100.7"),  # a proxy that overwrites the header
        ("203.0.113.9, 198.51.100.7", "198.51.100.7"),  # one that appends: the client's own entry is ignored
        ("203.0.113.9, 198.51.100.7, 10.1.2.3", "198.51.100.7"),  # a load balancer of the registry's own
        ("198.51.100.7:41234", "198.51.100.7"),
        ("[2001:db8:1:2::7]:443", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("not-an-address", PROXY),
        ("", PROXY),
    ],
)
def test_behind_a_trusted_proxy_the_client_is_the_right_most_outside_address(
    rf, trusted_proxy, forwarded, client
):
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert throttling.client_ip(request) == client


def test_ipv6_clients_are_counted_per_64_and_ipv4_per_address(rf):
    def ip(address: str) -> str:
        return throttling.client_ip(rf.get("/", REMOTE_ADDR=address))

    assert ip("2001:db8:1:2::1") == ip("2001:db8:1:2:ffff:eeee:dddd:cccc") == "2001:db8:1:2::/64"
    assert ip("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert ip("198.51.100.1") != ip("198.51.100.2")


def test_the_hash_of_a_client_names_its_bucket_not_its_address(rf):
    first = throttling.client_hash(rf.get("/", REMOTE_ADDR="2001:db8:1:2::1"))
    assert first == throttling.client_hash(rf.get("/", REMOTE_ADDR="2001:db8:1:2::2"))
    assert "2001" not in first and len(first) == 32


# --- Every limit ------------------------------------------------------------------------------------
# Each gets a limit of two, and a way to make one request as a client: True when it was refused.

Attempt = Callable[..., bool]


@pytest.fixture(params=["page", "sign-in", "public-api", "api", "badge-report", "objection"])
def attempt(request, client, settings, monkeypatch) -> Attempt:
    kind = request.param
    if kind == "page":
        settings.PORTAL_PAGE_RATE = "2/min"
        return lambda **meta: client.get("/", **meta).status_code == 429
    if kind == "sign-in":
        settings.SIGN_IN_RATE = "2/min"
        form = {"username": "clerk", "password": "wrong"}
        return lambda **meta: client.post("/accounts/login/", form, **meta).status_code == 429
    if kind == "public-api":
        settings.PUBLIC_API_ANON_RATE = "2/min"
        url = f"/api/v1/public/enterprises/{EnterpriseFactory().uscc}/"
        return lambda **meta: client.get(url, **meta).status_code == 429
    if kind == "api":
        monkeypatch.setattr(
            drf_throttling.AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min"}
        )
        url = f"/api/v1/uscc/{enterprise_code(1)}"
        return lambda **meta: client.get(url, **meta).status_code == 429
    if kind == "badge-report":
        monkeypatch.setattr(badge_views, "REPORT_RATE", throttling.Rate(2, 3600))
        return lambda **meta: client.post("/v/t/report", {"message": ""}, **meta).status_code == 429
    settings.OBJECTION_RATE_PER_HOUR = 2
    record = publish_serious_penalty(
        clerk=request.getfixturevalue("clerk"),
        reviewer=request.getfixturevalue("reviewer"),
        agency=request.getfixturevalue("market_agency"),
        enterprise=EnterpriseFactory(),
    )
    url = reverse("remedies:object-record", args=[record.pk])
    return lambda **meta: client.post(url, {}, **meta).status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(attempt, trusted_proxy):
    a = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    b = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert [attempt(**a), attempt(**a), attempt(**a)] == [False, False, True]
    assert attempt(**b) is False


def test_a_forged_forwarded_for_changes_nothing_without_a_trusted_proxy(attempt):
    refused = [attempt(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}") for i in range(3)]
    assert refused == [False, False, True]


def test_a_forged_forwarded_for_changes_nothing_behind_a_trusted_proxy(attempt, trusted_proxy):
    # The proxy appends the address it saw to whatever the client sent.
    refused = [
        attempt(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 198.51.100.7") for i in range(3)
    ]
    assert refused == [False, False, True]


def test_ipv6_addresses_in_one_64_share_a_bucket(attempt):
    assert attempt(REMOTE_ADDR="2001:db8:1:2::1") is False
    assert attempt(REMOTE_ADDR="2001:db8:1:2::2") is False
    assert attempt(REMOTE_ADDR="2001:db8:1:2:abcd::9") is True
    assert attempt(REMOTE_ADDR="2001:db8:1:3::1") is False


def test_every_api_view_is_throttled_by_the_one_limiter():
    from django.urls import URLPattern, URLResolver, get_resolver

    from lookup.api.throttles import PublicApiThrottle

    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                yield pattern.callback.cls

    ours = (throttling.AnonRateThrottle, throttling.UserRateThrottle, PublicApiThrottle)
    found = {cls: cls.throttle_classes for cls in views(get_resolver().url_patterns)}
    assert found  # the API's views were found
    assert {cls: t for cls, t in found.items() if not all(issubclass(c, ours) for c in t)} == {}


# --- With Redis down: every limit holds in each process -------------------------------------------


def test_every_limit_holds_per_process_while_redis_is_down(attempt, cache_on_private_redis, redis_server):
    redis_server.kill()
    assert [attempt(), attempt(), attempt()] == [False, False, True]
    assert throttling._counting_locally
