"""Test settings: the same PostgreSQL as everywhere else, a per-process test database."""

import os

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, REDIS_URL

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
# Tasks run in the test's own process; the real-worker tests send to Redis explicitly
# (tests/conftest.py, ``broker_tasks``).
# A real worker started by a test (tests/lookup/test_webhooks.py) queues its follow-up tasks instead.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_CELERY_EAGER", "true") != "false"
CELERY_TASK_EAGER_PROPAGATES = True
SIGN_IN_RATE = "100000/min"

# Every anonymous credit page view in the suite checks its public profile against the database
# (lookup/profiles/read.py, ``profile_check``) and stores one when it rendered the page.
PUBLIC_PROFILE_CHECK = True

# The suite's Redis (REDIS_URL): on a machine busy with the rest of CI a process can stall for longer
# than production's 0.5 s, which opens the cache's breaker in a test that is not about an outage (its
# generation bumps deferred, then read before they are made again). The outage tests set their own
# timeouts and breaker (tests/faults/conftest.py).
if REDIS_URL:
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 5.0, "socket_timeout": 5.0}
