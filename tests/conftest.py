"""Named personas: a citizen, a registry administrator, a clerk and a reviewer of one agency,
a clerk of another agency."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from tests.factories import AgencyFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def ensure_reference_data() -> None:
    """Reference data comes from data migrations; a transactional test's flush removes it."""
    from registry.models import Division
    from registry.reference import calendar_load, divisions_sync
    from sanctions import models as sanctions_models
    from sanctions.reference import load_catalogue, load_credit_system

    if not Division.objects.exists():
        divisions_sync()
    calendar_load()
    load_catalogue(sanctions_models.PenaltyCategory, sanctions_models.PublicityRule)
    load_credit_system(
        sanctions_models.ListKind,
        sanctions_models.DeadlineRule,
        sanctions_models.RatingModel,
        sanctions_models.RatingRule,
    )


@pytest.fixture(scope="session", autouse=True)
def _nothing_left_on_the_test_database(django_db_setup):
    """At the end of the run, no connection but Django's own is left on the test database.

    pytest-django drops the test database last; a connection left open to it (one opened outside
    Django's bookkeeping, or one whose ``connections`` entry a test replaced) makes the drop fail
    with a mere warning, and every run then leaves a ``test_credit_registry_<pid>`` behind. Such
    connections are named here, with their last statement, and closed, so that the drop goes
    through; the run fails in CI, where a leak must be fixed, not only reported."""
    yield
    from django.db import connections

    from tests.databases import left_on

    names = {connections[alias].settings_dict["NAME"] for alias in connections}
    ours = {c.connection.info.backend_pid for c in connections.all() if c.connection is not None}
    left = left_on(names, keep=ours)
    if left:
        described = "; ".join(f"pid {pid}: {query!r}" for pid, query in left)
        message = f"connections left open on the test database, now closed: {described}"
        if IN_CI:
            pytest.fail(message)
        import warnings

        warnings.warn(message, stacklevel=1)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the language a new process speaks (LANGUAGE_CODE, Simplified Chinese), not
    in whichever one the last request or test left active in this thread."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (local memory, or Redis in CI) and no page kept in the process."""
    from django.core.cache import cache

    from lookup import statistics_page
    from lookup import views as lookup_views
    from lookup.badges import verification
    from registry import reference_cache, throttling
    from registry.cache import generations_near_cache
    from sanctions.statistics.selectors import statistics_memo_clear

    cache.clear()
    near = generations_near_cache()
    if near is not None:
        near.clear()  # the flush's invalidation message may still be on its way
    reference_cache.forget_local()
    lookup_views._LOCAL_PAGES.clear()
    verification.local_clear()
    throttling._tallies.clear()
    statistics_memo_clear()
    statistics_page._bodies.clear()
    statistics_page._pages.clear()
    yield


def _database_use(item: pytest.Item) -> str:
    """The kind of database use ("transactional", "db" or "none"), as pytest-django orders tests."""
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    if (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))) or (
        {"transactional_db", "live_server"} & fixtures
    ):
        return "transactional"
    return "db" if marker or "db" in fixtures else "none"


def pytest_configure(config):
    """The parallel run hands the groups out in the order pytest-django sorted them (xdist would
    otherwise hand out the largest first, a transactional file's tests among them)."""
    if getattr(config.option, "dist", "no") == "loadgroup":
        config.option.loadscopereorder = False


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """For the parallel run (`make test`: pytest-xdist, ``--dist loadgroup``), a group per file and
    kind of database use. pytest-django runs the transactional tests last because each ends by
    emptying every table, reference data included; the groups keep that true on each worker (they are
    handed out in the sorted order, above, and a worker runs what it gets in order), where whole files
    would put one file's transactional tests before the next file's others. A file's module fixtures
    start at most once per kind."""
    if config.getoption("dist", "no") == "no" and not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root) if item.path.is_relative_to(root) else item.path
        item.add_marker(pytest.mark.xdist_group(f"{where}:{_database_use(item)}"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session):
    """pytest-xdist 3.8 tells the scheduler a test's group through its node id ("…@group"), which
    pytest 9.2 no longer lets a plugin change (pytest-dev/pytest-xdist#1386): the groups would be lost
    without a word, and the transactional tests of one file would empty the tables under the next."""
    if os.environ.get("PYTEST_XDIST_WORKER") and session.config.getvalue("loadgroup"):
        lost = [item.nodeid for item in session.items if "@" not in item.nodeid]
        if lost:
            raise pytest.UsageError(
                f"pytest-xdist did not group {len(lost)} tests (first: {lost[0]}); "
                "pyproject.toml pins pytest below 9.2 for this reason"
            )


@pytest.fixture(scope="session", autouse=True)
def _transactional_tests_end_on_a_snapshot():
    """A transactional test ends with the tables as the first one left them, copied back in, rather
    than with Django's flush and a reload of the reference data (tests/snapshot.py)."""
    from django.test import TransactionTestCase

    from tests import snapshot

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            TransactionTestCase,
            "_fixture_teardown",
            snapshot.fixture_teardown(TransactionTestCase._fixture_teardown, ensure_reference_data),
        )
        yield


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    """The first transactional test of a process starts on what the tests before it left (their
    transactions rolled back); each later one on the snapshot, which holds the reference data."""
    if _database_use(request.node) == "transactional":
        from tests import snapshot

        request.getfixturevalue("transactional_db")
        if not snapshot.taken():
            ensure_reference_data()
    yield


@pytest.fixture
def broker_tasks():
    """Tasks go to the real broker (Redis) for this test, for a real worker to run them."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


def worker_environment(**extra: str) -> dict[str, str]:
    """The environment of a real Celery worker subprocess: the test's own database and settings."""
    from django.db import connection

    from tests.databases import server_url

    return {
        **os.environ,
        "DATABASE_URL": server_url(connection.settings_dict["NAME"]),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        **extra,
    }


@pytest.fixture
def citizen():
    return AnonymousUser()


@pytest.fixture
def registry_admin(db):
    user = UserFactory(username="registry_admin")
    StaffRole.objects.create(user=user, role=StaffRoleKind.REGISTRY_ADMIN)
    return user


@pytest.fixture
def market_agency(db):
    return AgencyFactory(name="浙江省市场监督管理局")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(name="江苏省市场监督管理局")


@pytest.fixture
def agency_admin(market_agency):
    user = UserFactory(username="agency_admin")
    StaffRole.objects.create(user=user, agency=market_agency, role=StaffRoleKind.AGENCY_ADMIN)
    return user


@pytest.fixture
def clerk(market_agency):
    user = UserFactory(username="clerk")
    StaffRole.objects.create(user=user, agency=market_agency, role=StaffRoleKind.CLERK)
    return user


@pytest.fixture
def reviewer(market_agency):
    user = UserFactory(username="reviewer")
    StaffRole.objects.create(user=user, agency=market_agency, role=StaffRoleKind.REVIEWER)
    return user


@pytest.fixture
def other_clerk(other_agency):
    user = UserFactory(username="other_clerk")
    StaffRole.objects.create(user=user, agency=other_agency, role=StaffRoleKind.CLERK)
    return user


@pytest.fixture
def api():
    """An API client that asks for English, as most partner systems do."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def admin_api(registry_admin):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(registry_admin)
    return client


# A Redis database of the tests' own (tests that use it may flush it), on the server of REDIS_URL,
# else 127.0.0.1:6379 (config/settings/test.py). Missing, these tests skip on a developer's machine
# and fail in CI.
TEST_REDIS_URL = settings.TEST_REDIS_URL


@pytest.fixture
def redis_client():
    """A plain client of the tests' Redis database (another process, as far as the code is concerned)."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if IN_CI:
            pytest.fail(f"CI needs Redis at {TEST_REDIS_URL}")
        pytest.skip(f"no Redis at {TEST_REDIS_URL}")
    yield client
    client.close()


@pytest.fixture
def redis_cache(redis_client):
    """The default cache on the tests' Redis database, as in production; emptied afterwards."""
    import uuid

    from django.test import override_settings

    caches = {
        "default": {
            "BACKEND": "registry.cache_backend.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        }
    }
    with override_settings(CACHES=caches):
        from django.core.cache import caches as handler

        yield handler["default"]
        handler["default"].clear()
