"""Bulk import of credit records from "double publicity" files (CSV or XLSX; CF_* or XK_* headers).

``import_start`` stores the file and queues ``import_process``, which calls ``import_run``: every
row goes through the desk's rules (``clean_record``), chunk by chunk. A chunk is one transaction:
its records, their history and audit entries and the batch's progress commit together, so a run
that dies resumes from ``processed_rows`` and no row is ever written twice. A run holds its batch's
lock and writes a heartbeat (``liveness``); one that dies is queued again by the sweeper, and a
clerk may cancel or resume an import (``recovery``). A row whose decision
document number the agency already has (as a current record) counts as "already present" if the
record (or an earlier version of it) holds the row's values, so importing a file again, or a task
delivered twice, changes nothing; a row that differs from that record is refused as a row error
naming the record and what differs.
"""

from __future__ import annotations

import hashlib
import io
import math
import shutil
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Now
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.audit import audit_write
from registry.background import task_on_commit
from registry.csv_safety import safe_writer
from registry.importing import ImportReport, RowError
from registry.models import Agency
from registry.services import SYSTEM_USERNAME
from sanctions import task_names
from sanctions.choices import ImportStatus
from sanctions.models import ImportBatch, ImportRowError
from sanctions.permissions import ensure_can_edit
from sanctions.records.importing import files, liveness
from sanctions.records.importing.chunks import ChunkImporter, ChunkLookups, CleanedChunk
from sanctions.records.importing.parties import no_database

__all__ = ["error_rate_exceeded", "grouped", "import_error_report", "import_run", "import_start"]

MIN_CHUNK_ROWS = 100
CHUNKS_PER_FILE = 20  # a small file still reports its progress in steps
# No run continues these; a failed or cancelled import is continued only by a clerk's resume.
FINISHED = {ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED}
RUNNING = {ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.IMPORTING}
CHUNKS_AHEAD = 2  # chunks the helper thread cleans while one is written
SWITCH_INTERVAL = 0.0001  # seconds: sys.setswitchinterval while importing


_switching = {"imports": 0, "saved": 0.0}
_switching_lock = threading.Lock()


def _quick_switching(on: bool) -> None:
    """While any import runs in this process, the interpreter switches threads every
    ``SWITCH_INTERVAL``: the main thread mostly waits for the server, and when an answer comes it
    should not wait long for the helper to let go of the interpreter (5 ms by default, each round
    trip). Counted, so that overlapping imports restore the interval once, when the last ends."""
    with _switching_lock:
        if on:
            if _switching["imports"] == 0:
                _switching["saved"] = sys.getswitchinterval()
                sys.setswitchinterval(min(_switching["saved"], SWITCH_INTERVAL))
            _switching["imports"] += 1
        else:
            _switching["imports"] -= 1
            if _switching["imports"] == 0:
                sys.setswitchinterval(_switching["saved"])


def chunk_size(total: int) -> int:
    largest = max(1, int(settings.RECORD_IMPORT_CHUNK_ROWS))
    return min(largest, max(min(MIN_CHUNK_ROWS, largest), math.ceil(total / CHUNKS_PER_FILE)))


@transaction.atomic
def import_start(
    *,
    actor,
    agency: Agency,
    uploaded_file: File | None = None,
    path: str | Path | None = None,
    original_name: str = "",
    submit: bool = False,
    run_by: str = "",
) -> ImportBatch:
    """Accept a file of records from a clerk and queue its import; the same file twice is imported once.

    ``run_by`` names who ran a command on the server (its operating-system user and host); it is
    recorded in the audit. A command may act as the system account (``registry.services.system_actor``)
    for any agency: whoever runs commands on the server is trusted with its data already. Anyone
    else must be a clerk of the agency.
    """
    if not (run_by and is_system_actor(actor)):
        ensure_can_edit(actor, agency)
    if (uploaded_file is None) == (path is None):
        raise TypeError("import_start needs either uploaded_file or path")
    with _opened(uploaded_file, path) as upload:
        name = Path(original_name or upload.name or "").name
        suffix = Path(name).suffix.lower()
        if suffix not in files.SUFFIXES:
            raise ValidationError(
                {"file": [_("Only CSV and XLSX files can be imported, not “%(name)s”.") % {"name": name}]}
            )
        digest = hashlib.sha256()
        for block in upload.chunks():
            digest.update(block)
        sha256 = digest.hexdigest()
        done = (
            ImportBatch.objects.filter(agency=agency, sha256=sha256, status=ImportStatus.DONE)
            .order_by("-created_at")
            .first()
        )
        if done is not None:
            return done
        upload.seek(0)
        _check_columns(upload, path, suffix)  # a file whose headers cannot be read is refused now
        batch = ImportBatch(
            agency=agency, uploaded_by=actor, original_name=name[:255], sha256=sha256, submit=submit, runs=1
        )
        upload.seek(0)
        # Stored under MEDIA_ROOT (never served) by a name of ours, not the uploader's.
        batch.file.save(f"{agency.pk}-{sha256[:16]}{suffix}", upload, save=False)
        batch.save()
    after = {"file": batch.original_name, "sha256": sha256, "submit": submit}
    if run_by:
        after["run_by"] = run_by
    audit_write(actor=actor, action="import.start", target=batch, after=after)
    task_on_commit(task_names.IMPORT_PROCESS, batch.pk)
    return batch


def is_system_actor(actor) -> bool:
    """The system account, which no person signs in as (it has no usable password)."""
    return actor.get_username() == SYSTEM_USERNAME and not actor.has_usable_password()


@contextmanager
def _opened(uploaded_file: File | None, path: str | Path | None) -> Iterator[File]:
    if uploaded_file is not None:
        yield uploaded_file
        return
    with open(path, "rb") as handle:
        yield File(handle, name=Path(path).name)


def _check_columns(upload: File, path: str | Path | None, suffix: str) -> None:
    """Read the file's header row (``files.columns_of``): a file the import cannot read, or whose
    headers miss a required column, is refused at upload, with the reason, and never stored."""
    try:
        if path is not None:
            files.columns_of(Path(path))
        elif hasattr(upload, "temporary_file_path"):
            files.columns_of(Path(upload.temporary_file_path()))
        else:
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                shutil.copyfileobj(upload, tmp)
                tmp.flush()
                files.columns_of(Path(tmp.name))
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    finally:
        upload.seek(0)


@contextmanager
def _local_path(field: FieldFile) -> Iterator[Path]:
    """The stored file as a local path (copied to a temporary file for a remote storage)."""
    try:
        local = Path(field.path)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    suffix = Path(field.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp, field.open("rb") as source:
        shutil.copyfileobj(source, tmp)
        tmp.flush()
        yield Path(tmp.name)


def import_run(batch_id: int) -> ImportBatch:
    """Import (or resume importing) a stored file, chunk by chunk; safe to run twice, even at once:
    a second run while the first holds the batch's lock leaves the batch to it."""
    with liveness.run_lock(batch_id) as held:
        batch = ImportBatch.objects.select_related("agency__division", "uploaded_by").get(pk=batch_id)
        if not held or batch.status in FINISHED:
            return batch
        liveness.beat(batch.pk)
        ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PENDING).update(
            status=ImportStatus.VALIDATING
        )
        try:
            with _local_path(batch.file) as path:
                scan = _scan(batch, path)
                ImportBatch.objects.filter(pk=batch.pk, status__in=RUNNING).update(
                    status=ImportStatus.IMPORTING,
                    total_rows=scan.total,
                    message="\n".join(scan.columns.warnings),
                    heartbeat_at=Now(),
                )
                batch.refresh_from_db()
                if batch.status == ImportStatus.IMPORTING:
                    _import_rows(batch, path, scan)
        except (ValidationError, FileNotFoundError) as exc:
            return _fail(
                batch, " ".join(getattr(exc, "messages", None) or [_("The stored file is missing.")])
            )
        except (OperationalError, InterfaceError):
            raise  # the database went away: the task is retried and resumes
        except Exception:
            batch.refresh_from_db()
            _fail(
                batch,
                _(
                    "The import stopped on an unexpected error after %(rows)s rows; those rows are "
                    "imported. Resume to continue."
                )
                % {"rows": grouped(batch.processed_rows)},
            )
            raise
        return _finish(batch)


def _scan(batch: ImportBatch, path: Path) -> files.Scan:
    """Read the whole file once (``files.scan``) in a helper thread, beating meanwhile: a large file
    takes a while, and its run must not look stuck."""
    language = translation.get_language()

    def scan() -> files.Scan:
        with translation.override(language), no_database():
            return files.scan(path)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-scan") as helper:
        return liveness.wait_beating(helper.submit(scan), batch.pk)


def _fail(batch: ImportBatch, message: str) -> ImportBatch:
    ImportBatch.objects.filter(pk=batch.pk).exclude(status__in=FINISHED).update(
        status=ImportStatus.FAILED, message=message, finished_at=timezone.now()
    )
    batch.refresh_from_db()
    return batch


def error_rate_exceeded(*, processed: int, errors: int, total: int | None = None) -> bool:
    """Whether so many of the rows read so far have errors that importing the rest is pointless:
    more than ``RECORD_IMPORT_MAX_ERROR_RATE`` of at least ``RECORD_IMPORT_ERROR_RATE_MIN_ROWS`` rows,
    with rows still to come (a file read to its end is finished, not stopped)."""
    if processed < max(1, int(settings.RECORD_IMPORT_ERROR_RATE_MIN_ROWS)):
        return False
    if total is not None and processed >= total:
        return False
    return errors > float(settings.RECORD_IMPORT_MAX_ERROR_RATE) * processed


def grouped(value: int) -> str:
    """12,000 (grouped as the language writes numbers)."""
    return formats.number_format(value, force_grouping=True)


def error_rate_message(*, processed: int, errors: int, created: int) -> str:
    return ngettext(
        "%(errors)s of the first %(rows)s rows have errors (more than %(percent)s%%): the import "
        "stopped, as the rest of the file is likely wrong too. %(created)s record was created from "
        "the rows without errors. Correct the file and upload it again.",
        "%(errors)s of the first %(rows)s rows have errors (more than %(percent)s%%): the import "
        "stopped, as the rest of the file is likely wrong too. %(created)s records were created from "
        "the rows without errors. Correct the file and upload it again.",
        created,
    ) % {
        "errors": grouped(errors),
        "rows": grouped(processed),
        "percent": grouped(round(100 * float(settings.RECORD_IMPORT_MAX_ERROR_RATE))),
        "created": grouped(created),
    }


def _chunks(rows: Iterator, size: int, start: int) -> Iterator[tuple[int, list]]:
    """(index of its first row, rows) for each chunk from row ``start`` on."""
    chunk: list = []
    for index, item in enumerate(rows):
        if index < start:
            continue
        chunk.append(item)
        if len(chunk) == size:
            yield start, chunk
            start += len(chunk)
            chunk = []
    if chunk:
        yield start, chunk


def _import_rows(batch: ImportBatch, path: Path, scan: files.Scan) -> None:
    """Read and clean each chunk in a helper thread while the previous one is written.

    PostgreSQL works in a process of its own, so cleaning (Python) and writing (the server, mostly)
    overlap. The helper never touches the database: what it needs (the parties, the records' ids) is
    fetched here before it starts, and the rows it cannot finish without the database are finished
    here, in the chunk's transaction.
    """
    importer = ChunkImporter(batch=batch, columns=scan.columns, first_row=scan.first_row)
    size = chunk_size(scan.total)
    _columns, rows = files.read_rows(path)
    language = translation.get_language()

    def clean_ahead(chunk: list, ahead: ChunkLookups) -> CleanedChunk:
        with translation.override(language), no_database():
            return importer.clean_ahead(chunk, ahead)

    with closing(rows), ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-clean") as helper:
        queued: deque[tuple[list, int, Future]] = deque()
        _quick_switching(True)
        try:
            # The helper also reads the file (parsing is Python too), one chunk at a time behind
            # its cleaning: only ever the helper advances the rows.
            chunks = _chunks(rows, size, batch.processed_rows)
            reading = helper.submit(next, chunks, None)
            while (item := liveness.wait_beating(reading, batch.pk)) is not None:
                start, chunk = item
                queued.append((chunk, start, helper.submit(clean_ahead, chunk, importer.prepare(chunk))))
                reading = helper.submit(next, chunks, None)
                if len(queued) > CHUNKS_AHEAD and not _import_chunk(batch, importer, *queued.popleft()):
                    return
            while queued:
                if not _import_chunk(batch, importer, *queued.popleft()):
                    return
        finally:
            _quick_switching(False)
            helper.shutdown(cancel_futures=True)


def _import_chunk(
    batch: ImportBatch, importer: ChunkImporter, chunk: list, start: int, cleaning: Future
) -> bool:
    """Write one chunk and its progress atomically, unless another run already has; False: stop
    (the import was cancelled, or stopped here for its errors)."""
    liveness.wait_beating(cleaning, batch.pk)  # the batch's row is locked only to write
    for attempt in range(3):
        try:
            with transaction.atomic():
                locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
                if locked.status != ImportStatus.IMPORTING:
                    return False
                if locked.processed_rows > start:  # a redelivered task got here first
                    return True
                if locked.processed_rows < start:
                    raise RuntimeError(
                        f"import {batch.pk}: rows {locked.processed_rows}..{start} were skipped"
                    )
                good, errors, bad = importer.finish(cleaning.result())
                # Records already present are looked for only once a chunk met one (or one was
                # entered at the desk meanwhile): then the file is likely imported again.
                written = importer.write(good, check=attempt > 0 or importer.met_present)
                if written.conflicts:
                    # The rows differing from a record present, in the order of the file's rows.
                    errors = sorted([*errors, *written.errors], key=lambda error: error.row)
                stored = _storable(locked, errors)
                processed = start + len(chunk)
                progress = {
                    "processed_rows": processed,
                    "created_count": F("created_count") + written.created,
                    "unchanged_count": F("unchanged_count") + written.present,
                    "error_count": F("error_count") + bad + written.conflicts,
                    "errors_not_stored": F("errors_not_stored") + len(errors) - len(stored),
                    "heartbeat_at": Now(),
                }
                error_rows = locked.error_count + bad + written.conflicts
                stop = error_rate_exceeded(processed=processed, errors=error_rows, total=locked.total_rows)
                if stop:
                    progress.update(
                        status=ImportStatus.FAILED,
                        finished_at=timezone.now(),
                        message=error_rate_message(
                            processed=processed,
                            errors=error_rows,
                            created=locked.created_count + written.created,
                        ),
                    )
                ImportBatch.objects.filter(pk=batch.pk).update(**progress)
                ImportRowError.objects.bulk_create(
                    [ImportRowError(batch_id=batch.pk, **asdict(error)) for error in stored]
                )
            return not stop
        except IntegrityError:
            # One of these decisions is recorded already (or a clerk recorded it at the desk
            # meanwhile): write the chunk again, less what is present.
            importer.met_present = True
            if attempt == 2:
                raise
    return True


def _storable(locked: ImportBatch, errors: list[RowError]) -> list[RowError]:
    """The chunk's errors that are kept: the first ``RECORD_IMPORT_MAX_STORED_ERRORS`` of the file
    are; the rest are only counted (``errors_not_stored``), so that a file of bad rows costs a
    bounded table and report."""
    if not errors:
        return errors
    if locked.errors_not_stored:
        return []  # the cap was reached by an earlier chunk
    room = (
        int(settings.RECORD_IMPORT_MAX_STORED_ERRORS)
        - ImportRowError.objects.filter(batch_id=locked.pk).count()
    )
    return errors[: max(0, room)]


def _finish(batch: ImportBatch) -> ImportBatch:
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == ImportStatus.IMPORTING and locked.processed_rows >= locked.total_rows:
            locked.status = ImportStatus.DONE
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "finished_at"])
            audit_write(
                actor=locked.uploaded_by,
                action="import.finish",
                target=locked,
                after={
                    "rows": locked.total_rows,
                    "created": locked.created_count,
                    "unchanged": locked.unchanged_count,
                    "errors": locked.error_count,
                },
            )
    batch.refresh_from_db()
    return batch


def import_errors(batch: ImportBatch, *, limit: int | None = None) -> list[RowError]:
    """The file's bad cells in the order of its rows (the first ``limit`` of them)."""
    found = (
        ImportRowError.objects.filter(batch=batch)
        .order_by("id")
        .values_list("row", "column", "value", "reason")
    )
    if limit is not None:
        found = found[:limit]
    return [RowError(*error) for error in found]


def errors_not_stored_note(batch: ImportBatch) -> str:
    """What the error reports say of the errors beyond the stored ones ("" if every one is stored)."""
    if not batch.errors_not_stored:
        return ""
    return ngettext(
        "… and %(count)s more error not stored (only the first %(stored)s errors of a file are kept).",
        "… and %(count)s more errors not stored (only the first %(stored)s errors of a file are kept).",
        batch.errors_not_stored,
    ) % {
        "count": grouped(batch.errors_not_stored),
        "stored": grouped(settings.RECORD_IMPORT_MAX_STORED_ERRORS),
    }


def import_error_report(batch: ImportBatch) -> bytes:
    """The refused rows as CSV (row, column, value, reason), UTF-8 with a BOM so that Excel reads it;
    a last line counts the errors that were not stored."""
    report = ImportReport(path=batch.original_name, errors=import_errors(batch))
    buffer = io.StringIO(newline="")
    report.write_errors_csv(buffer)
    if note := errors_not_stored_note(batch):
        safe_writer(buffer).writerow(["", "", "", note])  # a translation may start as a formula
    return buffer.getvalue().encode("utf-8")
