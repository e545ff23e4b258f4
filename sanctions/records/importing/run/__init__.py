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

- ``upload``: a clerk's file accepted (``import_start``): its type and headers checked, stored,
  its import queued; the same file twice is imported once;
- ``lifecycle``: one run (``import_run``): the batch's lock, the file scanned, the batch validating,
  importing, then done or failed (``FINISHED``, ``RUNNING``);
- ``pipeline``: the rows chunk by chunk, read and cleaned in a helper thread while one is written;
  the chunks' size, the interpreter's switch interval meanwhile;
- ``writing``: one chunk's transaction: its records, its stored row errors, the batch's progress;
- ``errors``: the error rate that stops an import and its message, the stored errors, the CSV
  error report, numbers grouped as the language writes them.
"""

from .errors import (
    error_rate_exceeded,
    error_rate_message,
    errors_not_stored_note,
    grouped,
    import_error_report,
    import_errors,
)
from .lifecycle import FINISHED, RUNNING, import_run
from .pipeline import CHUNKS_AHEAD, CHUNKS_PER_FILE, MIN_CHUNK_ROWS, SWITCH_INTERVAL, chunk_size
from .upload import import_start, is_system_actor

# Module state (``_switching``) and the private helpers live in their submodules only: patch them
# there (``pipeline._import_chunk``, ``upload.task_on_commit``, ...).
__all__ = [
    "CHUNKS_AHEAD",
    "CHUNKS_PER_FILE",
    "FINISHED",
    "MIN_CHUNK_ROWS",
    "RUNNING",
    "SWITCH_INTERVAL",
    "chunk_size",
    "error_rate_exceeded",
    "error_rate_message",
    "errors_not_stored_note",
    "grouped",
    "import_error_report",
    "import_errors",
    "import_run",
    "import_start",
    "is_system_actor",
]
