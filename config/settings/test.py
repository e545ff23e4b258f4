"""Test settings: the same PostgreSQL as everywhere else, a per-process test database."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def redis_database(url: str, offset: int) -> str:
    """The Redis database ``offset`` numbers after the one ``url`` names, on the same server."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(number + offset) % 16}"))


# `make test` runs the suite in several processes (pytest-xdist). Each is a run of its own on the
# shared servers: its own test database (the pid, below) and, set here before the settings read them,
# its own block of three Redis databases (the cache and broker; instance A's cache in the sync tests;
# the tests' own, TEST_REDIS_URL) and its own media directory. The first worker keeps what a run in
# one process uses. Subprocesses that tests start (Celery workers, servers) inherit the environment
# as the worker set it (or as the test changed it), and are not moved again.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_INDEX = int(_WORKER.removeprefix("gw") or 0)
if _WORKER and os.environ.get("TEST_WORKER_ENVIRONMENT") != _WORKER:
    os.environ["TEST_WORKER_ENVIRONMENT"] = _WORKER
    if _INDEX >= 5:
        raise RuntimeError(
            "at most 5 parallel test workers (TEST_WORKERS): each takes 3 of Redis' 16 databases"
        )
    if os.environ.get("REDIS_URL", "").strip() and _INDEX:
        os.environ["REDIS_URL"] = redis_database(os.environ["REDIS_URL"].strip(), 3 * _INDEX)
    os.environ.setdefault(
        "MEDIA_ROOT", str(Path(__file__).resolve().parents[2] / ".data" / "test-media" / _WORKER)
    )

from .base import *  # noqa: E402, F403
from .base import CACHES, DATABASES, REDIS_URL  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Two test runs on one server must not collide on the test database name (docs/operations.md, "Tests").
DATABASES["default"]["TEST"] = {"NAME": f"test_credit_registry_{os.getpid()}"}
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/min", "user": "10000/min"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PORTAL_PAGE_RATE = "100000/min"
# Page counts go to the shared counters on every request, so tests can count them exactly; the
# batching itself is tested in tests/lookup/test_rate_limits.py.
PORTAL_PAGE_RATE_SYNC_SECONDS = 0
PUBLIC_API_ANON_RATE = "100000/min"
PUBLIC_API_ANON_RATE_SYNC_SECONDS = 0
# Tasks run in the test's own process; the real-worker tests send to Redis explicitly
# (tests/conftest.py, ``broker_tasks``).
# A real worker started by a test (tests/lookup/test_webhooks.py) queues its follow-up tasks instead.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_CELERY_EAGER", "true") != "false"
CELERY_TASK_EAGER_PROPAGATES = True
SIGN_IN_RATE = "100000/min"

# Every anonymous credit page view in the suite checks its public profile against the database
# (lookup/profiles/read.py, ``profile_check``) and stores one when it rendered the page.
PUBLIC_PROFILE_CHECK = True

# The tests' own Redis database (tests/conftest.py, ``redis_client``; such tests may flush it): two
# after REDIS_URL's, else 14 on 127.0.0.1:6379 (each parallel worker three further on).
TEST_REDIS_URL = (
    redis_database(REDIS_URL, 2) if REDIS_URL else redis_database("redis://127.0.0.1:6379/14", 3 * _INDEX)
)

# The suite's Redis (REDIS_URL): on a machine busy with the rest of CI a process can stall for longer
# than production's 0.5 s, which opens the cache's breaker in a test that is not about an outage (its
# generation bumps deferred, then read before they are made again). The outage tests set their own
# timeouts and breaker (tests/faults/conftest.py).
if REDIS_URL:
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 5.0, "socket_timeout": 5.0}
