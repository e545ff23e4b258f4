"""A real Celery worker on real Redis runs the registry's task against the test database."""

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from registry import services
from registry.tasks import audit_verify
from tests.conftest import IN_CI, worker_environment
from tests.factories import enterprise_code

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(transactional_db, broker_tasks):
    if not settings.REDIS_URL:
        if IN_CI:
            pytest.fail("REDIS_URL must be set in CI: the Celery tests need a real worker and Redis")
        pytest.skip("REDIS_URL not set: no real worker to test against")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = worker_environment()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    yield queue
    proc.terminate()
    proc.wait(timeout=20)


def test_worker_runs_audit_verification_on_the_database(worker, registry_admin):
    for i in range(3):
        services.enterprise_register(
            actor=registry_admin, data={"uscc": enterprise_code(i), "name": f"测试{i}"}
        )
    result = audit_verify.apply_async(queue=worker).get(timeout=60)
    assert result == {"ok": True, "checked": 3, "first_broken_id": None}
