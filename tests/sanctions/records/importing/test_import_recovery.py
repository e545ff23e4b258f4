"""Every import finishes or says why: retries that wait longer each time, the run's lock and heartbeat,
the sweeper that queues again what no live run will finish, a clerk's cancel and resume (desk and
API), the cap on stored errors and the stop for a file of bad rows.

The same with real processes killed (a worker, PostgreSQL) is in ``test_import_faults.py``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import psycopg
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from rest_framework.test import APIClient

from registry.models import AuditEntry
from registry.services import SYSTEM_USERNAME
from sanctions.choices import ImportStatus
from sanctions.models import CreditRecord, ImportBatch, ImportRowError
from sanctions.records.importing import liveness, recovery
from sanctions.records.importing.recovery import (
    can_resume,
    import_cancel,
    import_gave_up,
    import_resume,
    import_retry_delay,
    imports_sweep,
)
from sanctions.records.importing.run import import_error_report, import_run, import_start, pipeline, upload
from tests.sanctions.records.importing.helpers import PENALTY_HEADERS, penalty_row, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "eager_tasks")]

ROWS = 1000


def number(n: int) -> str:
    return f"杭市监罚〔2026〕{n}号"


@pytest.fixture
def small_chunks(settings):
    settings.RECORD_IMPORT_CHUNK_ROWS = 100


@pytest.fixture
def thousand_rows(tmp_path, market_agency, acme, beta):
    """1,000 good rows: ten chunks of 100."""
    rows = [penalty_row(market_agency, (acme, beta)[n % 2], number(n)) for n in range(1, ROWS + 1)]
    return write_csv(tmp_path / "penalties.csv", [PENALTY_HEADERS, *rows])


@pytest.fixture
def uploaded(monkeypatch, clerk, market_agency, thousand_rows):
    """The file accepted and stored, its task never queued (as when the broker was away)."""
    monkeypatch.setattr(upload, "task_on_commit", lambda name, *args: None)
    return import_start(actor=clerk, agency=market_agency, path=thousand_rows, original_name="penalties.csv")


def stop_after_chunks(monkeypatch, count: int, then):
    """Call ``then(batch)`` once the run has written ``count`` chunks (as a clerk would, meanwhile)."""
    write = pipeline._import_chunk
    written = []

    def chunk(batch, *args):
        if len(written) == count:
            then(batch)
        result = write(batch, *args)
        written.append(result)
        return result

    monkeypatch.setattr(pipeline, "_import_chunk", chunk)
    return written


def imported_once(agency) -> bool:
    counts = Counter(CreditRecord.objects.filter(agency=agency).values_list("document_number", flat=True))
    return set(counts.values()) <= {1}


def released(batch_id: int) -> bool:
    """Whether no session holds the batch's run lock (a closed session's backend lets go a moment later)."""
    import time

    deadline = time.monotonic() + 10
    while liveness.holder_of(batch_id, liveness.run_holders()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return liveness.holder_of(batch_id, liveness.run_holders()) is None


def other_session():
    """A second database session, as another worker has."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    )


# --- the task's retries -----------------------------------------------------------------------------
def test_retries_wait_twice_as_long_each_time_up_to_a_minute_for_fifteen_minutes_in_all():
    delays = []
    while (delay := import_retry_delay(len(delays))) is not None:
        delays.append(delay)
    assert delays[:6] == [5, 10, 20, 40, 60, 60]
    assert set(delays[4:]) == {60}
    assert 900 <= sum(delays) < 900 + 60  # an outage of up to fifteen minutes, not more


def test_retry_waits_follow_the_settings(settings):
    settings.RECORD_IMPORT_RETRY_FIRST_SECONDS = 1
    settings.RECORD_IMPORT_RETRY_MAX_SECONDS = 4
    settings.RECORD_IMPORT_RETRY_FOR_SECONDS = 10
    assert [import_retry_delay(n) for n in range(6)] == [1, 2, 4, 4, None, None]


def test_after_the_last_retry_the_import_says_the_database_was_away_and_can_be_resumed(
    small_chunks, monkeypatch, uploaded, clerk
):
    stop_after_chunks(
        monkeypatch, 3, lambda batch: ImportBatch.objects.filter(pk=batch.pk).update(status="pending")
    )
    import_run(uploaded.pk)  # stops after three chunks, as a run that lost its database
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.IMPORTING)

    import_gave_up(uploaded.pk, retries=18)

    uploaded.refresh_from_db()
    assert uploaded.status == ImportStatus.FAILED
    assert uploaded.message == (
        "The database could not be reached for 16 minutes; 300 of 1,000 rows are imported. Resume to continue."
    )
    assert can_resume(uploaded)
    audit = AuditEntry.objects.get(action="import.fail")
    assert (audit.before["status"], audit.after["by"]) == (ImportStatus.IMPORTING, "task: database away")


def test_while_it_retries_the_import_says_so_and_the_next_run_clears_the_note(uploaded):
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.IMPORTING)
    recovery.import_retrying(uploaded.pk, attempt=3, delay=20)
    uploaded.refresh_from_db()
    assert uploaded.message == (
        "The database could not be reached; the import tries again in 20 s (attempt 3). "
        "The rows imported so far stay."
    )
    batch = import_run(uploaded.pk)
    assert (batch.status, batch.message) == (ImportStatus.DONE, "Columns ignored (not known): 内部编号.")


def test_a_run_that_holds_its_lock_is_not_failed_by_an_older_task_giving_up(uploaded):
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.IMPORTING)
    with other_session() as session:
        session.execute("SELECT pg_advisory_lock(%s, %s)", [liveness.LOCK_CLASS, uploaded.pk])
        import_gave_up(uploaded.pk, retries=18)
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.message) == (ImportStatus.IMPORTING, "")


# --- the run's lock and heartbeat ----------------------------------------------------------------
def test_a_second_run_leaves_the_batch_to_the_run_holding_its_lock(uploaded):
    with other_session() as session:
        session.execute("SELECT pg_advisory_lock(%s, %s)", [liveness.LOCK_CLASS, uploaded.pk])
        batch = import_run(uploaded.pk)
        assert (batch.status, batch.processed_rows, batch.heartbeat_at) == ("pending", 0, None)
    assert released(uploaded.pk)
    assert import_run(uploaded.pk).status == ImportStatus.DONE  # the lock went with the session


def test_a_run_beats_at_every_chunk_and_lets_go_of_its_lock(small_chunks, monkeypatch, uploaded):
    beats = []
    write = pipeline._import_chunk

    def chunk(batch, *args):
        beats.append(ImportBatch.objects.values_list("heartbeat_at", flat=True).get(pk=batch.pk))
        assert liveness.holder_of(batch.pk, liveness.run_holders()) is not None
        return write(batch, *args)

    monkeypatch.setattr(pipeline, "_import_chunk", chunk)
    batch = import_run(uploaded.pk)
    assert batch.status == ImportStatus.DONE and len(beats) == 10
    assert beats == sorted(beats) and len(set(beats)) == 10 and batch.heartbeat_at > beats[-1]
    assert liveness.holder_of(batch.pk, liveness.run_holders()) is None


def test_a_run_waiting_for_slow_rows_keeps_beating(settings, monkeypatch, uploaded):
    import time

    settings.RECORD_IMPORT_HEARTBEAT_SECONDS = 0.05
    clean = pipeline.ChunkImporter.clean_ahead

    def slow(self, *args):
        time.sleep(0.3)
        return clean(self, *args)

    beats = []
    beat = liveness.beat
    monkeypatch.setattr(pipeline.ChunkImporter, "clean_ahead", slow)
    monkeypatch.setattr(liveness, "beat", lambda batch_id: beats.append(batch_id) or beat(batch_id))
    assert import_run(uploaded.pk).status == ImportStatus.DONE
    assert len(beats) >= 4


# --- the sweeper ---------------------------------------------------------------------------------
def test_the_sweeper_sends_again_an_import_whose_message_was_lost(settings, uploaded, market_agency):
    swept = imports_sweep()
    assert swept.sent == []  # younger than RECORD_IMPORT_PENDING_SECONDS: its task may be queued
    settings.RECORD_IMPORT_PENDING_SECONDS = 0

    swept = imports_sweep()

    uploaded.refresh_from_db()
    assert swept.sent == [uploaded.pk] and uploaded.status == ImportStatus.DONE
    assert uploaded.created_count == ROWS and uploaded.runs == 1  # sent again, not run again


def test_the_sweeper_resumes_an_import_whose_run_died_after_its_last_chunk(
    small_chunks, monkeypatch, uploaded, market_agency
):
    def dies(batch):
        raise SystemExit("worker killed")

    stop_after_chunks(monkeypatch, 4, dies)
    with pytest.raises(SystemExit):
        import_run(uploaded.pk)
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.processed_rows, uploaded.runs) == ("importing", 400, 1)
    monkeypatch.undo()

    swept = imports_sweep()

    uploaded.refresh_from_db()
    assert swept.resumed == [uploaded.pk]
    assert (uploaded.status, uploaded.processed_rows, uploaded.created_count, uploaded.runs) == (
        "done",
        ROWS,
        ROWS,
        2,
    )
    assert imported_once(market_agency) and CreditRecord.objects.count() == ROWS
    entry = AuditEntry.objects.get(action="import.resume")
    assert entry.actor_label == SYSTEM_USERNAME and entry.after["runs"] == 2


def test_the_sweeper_leaves_a_live_run_alone(uploaded):
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.IMPORTING)
    with other_session() as session:
        session.execute("SELECT pg_advisory_lock(%s, %s)", [liveness.LOCK_CLASS, uploaded.pk])
        swept = imports_sweep()
    assert swept.as_dict() == {"sent": [], "resumed": [], "stopped": [], "failed": []}
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.runs) == (ImportStatus.IMPORTING, 1)


def test_the_sweeper_ends_a_stuck_runs_session_then_resumes_the_import(settings, uploaded):
    """A run whose session sits idle, holding the lock, with no heartbeat for longer than
    RECORD_IMPORT_STALE_SECONDS: its worker is stopped or cut off."""
    settings.RECORD_IMPORT_STALE_SECONDS = 0.2
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.IMPORTING)
    session = other_session()
    session.execute("SELECT pg_advisory_lock(%s, %s)", [liveness.LOCK_CLASS, uploaded.pk])
    import time

    time.sleep(0.4)

    assert imports_sweep().stopped == [uploaded.pk]
    with pytest.raises(psycopg.OperationalError):
        session.execute("SELECT 1")
    assert released(uploaded.pk)
    assert imports_sweep().resumed == [uploaded.pk]
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.created_count) == (ImportStatus.DONE, ROWS)


def test_the_sweeper_fails_an_import_that_stopped_too_often_saying_so(settings, uploaded):
    settings.RECORD_IMPORT_MAX_RUNS = 3
    ImportBatch.objects.filter(pk=uploaded.pk).update(
        status=ImportStatus.IMPORTING, runs=3, total_rows=ROWS, processed_rows=300
    )

    swept = imports_sweep()

    uploaded.refresh_from_db()
    assert swept.failed == [uploaded.pk] and uploaded.status == ImportStatus.FAILED
    assert uploaded.message == (
        "The import stopped 3 times before it finished (its worker stopped or lost the database); "
        "300 of 1,000 rows are imported. Resume to continue."
    )
    assert can_resume(uploaded)
    assert AuditEntry.objects.get(action="import.fail").after["by"] == "sweeper: out of runs"


def test_of_two_sweepers_at_once_one_queues_the_import(uploaded):
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.IMPORTING)
    seen = ImportBatch.objects.values_list("heartbeat_at", flat=True).get(pk=uploaded.pk)
    assert recovery._claim(uploaded.pk, ImportStatus.IMPORTING, seen, status=ImportStatus.PENDING)
    assert not recovery._claim(uploaded.pk, ImportStatus.IMPORTING, seen, status=ImportStatus.PENDING)
    assert not recovery._claim(uploaded.pk, ImportStatus.PENDING, seen)


def test_imports_sweep_is_a_beat_job_and_runs_as_a_worker_starts_on_its_queue(settings, monkeypatch):
    from celery.signals import worker_ready
    from kombu import Queue

    from sanctions import task_names, tasks

    entry = settings.CELERY_BEAT_SCHEDULE["imports-sweep"]
    assert entry == {"task": task_names.IMPORTS_SWEEP, "schedule": settings.RECORD_IMPORT_SWEEP_SECONDS}
    assert tasks.imports_sweep.name == task_names.IMPORTS_SWEEP
    sent = []
    monkeypatch.setattr(tasks.imports_sweep, "apply_async", lambda **options: sent.append(options))

    class Consumer:
        task_consumer = type("TaskConsumer", (), {"queues": [Queue("imports-here")]})

    consumer = Consumer()

    worker_ready.send(sender=consumer)
    assert sent == []  # tasks run eagerly here: there is no broker to queue the sweep on

    conf = tasks.imports_sweep.app.conf
    conf.task_always_eager = False  # as in a worker on a broker
    try:
        worker_ready.send(sender=consumer)
    finally:
        conf.task_always_eager = True
    assert sent == [{"queue": "imports-here"}]


# --- cancelling and resuming ---------------------------------------------------------------------
def test_a_clerk_cancels_a_running_import_which_stops_at_the_next_chunk_and_resumes_it_later(
    small_chunks, monkeypatch, uploaded, clerk, market_agency
):
    stop_after_chunks(monkeypatch, 3, lambda batch: import_cancel(batch=batch, actor=clerk))

    batch = import_run(uploaded.pk)

    assert (batch.status, batch.processed_rows, batch.created_count) == ("cancelled", 300, 300)
    assert batch.message == "Cancelled by clerk after 300 of 1,000 rows; 300 records created."
    assert CreditRecord.objects.count() == 300 and import_run(batch.pk).processed_rows == 300
    cancel = AuditEntry.objects.get(action="import.cancel")
    assert cancel.before == {"status": "importing", "rows": 300}
    assert cancel.after == {"status": "cancelled", "rows": 300, "total": ROWS, "created": 300}
    monkeypatch.undo()

    batch = import_resume(batch=batch, actor=clerk)
    assert (batch.status, batch.message, batch.runs) == ("pending", "", 2)
    batch = import_run(batch.pk)  # the queued task

    assert (batch.status, batch.processed_rows, batch.created_count) == ("done", ROWS, ROWS)
    assert imported_once(market_agency) and CreditRecord.objects.count() == ROWS
    assert AuditEntry.objects.get(action="import.resume").after == {
        "status": "pending",
        "rows": 300,
        "runs": 2,
    }


def test_an_import_resumed_by_its_clerk_is_queued_once_committed(
    django_capture_on_commit_callbacks, uploaded, clerk, market_agency
):
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.FAILED, message="Database away.")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        import_resume(batch=uploaded, actor=clerk)
    uploaded.refresh_from_db()
    assert len(queued) == 1 and (uploaded.status, uploaded.created_count) == ("done", ROWS)


def test_a_waiting_import_cancelled_before_any_row_says_so(uploaded, clerk):
    batch = import_cancel(batch=uploaded, actor=clerk)
    assert (batch.status, batch.message) == ("cancelled", "Cancelled by clerk before any row was imported.")
    assert import_run(batch.pk).status == "cancelled"  # its task, arriving late, does nothing


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_a_finished_import_cannot_be_cancelled(uploaded, clerk, status):
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=status)
    uploaded.refresh_from_db()
    with pytest.raises(ValidationError, match="Only a waiting, running or failed import can be cancelled"):
        import_cancel(batch=uploaded, actor=clerk)


@pytest.mark.parametrize("status", ["pending", "importing", "done"])
def test_only_a_failed_or_cancelled_import_can_be_resumed(uploaded, clerk, status):
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=status)
    uploaded.refresh_from_db()
    with pytest.raises(ValidationError, match="Only a failed or cancelled import can be resumed"):
        import_resume(batch=uploaded, actor=clerk)


@pytest.mark.parametrize("who", ["reviewer", "other_clerk", "registry_admin"])
def test_only_a_clerk_of_the_agency_cancels_or_resumes_an_import(request, uploaded, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        import_cancel(batch=uploaded, actor=actor)
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.FAILED)
    uploaded.refresh_from_db()
    with pytest.raises(PermissionDenied):
        import_resume(batch=uploaded, actor=actor)
    uploaded.refresh_from_db()
    assert (
        uploaded.status == ImportStatus.FAILED
        and not AuditEntry.objects.filter(action__in=["import.cancel", "import.resume"]).exists()
    )


# --- the desk and the API ------------------------------------------------------------------------
@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the desk's language switch
    return client


def test_the_desk_shows_a_stopped_import_its_last_activity_and_a_resume_button_to_its_clerk(
    django_capture_on_commit_callbacks, client, uploaded, clerk, reviewer, market_agency
):
    ImportBatch.objects.filter(pk=uploaded.pk).update(
        status=ImportStatus.FAILED,
        total_rows=ROWS,
        processed_rows=300,
        created_count=300,
        runs=2,
        message="The database could not be reached for 15 minutes; 300 of 1,000 rows are imported. "
        "Resume to continue.",
    )
    liveness.beat(uploaded.pk)
    client.force_login(clerk)
    page = client.get(f"/desk/imports/{uploaded.pk}/").content.decode()
    assert "The import stopped before the end of the file" in page
    assert "The database could not be reached for 15 minutes; 300 of 1,000 rows are imported." in page
    assert f'action="/desk/imports/{uploaded.pk}/resume/"' in page and 'id="resume-import"' in page
    assert 'id="cancel-import">Leave it cancelled<' in page
    assert 'id="runs">2<' in page and 'id="last-activity">20' in page and "ago)" in page
    assert '<meta http-equiv="refresh"' not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/desk/imports/{uploaded.pk}/resume/")
    assert response.status_code == 302 and response["Location"] == f"/desk/imports/{uploaded.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "The import continues after row 300 of 1,000." in page
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.created_count) == ("done", ROWS)  # (tasks run at once here)

    client.force_login(reviewer)
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.FAILED)
    page = client.get(f"/desk/imports/{uploaded.pk}/").content.decode()
    assert "resume-import" not in page and "cancel-import" not in page


def test_the_desk_cancels_a_running_import_by_post_only(client, uploaded, clerk):
    ImportBatch.objects.filter(pk=uploaded.pk).update(
        status=ImportStatus.IMPORTING, total_rows=50000, processed_rows=12000, created_count=11950
    )
    client.force_login(clerk)
    page = client.get(f"/desk/imports/{uploaded.pk}/").content.decode()
    assert 'id="cancel-import">Cancel the import<' in page and "resume-import" not in page
    assert client.get(f"/desk/imports/{uploaded.pk}/cancel/").status_code == 405

    response = client.post(f"/desk/imports/{uploaded.pk}/cancel/")

    page = client.get(response["Location"]).content.decode()
    assert "Cancelled by clerk after 12,000 of 50,000 rows; 11,950 records created." in page
    assert 'id="resume-import"' in page
    assert client.post(f"/desk/imports/{uploaded.pk}/cancel/").status_code == 302
    page = client.get(f"/desk/imports/{uploaded.pk}/").content.decode()
    assert "Only a waiting, running or failed import can be cancelled; this one is “Cancelled”." in page


def test_the_desk_cancel_button_needs_the_csrf_token(uploaded, clerk):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert client.post(f"/desk/imports/{uploaded.pk}/cancel/").status_code == 403
    uploaded.refresh_from_db()
    assert uploaded.status == ImportStatus.PENDING


def test_the_desk_says_when_a_running_import_shows_no_sign_of_work(settings, client, uploaded, clerk):
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.IMPORTING)
    liveness.beat(uploaded.pk)
    client.force_login(clerk)
    assert "No sign of work since" not in client.get(f"/desk/imports/{uploaded.pk}/").content.decode()
    settings.RECORD_IMPORT_STALE_SECONDS = 0
    page = client.get(f"/desk/imports/{uploaded.pk}/").content.decode()
    assert "No sign of work since" in page and "resumed automatically" in page


def test_the_api_cancels_and_resumes_an_import_and_shows_its_last_activity(
    django_capture_on_commit_callbacks, uploaded, clerk, other_clerk
):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(clerk)
    ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.IMPORTING, total_rows=ROWS)
    liveness.beat(uploaded.pk)
    shown = api.get(f"/api/v1/imports/{uploaded.pk}/").json()
    assert shown["heartbeat_at"] and shown["runs"] == 1 and shown["errors_not_stored"] == 0
    assert (shown["cancellable"], shown["resumable"]) == (True, False)

    cancelled = api.post(f"/api/v1/imports/{uploaded.pk}/cancel/")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["resumable"] is True
    assert cancelled.json()["message"] == "Cancelled by clerk before any row was imported."
    again = api.post(f"/api/v1/imports/{uploaded.pk}/cancel/")
    assert again.status_code == 400
    assert again.json()["detail"] == (
        "Only a waiting, running or failed import can be cancelled; this one is “Cancelled”."
    )

    with django_capture_on_commit_callbacks(execute=True):
        resumed = api.post(f"/api/v1/imports/{uploaded.pk}/resume/")
    assert resumed.status_code == 202 and resumed.json()["runs"] == 2
    assert api.get(f"/api/v1/imports/{uploaded.pk}/").json()["status"] == "done"

    api.force_authenticate(other_clerk)
    assert api.post(f"/api/v1/imports/{uploaded.pk}/resume/").status_code == 404


# --- a file of bad rows ----------------------------------------------------------------------------
@pytest.fixture
def many_bad_rows(tmp_path, market_agency, acme):
    """40 rows, every fourth good: 30 rows with one error each (an unknown penalty category)."""
    rows = [
        penalty_row(market_agency, acme, number(n), **({} if n % 4 == 0 else {"CF_CFLB": "罚金刑"}))
        for n in range(1, 41)
    ]
    return write_csv(tmp_path / "bad.csv", [PENALTY_HEADERS, *rows])


def test_only_the_first_errors_are_stored_and_the_reports_count_the_rest(
    settings, django_capture_on_commit_callbacks, client, clerk, market_agency, many_bad_rows
):
    settings.RECORD_IMPORT_MAX_STORED_ERRORS = 12
    settings.RECORD_IMPORT_CHUNK_ROWS = 7  # the cap falls inside a chunk
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_start(actor=clerk, agency=market_agency, path=many_bad_rows, original_name="bad.csv")
    batch.refresh_from_db()

    assert (batch.status, batch.created_count, batch.error_count, batch.errors_not_stored) == (
        "done",
        10,
        30,
        18,
    )
    assert ImportRowError.objects.filter(batch=batch).count() == 12
    report = list(csv.reader(io.StringIO(import_error_report(batch).decode("utf-8-sig"))))
    assert len(report) == 1 + 12 + 1
    assert report[-1] == [
        "",
        "",
        "",
        "… and 18 more errors not stored (only the first 12 errors of a file are kept).",
    ]
    assert [int(row[0]) for row in report[1:-1]] == [n + 1 for n in range(1, 17) if n % 4][:12]

    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(clerk)
    shown = api.get(f"/api/v1/imports/{batch.pk}/").json()
    assert shown["errors_not_stored"] == 18 and len(shown["errors"]) == 12
    assert "18 more errors not stored" in api.get(f"/api/v1/imports/{batch.pk}/errors/").content.decode(
        "utf-8-sig"
    )
    client.force_login(clerk)
    page = client.get(f"/desk/imports/{batch.pk}/").content.decode()
    assert 'id="errors-not-stored">… and 18 more errors not stored' in page


def test_an_import_whose_rows_are_mostly_wrong_stops_saying_why(
    settings, django_capture_on_commit_callbacks, client, clerk, market_agency, many_bad_rows
):
    settings.RECORD_IMPORT_CHUNK_ROWS = 8
    settings.RECORD_IMPORT_ERROR_RATE_MIN_ROWS = 16
    settings.RECORD_IMPORT_MAX_ERROR_RATE = 0.7
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_start(actor=clerk, agency=market_agency, path=many_bad_rows, original_name="bad.csv")
    batch.refresh_from_db()

    assert (batch.status, batch.processed_rows, batch.created_count, batch.error_count) == (
        "failed",
        16,
        4,
        12,
    )
    assert batch.message == (
        "12 of the first 16 rows have errors (more than 70%): the import stopped, as the rest of the file "
        "is likely wrong too. 4 records were created from the rows without errors. Correct the file and "
        "upload it again."
    )
    assert CreditRecord.objects.count() == 4 and not can_resume(batch)
    with pytest.raises(ValidationError, match="most of its rows have errors"):
        import_resume(batch=batch, actor=clerk)
    client.force_login(clerk)
    page = client.get(f"/desk/imports/{batch.pk}/").content.decode()
    assert "12 of the first 16 rows have errors" in page and "resume-import" not in page


def test_a_file_read_to_its_end_is_finished_however_many_rows_have_errors(
    settings, django_capture_on_commit_callbacks, clerk, market_agency, many_bad_rows
):
    settings.RECORD_IMPORT_ERROR_RATE_MIN_ROWS = 16
    settings.RECORD_IMPORT_MAX_ERROR_RATE = 0.7  # 30 of 40 is 75%, but no row is left to spare
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_start(actor=clerk, agency=market_agency, path=many_bad_rows, original_name="bad.csv")
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.error_count) == ("done", 10, 30)
