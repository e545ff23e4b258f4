"""Imports under faults, with real processes that the tests start and kill by their pid: a Celery
worker (with its beat) killed with SIGKILL mid-import, and PostgreSQL killed mid-import, for less and
for longer than the task's retries last.

Each test has a Redis of its own as the broker (``tests/faults/servers.py``), so that the beat's
sweeps and the tasks they queue reach only this test's worker. The workers run the project's local
settings, as a deployment does (the test settings would run every task they queue at once, in the
beat's own process).
"""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from registry.models import AuditEntry, Enterprise
from registry.services import SYSTEM_USERNAME
from sanctions import task_names
from sanctions.models import CreditRecord, ImportBatch, RecordEvent
from sanctions.records.importing.run import import_errors, import_start
from sanctions.records.importing.run import upload as accepting
from tests.conftest import worker_environment
from tests.factories import enterprise_code
from tests.faults.servers import PostgresServer, RedisServer
from tests.sanctions.records.importing.helpers import PENALTY_HEADERS, penalty_row

pytestmark = [pytest.mark.celery_worker]

ROOT = Path(__file__).resolve().parents[4]
BAD_EVERY = 500  # every 500th row names a penalty category not in the catalogue


class Worker:
    """``celery worker`` (with ``-B``, its beat) in a process group of its own, logging to a file."""

    def __init__(self, directory: Path, env: dict[str, str], *, name: str, beat: bool) -> None:
        self.log = directory / f"{name}.log"
        self.args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=INFO",
            "-n",
            f"{name}@%h",
        ]
        if beat:
            self.args += ["-B", "-s", str(directory / f"{name}-beat-schedule")]
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.args,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the worker and its beat: one group, killed together
            )
        return self

    def kill(self) -> None:
        """SIGKILL to the worker and its children (the beat): no shutdown, nothing acknowledged."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def broker(tmp_path):
    """A Redis of the test's own, and a Celery client that sends tasks to it by name."""
    server = RedisServer(tmp_path).start()
    client = Celery("imports-test", broker=server.url(), set_as_current=False)
    yield server, client
    client.close()
    server.kill()


@pytest.fixture
def workers(tmp_path, broker, settings):
    """Start workers with ``workers(name, beat=..., **settings)``; all stopped at the end."""
    settings.MEDIA_ROOT = tmp_path / "media"
    server, _client = broker
    started: list[Worker] = []

    def start(name: str, *, beat: bool, database_url: str | None = None, **extra: str) -> Worker:
        env = worker_environment(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DEBUG="false",
            LOG_LEVEL="INFO",
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
            REDIS_URL=server.url(),
            **extra,
        )
        if database_url:
            env["DATABASE_URL"] = database_url
        worker = Worker(tmp_path, env, name=name, beat=beat).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def penalty_file(path: Path, agency, rows: int) -> Path:
    """``rows`` decisions against 100 registered enterprises; every BAD_EVERY-th row is refused."""
    codes = [enterprise_code(n) for n in range(1, 101)]
    Enterprise.objects.bulk_create(
        [
            Enterprise(uscc=code, name=f"杭州西湖{n}号科技有限公司", division_code="330106")
            for n, code in enumerate(codes)
        ],
        ignore_conflicts=True,  # the module's PostgreSQL keeps them from an earlier test
    )
    by_code = Enterprise.objects.in_bulk(codes, field_name="uscc")
    parties = [by_code[code] for code in codes]
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PENALTY_HEADERS[:-1])  # without the agency's own column: no warning
        for n in range(1, rows + 1):
            bad = {"CF_CFLB": "罚金刑"} if n % BAD_EVERY == 0 else {}
            writer.writerow(penalty_row(agency, parties[n % 100], f"杭市监罚〔2026〕{n}号", **bad)[:-1])
    return path


def upload(monkeypatch, client: Celery, *, clerk, agency, path: Path) -> ImportBatch:
    """Import the file as a clerk does; its task goes to the test's own broker."""
    monkeypatch.setattr(accepting, "task_on_commit", lambda name, *args: None)
    batch = import_start(actor=clerk, agency=agency, path=path, original_name=path.name)
    client.send_task(task_names.IMPORT_PROCESS, args=[batch.pk])
    return batch


def current(batch: ImportBatch) -> ImportBatch:
    """The batch as the database has it now (on a new connection if the old one died)."""
    for _attempt in range(50):
        try:
            batch.refresh_from_db()
            return batch
        except Exception:  # the database was killed under this connection; it is back or coming
            connection.close()
            time.sleep(0.1)
    batch.refresh_from_db()
    return batch


def wait_for(condition, *, timeout: float, what: str, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")


def assert_imported_once(batch: ImportBatch, agency, rows: int) -> None:
    good = rows - rows // BAD_EVERY
    assert (batch.status, batch.total_rows, batch.processed_rows) == ("done", rows, rows)
    assert (batch.created_count, batch.unchanged_count, batch.error_count) == (good, 0, rows // BAD_EVERY)
    numbers = Counter(CreditRecord.objects.filter(agency=agency).values_list("document_number", flat=True))
    assert len(numbers) == sum(numbers.values()) == good  # no duplicate, none lost
    assert RecordEvent.objects.filter(record__agency=agency).count() == good
    assert [e.row for e in import_errors(batch)] == [n + 1 for n in range(BAD_EVERY, rows + 1, BAD_EVERY)]


# --- a worker killed -------------------------------------------------------------------------------
KILLED_ROWS = 20_000


@pytest.mark.django_db(transaction=True)
def test_a_new_worker_finishes_an_import_whose_worker_was_killed_within_a_minute(
    tmp_path, monkeypatch, broker, workers, clerk, market_agency
):
    _server, client = broker
    path = penalty_file(tmp_path / "penalties.csv", market_agency, KILLED_ROWS)
    first = workers("first", beat=True)
    batch = upload(monkeypatch, client, clerk=clerk, agency=market_agency, path=path)

    wait_for(
        lambda: current(batch).processed_rows >= KILLED_ROWS // 5,
        timeout=120,
        what=f"a fifth of the rows imported\n{first.text()[-3000:]}",
    )
    first.kill()
    killed_at = current(batch).processed_rows
    assert batch.status == "importing" and killed_at < KILLED_ROWS, "the import ended before the kill"

    started = time.monotonic()
    second = workers("second", beat=True)
    wait_for(
        lambda: current(batch).status in ("done", "failed"),
        timeout=60,
        what=f"the new worker to finish the import\n{second.text()[-3000:]}",
        every=0.2,
    )
    took = time.monotonic() - started

    assert took < 60, f"the new worker took {took:.0f} s"
    assert_imported_once(batch, market_agency, KILLED_ROWS)
    assert batch.runs == 2  # queued again once, by the sweeper: the killed worker's message never came back
    resumed = AuditEntry.objects.get(action="import.resume")
    assert resumed.actor_label == SYSTEM_USERNAME and resumed.before["rows"] >= killed_at
    assert "its run had stopped" in second.text()


# --- PostgreSQL killed -----------------------------------------------------------------------------
OUTAGE_ROWS = 4000


@pytest.fixture(scope="module")
def private_postgres(tmp_path_factory):
    """A PostgreSQL of this module's own, with the project's tables (``migrate``)."""
    import psycopg

    server = PostgresServer().init().start()
    url = server.create_database("imports")
    with psycopg.connect(server.url(), autocommit=True) as admin:
        # The server runs with synchronous_commit off (fast, for tests); a kill would then lose
        # commits already acknowledged, which a production server never does.
        admin.execute("ALTER DATABASE imports SET synchronous_commit TO on")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        check=True,
        capture_output=True,
    )
    yield server, url
    server.remove()


@pytest.fixture
def on_private_postgres(private_postgres, django_db_blocker):
    """This test's own queries go to the private PostgreSQL too (its data is left behind there)."""
    server, url = private_postgres
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(
            NAME="imports", HOST="127.0.0.1", PORT=str(server.port), USER="postgres"
        )
        connection.settings_dict["PASSWORD"] = ""
        try:
            yield server, url
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


@pytest.fixture
def people(on_private_postgres):
    from registry.choices import StaffRoleKind
    from registry.models import StaffRole
    from tests.factories import AgencyFactory, UserFactory

    agency = AgencyFactory()  # a new one for each test: the module's PostgreSQL keeps the earlier ones
    clerk = UserFactory()
    StaffRole.objects.create(user=clerk, agency=agency, role=StaffRoleKind.CLERK)
    return clerk, agency


def retry_waits(log: str) -> list[float]:
    return [float(s) for s in re.findall(r"import_process\[[^\]]+\] retry: Retry in ([\d.]+)s", log)]


def test_an_import_waits_out_a_database_outage_with_longer_and_longer_retries(
    tmp_path, monkeypatch, broker, workers, on_private_postgres, people
):
    server, url = on_private_postgres
    clerk, agency = people
    _redis, client = broker
    path = penalty_file(tmp_path / "penalties.csv", agency, OUTAGE_ROWS)
    worker = workers(
        "retrying",
        beat=False,  # the retries alone carry the import through
        database_url=url,
        RECORD_IMPORT_CHUNK_ROWS="100",
        RECORD_IMPORT_RETRY_FIRST_SECONDS="1",
        RECORD_IMPORT_RETRY_MAX_SECONDS="4",
        RECORD_IMPORT_RETRY_FOR_SECONDS="60",
    )
    batch = upload(monkeypatch, client, clerk=clerk, agency=agency, path=path)
    wait_for(
        lambda: current(batch).processed_rows >= 500, timeout=120, what=f"rows imported\n{worker.text()}"
    )

    server.kill()
    wait_for(lambda: len(retry_waits(worker.text())) >= 3, timeout=30, what=f"three retries\n{worker.text()}")
    server.start()

    wait_for(
        lambda: current(batch).status in ("done", "failed"),
        timeout=90,
        what=f"the import to end\n{worker.text()}",
    )
    waits = retry_waits(worker.text())
    assert waits[:3] == [1.0, 2.0, 4.0] and all(w == 4.0 for w in waits[3:]), waits
    assert_imported_once(batch, agency, OUTAGE_ROWS)
    assert batch.runs == 1 and batch.message == ""  # no note of the retries left behind


def test_an_import_whose_retries_ran_out_is_resumed_by_the_beat_when_the_database_is_back(
    tmp_path, monkeypatch, broker, workers, on_private_postgres, people
):
    server, url = on_private_postgres
    clerk, agency = people
    _redis, client = broker
    path = penalty_file(tmp_path / "penalties.csv", agency, OUTAGE_ROWS)
    worker = workers(
        "giving-up",
        beat=True,
        database_url=url,
        RECORD_IMPORT_CHUNK_ROWS="100",
        RECORD_IMPORT_RETRY_FIRST_SECONDS="0.5",
        RECORD_IMPORT_RETRY_MAX_SECONDS="1",
        RECORD_IMPORT_RETRY_FOR_SECONDS="3",
        RECORD_IMPORT_SWEEP_SECONDS="2",
    )
    batch = upload(monkeypatch, client, clerk=clerk, agency=agency, path=path)
    wait_for(
        lambda: current(batch).processed_rows >= 500, timeout=120, what=f"rows imported\n{worker.text()}"
    )

    server.kill()
    wait_for(
        lambda: re.search(r"import_process\[[^\]]+\] raised unexpected: OperationalError", worker.text()),
        timeout=30,
        what=f"the task to give up\n{worker.text()}",
    )
    time.sleep(3)  # the beat sweeps meanwhile, and fails: the database is still away
    server.start()

    wait_for(
        lambda: current(batch).status in ("done", "failed"),
        timeout=90,
        what=f"the beat to resume the import and the import to end\n{worker.text()}",
    )
    assert retry_waits(worker.text()) == [0.5, 1.0, 1.0, 1.0]
    assert_imported_once(batch, agency, OUTAGE_ROWS)
    assert batch.runs == 2 and batch.message == ""
    assert AuditEntry.objects.filter(action="import.resume", actor_label=SYSTEM_USERNAME).count() == 1
