"""Fixtures for the record import: a private MEDIA_ROOT, eager tasks, and real Celery workers."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import IN_CI, worker_environment

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager_tasks():
    """Tasks run in the test's process even when REDIS_URL is set (as in CI)."""
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


class Workers:
    """Real ``celery worker`` processes on a queue of the test's own, against the test database."""

    def __init__(self, env: dict[str, str]) -> None:
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.procs: list[subprocess.Popen] = []

    def start(self, **extra_env: str) -> subprocess.Popen:
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
                self.queue,
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--loglevel=WARNING",
                "-n",
                f"{self.queue}-{len(self.procs)}@%h",
            ],
            cwd=ROOT,
            env={**self.env, **extra_env},
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL: no shutdown, no acknowledgement, the open transaction dies with the connection."""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)


@pytest.fixture
def celery_workers(media_root, broker_tasks):
    """Start real workers with ``celery_workers.start()``; needs REDIS_URL (and fails without it in CI)."""
    if not settings.REDIS_URL:
        if IN_CI:
            pytest.fail("REDIS_URL must be set in CI: the Celery tests need a real worker and Redis")
        pytest.skip("REDIS_URL not set: no real worker to test against")
    env = worker_environment(MEDIA_ROOT=str(media_root))
    workers = Workers(env)
    yield workers
    workers.stop_all()
