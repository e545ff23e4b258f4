"""The embedded PostgreSQL survives what a developer does to it: commands killed at any moment,
several started at once, a corrupt bookkeeping file, and `make run` stopping while `make test` starts.

Each test runs real commands in child processes against a cluster of its own (EMBEDDED_PG_DIR in a
temporary directory), never the developer's `.data/pg`.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import embedded_pg

ROOT = Path(__file__).resolve().parent.parent
REACH = (
    "from config.embedded_pg import database_settings; import psycopg; s = database_settings('smoke'); "
    "c = psycopg.connect(host=s['HOST'], user=s['USER'], dbname=s['NAME']); "
    "print(c.execute('SELECT 1').fetchone()[0])"
)
HOLD = REACH + "; import time; time.sleep(4); print(c.execute('SELECT 2').fetchone()[0])"
STOP_AFTER_RUN = "from config.embedded_pg import stop_after_run; print(stop_after_run())"
STOP = "from config.embedded_pg import stop; stop()"


@pytest.fixture
def pg_dir(tmp_path):
    data = tmp_path / "pg"
    yield data
    run(STOP, data, check=False)


def env_for(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["EMBEDDED_PG_DIR"] = str(data)
    return env


def start(code: str, data: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env_for(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(code: str, data: Path, *, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env_for(data),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.parametrize("corrupt", ["", "[12", "{}", '["x", 1]', "\x00\x00\x00"])
def test_a_corrupt_process_list_is_repaired_and_the_server_is_reached(pg_dir, corrupt):
    assert run(REACH, pg_dir).stdout.strip() == "1"
    pids = pg_dir / embedded_pg.PIDS_FILE
    pids.write_text(corrupt)

    assert run(REACH, pg_dir).stdout.strip() == "1"
    assert isinstance(json.loads(pids.read_text()), list)


def test_commands_killed_at_random_points_leave_a_server_the_next_command_reaches(pg_dir):
    seed = int(os.environ.get("EMBEDDED_PG_SEED", time.time()))
    rng = random.Random(seed)
    pids = pg_dir / embedded_pg.PIDS_FILE
    for _round in range(3):  # the first round starts from nothing, so some kills land in initdb
        children = [start(REACH, pg_dir) for _ in range(5)]
        deadline = time.monotonic() + 4
        for child in children:
            time.sleep(rng.uniform(0, 0.8))
            if rng.random() < 0.7:
                child.send_signal(signal.SIGKILL)
            if rng.random() < 0.3 and pids.exists():
                pids.write_text(pids.read_text()[: rng.randint(0, 3)])  # killed in the middle of a write
        for child in children:
            child.communicate(timeout=max(1, deadline - time.monotonic()) + 60)

    done = run(REACH, pg_dir, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "1", f"seed {seed}: {done.stderr[-3000:]}"
    assert not list(pg_dir.parent.glob(f".{pg_dir.name}-init-*")), "a half-made cluster was left behind"


def test_make_run_stopping_while_make_test_starts_leaves_make_test_working(pg_dir):
    run(REACH, pg_dir)
    user = start(HOLD, pg_dir)  # make test, holding its connection
    stopping = start(STOP_AFTER_RUN, pg_dir)  # make run's way out, at the same moment
    starting = start(REACH, pg_dir)  # another command starting meanwhile

    out, err = user.communicate(timeout=120)
    assert user.returncode == 0, err[-3000:]
    assert out.split() == ["1", "2"]
    for child in (stopping, starting):
        _out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err[-3000:]


def test_make_run_stops_the_server_when_nobody_else_uses_it(pg_dir):
    run(REACH, pg_dir)
    assert "stopped" in run(STOP_AFTER_RUN, pg_dir).stdout
    assert not (pg_dir / "postmaster.pid").exists()
    assert run(REACH, pg_dir).stdout.strip() == "1"  # and the next command starts it again


def test_what_a_command_killed_during_initdb_left_is_removed_by_the_next_command(pg_dir):
    """The killed command's ``initdb`` lives on (and the ``postgres`` it runs, which knows the directory
    by its PGDATA), writing into its directory while the next command removes it, so part of it can
    outlive the removal. Whatever is left, the next command stops its writers and removes it, even
    when the cluster itself is already made."""
    assert run(REACH, pg_dir).stdout.strip() == "1"
    stale = pg_dir.parent / f".{pg_dir.name}-init-99999"
    (stale / "base" / "1").mkdir(parents=True)
    (stale / "base" / "1" / "1259").write_bytes(b"\0" * 8192)
    writer = subprocess.Popen(["sleep", "300"], env={**os.environ, "PGDATA": str(stale)})  # the orphan

    assert run(REACH, pg_dir).stdout.strip() == "1"
    assert writer.wait(timeout=30) == -signal.SIGKILL
    assert not stale.exists()
