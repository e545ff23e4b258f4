"""Instance A for the two-instance sync tests: the portal served by gunicorn in a subprocess, on a
PostgreSQL database of its own (created and migrated here, dropped after), with its own platform
code and signing key. Instance B is the test's own process and test database.

Nothing here skips: without PostgreSQL or gunicorn the fixtures fail, in CI as anywhere."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from config.settings.test import redis_database
from tests.databases import database_create, database_drop, server_url
from tests.faults.servers import Portal

ROOT = Path(__file__).resolve().parents[2]
A_CODE = "zhejiang"
A_NAME = "浙江省信用平台"


def new_signing_key() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class InstanceA:
    def __init__(self, directory: Path) -> None:
        self.database = f"test_sync_a_{os.getpid()}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": server_url(self.database),
            "PLATFORM_CODE": A_CODE,
            "SIGNING_KEYS": json.dumps({"zj-2026": new_signing_key()}),
            "MEDIA_ROOT": str(directory / "media"),
        }
        if os.environ.get("REDIS_URL"):
            self.env["REDIS_URL"] = redis_database(os.environ["REDIS_URL"], 1)  # A's cache is not B's
        self.portal = Portal(self.env, directory)

    def start(self) -> InstanceA:
        database_drop(self.database)
        database_create(self.database)
        done = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        self.portal.start()
        return self

    @property
    def feed_url(self) -> str:
        return f"{self.portal.base}/api/v1/changes/"

    def run(self, step: str, *args: str) -> dict:
        """A step of ``tests.sync.seed_a`` in A's environment; its JSON answer."""
        done = subprocess.run(
            [sys.executable, "-m", "tests.sync.seed_a", step, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        self.portal.stop()
        database_drop(self.database)


@pytest.fixture(scope="module")
def instance_a(tmp_path_factory):
    instance = InstanceA(tmp_path_factory.mktemp("instance-a"))
    try:
        yield instance.start()
    finally:
        instance.stop()
