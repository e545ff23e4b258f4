"""The replica tests' servers: a primary, a hot standby streaming from it, a Redis, and the portal
(gunicorn) reading from both, all of this module's own (see tests/replicas/servers.py).

The primary is migrated and seeded (tests/replicas/seed.py, through the services) before the base
backup; the portal runs with ``DATABASE_URL`` on the primary and ``DATABASE_REPLICA_URLS`` on the
standby, like production. Missing PostgreSQL binaries skip these tests on a developer's machine and
fail them in CI (tests/faults/servers.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.servers import ROOT, Portal, RedisServer
from tests.replicas.servers import PORTAL_APP, PrimaryServer, StandbyServer

DATABASE = "portal"


def run_python(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="package")
def primary():
    server = PrimaryServer().init().start()
    yield server
    server.remove()


@pytest.fixture(scope="package")
def app_env(primary, tmp_path_factory):
    """The environment of every process of the portal: its settings, on the primary (seeded)."""
    directory = tmp_path_factory.mktemp("replicas")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": primary.create_database(DATABASE),
        "DATABASE_CONNECT_TIMEOUT": "2",
        "MEDIA_ROOT": str(directory / "media"),
        "PGAPPNAME": PORTAL_APP,
    }
    for name in ("DATABASE_REPLICA_URLS", "REDIS_URL"):  # seeded alone; the portal gets its own Redis
        env.pop(name, None)
    env["SEEDED"] = run_python(env, "-m", "tests.replicas.seed").strip().splitlines()[-1]
    env["DIRECTORY"] = str(directory)
    return env


@pytest.fixture(scope="package")
def standby(primary, app_env):
    """The hot standby, from a base backup of the seeded primary."""
    server = StandbyServer().init_from(primary).start()
    yield server
    server.remove()


@pytest.fixture(scope="package")
def redis(app_env):
    server = RedisServer(Path(app_env["DIRECTORY"])).start()
    yield server
    server.kill()


@pytest.fixture(scope="package")
def replica_env(app_env, standby, redis):
    """The portal's environment with the standby as its replica (short windows, for the tests)."""
    return {
        **app_env,
        "DATABASE_REPLICA_URLS": standby.url(DATABASE),
        "REDIS_URL": redis.url(),
        "REPLICA_CONNECT_TIMEOUT": "1",
        "REPLICA_RETRY_SECONDS": "1",
        "REPLICA_READ_YOUR_WRITES_SECONDS": "2",
        "BADGE_SCAN_FLUSH_SECONDS": "0",
    }


@pytest.fixture(scope="package")
def portal(replica_env):
    server = Portal(replica_env, Path(replica_env["DIRECTORY"]), capture_output=True).start()
    server.seeded = json.loads(replica_env["SEEDED"])
    yield server
    if server.process is not None and server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: its work is done
    server.stop()
