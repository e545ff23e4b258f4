"""The rows of a file imported chunk by chunk: a helper thread reads and cleans the next chunks while
one is written (``writing``); the chunks' size; the interpreter's switch interval meanwhile."""

from __future__ import annotations

import math
import sys
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.utils import translation

from sanctions.models import ImportBatch
from sanctions.records.importing import files, liveness
from sanctions.records.importing.chunks import ChunkImporter, ChunkLookups, CleanedChunk
from sanctions.records.importing.parties import no_database

from .writing import _import_chunk

MIN_CHUNK_ROWS = 100
CHUNKS_PER_FILE = 20  # a small file still reports its progress in steps
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
