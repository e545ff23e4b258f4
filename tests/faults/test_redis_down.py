"""Redis killed under the portal: pages still answer from the database, limits still hold per process,
uploads are still accepted; one warning per outage, and everything shared again once it is back.

Each test runs against a ``redis-server`` of its own (tests/faults/conftest.py) that it kills with
SIGKILL (or stops with SIGSTOP, for a Redis that hangs instead of refusing).
"""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework import throttling as drf_throttling

from lookup.badges import services as badge_services
from registry.services import enterprise_update
from registry.tokens import token_issue
from sanctions.models import ImportBatch
from tests.factories import EnterpriseFactory, UserFactory, enterprise_code
from tests.lookup.badges.support import confirmed_account, publish_serious_penalty
from tests.sanctions.records.importing.helpers import PENALTY_HEADERS, penalty_row, write_csv

pytestmark = [pytest.mark.django_db]

OUTAGE_SECONDS = 3.0


class Records(logging.Handler):
    """The records of one logger (a handler on it: Celery may reconfigure the root's meanwhile)."""

    def __init__(self, name: str) -> None:
        super().__init__(logging.DEBUG)
        self.logger = logging.getLogger(name)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname} {record.getMessage()}")

    def __enter__(self) -> Records:
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        self.logger.removeHandler(self)


def hammer(client, urls: list[str], seconds: float = OUTAGE_SECONDS, rounds: int = 5) -> dict[int, int]:
    """Request every address in turn for ``seconds`` and at least ``rounds`` times (a slow machine
    still makes them all): how many answers of each status."""
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    done = 0
    while done < rounds or time.monotonic() < deadline:
        for url in urls:
            status = client.get(url).status_code
            statuses[status] = statuses.get(status, 0) + 1
        done += 1
    return statuses


@pytest.fixture
def portal(registry_admin, clerk, reviewer, market_agency, settings):
    """An enterprise with a published penalty, a badge of it; the addresses the public uses most."""
    settings.BADGE_SCAN_FLUSH_SECONDS = 0  # every scan written at once: counting is on the path too
    enterprise = EnterpriseFactory(name="杭州故障测试科技有限公司")
    publish_serious_penalty(clerk=clerk, reviewer=reviewer, agency=market_agency, enterprise=enterprise)
    owner = confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="owner")
    badge = badge_services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
    return {
        "enterprise": enterprise,
        "badge": badge,
        "urls": [
            f"/enterprises/{enterprise.uscc}/",
            "/?q=故障测试",
            f"/v/{badge.token}",
            "/",
        ],
    }


def test_public_pages_answer_200_while_redis_is_down(client, cache_on_private_redis, redis_server, portal):
    # Warm: cached in Redis and in the process.
    assert set(hammer(client, portal["urls"], seconds=0, rounds=1)) == {200}
    redis_server.kill()
    statuses = hammer(client, portal["urls"])
    assert statuses.keys() == {200}, statuses
    # Every scan was counted, in the database.
    assert portal["badge"].scan_days.get().count == 1 + statuses[200] // len(portal["urls"])


@pytest.mark.parametrize("fault", ["killed", "stopped"])
def test_redis_is_tried_once_per_interval_not_on_every_call(
    client, cache_on_private_redis, redis_server, portal, fault
):
    """Killed, Redis refuses at once; stopped (SIGSTOP), it hangs, and each try waits for the 0.5 s
    timeout. Either way, after a failure the cache is skipped for 0.5 s (RETRY_SECONDS here)."""
    url = portal["urls"][0]
    assert client.get(url).status_code == 200
    circuit = cache_on_private_redis.circuit
    if fault == "killed":
        redis_server.kill()
    else:
        os.kill(redis_server.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        statuses = hammer(client, [url], seconds=2.0, rounds=10)
        elapsed = time.monotonic() - started
        failures, skipped = circuit.failures, circuit.skipped
    finally:
        if fault == "stopped":
            os.kill(redis_server.pid, signal.SIGCONT)
    assert statuses.keys() == {200}, statuses
    assert failures <= elapsed / 0.5 + 1, (failures, elapsed)  # at most one try per interval
    assert skipped > 5 * failures, (skipped, failures)  # the other calls did not try


def test_a_change_made_while_redis_was_unreachable_shows_once_it_is_back(
    client, cache_on_private_redis, redis_server, portal, registry_admin
):
    enterprise = portal["enterprise"]
    url = f"/enterprises/{enterprise.uscc}/"
    assert "杭州故障测试科技有限公司" in client.get(url).content.decode()  # cached in Redis now
    os.kill(redis_server.pid, signal.SIGSTOP)  # unreachable, but it keeps what it has
    try:
        enterprise_update(
            actor=registry_admin, enterprise=enterprise, data={"name": "杭州改名后科技有限公司"}
        )
        assert "杭州改名后科技有限公司" in client.get(url).content.decode()
    finally:
        os.kill(redis_server.pid, signal.SIGCONT)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        client.get(url)
        if cache_on_private_redis.available:
            break
        time.sleep(0.1)
    for _ in range(3):  # the page cached before the outage (no new name at all) is never served again
        assert "杭州改名后科技有限公司" in client.get(url).content.decode()


def test_an_outage_is_logged_once_and_its_end_once(client, cache_on_private_redis, redis_server, portal):
    """Once, not once per call or per process thread: the warning, then the recovery."""
    url = portal["urls"][0]
    client.get(url)
    redis_server.kill()
    with Records("registry.cache_backend") as log:
        hammer(client, [url], seconds=1.5)
        redis_server.start()
        deadline = time.monotonic() + 5
        while not cache_on_private_redis.available and time.monotonic() < deadline:
            client.get(url)
            time.sleep(0.05)
    assert len([m for m in log.messages if "WARNING" in m and "unreachable" in m]) == 1, log.messages
    assert len([m for m in log.messages if "WARNING" in m and "answers again" in m]) == 1, log.messages
    assert len(log.messages) == 2, log.messages
    assert client.get(url).status_code == 200


# --- Limits: per process while Redis is down ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [("/accounts/login/", "username"), ("/account/sign-in/", "username")],
)
def test_the_sign_in_limit_holds_with_redis_down(
    client, cache_on_private_redis, redis_server, settings, path, field
):
    settings.SIGN_IN_RATE = "10/min"
    person = UserFactory(username="someone")
    person.set_password("the-right-password-2026")
    person.save()
    redis_server.kill()
    wrong = [client.post(path, {field: f"guess{i}", "password": "wrong"}).status_code for i in range(10)]
    assert 429 not in wrong and not any(status >= 500 for status in wrong), wrong
    right = client.post(path, {field: "someone", "password": "the-right-password-2026"})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # From another address the same password goes through: the limit, not the form, refused it.
    other = client.post(
        path, {field: "someone", "password": "the-right-password-2026"}, REMOTE_ADDR="198.51.100.9"
    )
    assert other.status_code == 302


def test_the_page_limit_holds_with_redis_down(client, cache_on_private_redis, redis_server, settings):
    settings.PORTAL_PAGE_RATE = "5/min"
    redis_server.kill()
    statuses = [client.get("/healthz").status_code] + [client.get("/").status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 200, 429]


def test_the_keyless_public_api_limit_holds_with_redis_down(
    client, cache_on_private_redis, redis_server, settings
):
    settings.PUBLIC_API_ANON_RATE = "3/min"
    settings.PUBLIC_API_ANON_RATE_SYNC_SECONDS = 0.25  # counted in the worker, as deployed
    redis_server.kill()
    statuses = [client.get("/api/v1/public/enterprises/?q=西湖").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_api_throttles_answer_429_not_500_with_redis_down(
    client, cache_on_private_redis, redis_server, monkeypatch
):
    monkeypatch.setattr(drf_throttling.AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min"})
    url = f"/api/v1/uscc/{enterprise_code(1)}"
    redis_server.kill()
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429, statuses


def test_the_limits_are_shared_again_once_redis_is_back(
    client, cache_on_private_redis, redis_server, settings
):
    from registry import throttling

    settings.SIGN_IN_RATE = "3/min"
    redis_server.kill()
    for i in range(3):
        client.post("/accounts/login/", {"username": f"guess{i}", "password": "wrong"})
    assert throttling._counting_locally
    redis_server.start()  # empty: the counts of the outage stay in the process that made them
    time.sleep(0.6)  # the breaker's interval
    assert client.post("/accounts/login/", {"username": "guess", "password": "wrong"}).status_code != 429
    assert not throttling._counting_locally


# --- Uploads and the API -------------------------------------------------------------------------


@pytest.fixture
def broker_on_private_redis(redis_server, broker_tasks):
    """Celery's broker and result backend on the test's Redis (tasks go there, not eagerly)."""
    from config.celery import app

    def reset():
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    saved = app.conf.broker_url, app.conf.result_backend
    app.conf.broker_url = app.conf.result_backend = redis_server.url(1)
    reset()
    yield app
    app.conf.broker_url, app.conf.result_backend = saved
    reset()


@pytest.fixture
def penalty_upload(market_agency, tmp_path):
    party = EnterpriseFactory(uscc=enterprise_code(7))
    path = write_csv(
        tmp_path / "penalties.csv",
        [PENALTY_HEADERS, penalty_row(market_agency, party, "杭市监罚〔2026〕9号")],
    )
    return SimpleUploadedFile("penalties.csv", path.read_bytes(), content_type="text/csv")


@pytest.mark.parametrize("fault", ["killed", "stopped"])
def test_a_desk_upload_is_accepted_and_left_pending_with_redis_down(
    client,
    clerk,
    market_agency,
    cache_on_private_redis,
    broker_on_private_redis,
    redis_server,
    penalty_upload,
    media_root,
    django_capture_on_commit_callbacks,
    fault,
):
    """Killed, the broker refuses at once; stopped (SIGSTOP), it hangs, and the send gives up after
    its socket timeouts (3 s, one retry) instead of holding the request for ever."""
    client.force_login(clerk)
    client.cookies["django_language"] = "en"
    if fault == "killed":
        redis_server.kill()
    else:
        os.kill(redis_server.pid, signal.SIGSTOP)
    started = time.monotonic()
    try:
        with Records("registry.background") as log, django_capture_on_commit_callbacks(execute=True):
            response = client.post("/desk/imports/", {"agency": market_agency.pk, "file": penalty_upload})
        elapsed = time.monotonic() - started
    finally:
        if fault == "stopped":
            os.kill(redis_server.pid, signal.SIGCONT)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/imports/{batch.pk}/"
    assert batch.status == "pending"  # the sweeper queues it again (sanctions.tasks.imports_sweep)
    assert [m for m in log.messages if "could not queue sanctions.tasks.import_process" in m], log.messages
    assert elapsed < 20, elapsed
    page = client.get(f"/desk/imports/{batch.pk}/")
    assert page.status_code == 200 and "being imported" in page.content.decode()


def test_the_import_status_api_answers_with_redis_down(
    api,
    agency_admin,
    market_agency,
    cache_on_private_redis,
    broker_on_private_redis,
    redis_server,
    penalty_upload,
    media_root,
    django_capture_on_commit_callbacks,
):
    _token, key = token_issue(actor=agency_admin, agency=market_agency, name="case system")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    redis_server.kill()
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/imports/", {"file": penalty_upload}, format="multipart")
    assert created.status_code == 202, created.content
    for _ in range(5):
        response = api.get(f"/api/v1/imports/{created.json()['id']}/")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "pending"
    assert api.get("/api/v1/imports/").status_code == 200
