"""Files written through gzip, counted and hashed as they go (``_Output``), the blocks compressed by
one thread beside the one that reads and formats the rows."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


class _Digesting(io.RawIOBase):
    """The raw file under a gzip stream: counts and hashes the compressed bytes as they are written."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha256.update(data)
        self.bytes += len(data)
        return self.handle.write(data)


# Text is gathered and compressed in blocks of about this many characters: one encode and one
# compressor call per block, not per row.
_BLOCK = 1 << 18
# Blocks of one file handed to the compressing thread and not yet written: what it may lag behind.
_AHEAD = 2
_BOM = "\ufeff"  # a CSV file starts with a byte order mark (spreadsheet programs then read UTF-8)

_compressor: ThreadPoolExecutor | None = None
_compressor_lock = threading.Lock()


def _compressing_thread() -> ThreadPoolExecutor:
    """The one thread that compresses, hashes and writes the blocks of every file, in the order they
    were handed over. zlib, SHA-256 and the file writes let go of the interpreter's lock, so this
    runs beside the thread that reads and formats the rows, on a second core when there is one."""
    global _compressor
    with _compressor_lock:
        if _compressor is None:
            _compressor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="open-data-gzip")
        return _compressor


@dataclass
class _Output:
    """One compressed file being written: text goes in (``write``), ``entry`` says what came out."""

    folder: Path
    path: str
    dataset: str
    kind: str  # full, delta, hashes
    format: str  # csv, jsonl, tsv
    rows: int = 0
    _raw: IO[bytes] | None = None
    _digest: _Digesting | None = None
    _gzip: gzip.GzipFile | None = None
    _parts: list[str] = field(default_factory=list)
    _size: int = 0
    _pending: deque[Future] = field(default_factory=deque)

    def __post_init__(self) -> None:
        target = self.folder / self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        self._raw = open(target, "wb")  # noqa: SIM115 - closed in close()
        self._digest = _Digesting(self._raw)
        # No name and a fixed time in the gzip header: the same rows give the same bytes. Level 6
        # (zlib's default): see docs/open-data.md, "Speed", for why not 1 or 9.
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._digest, mtime=0, compresslevel=6)
        if self.format == "csv":
            self.write(_BOM)

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= _BLOCK:
            self._flush()

    def _flush(self) -> None:
        if not self._parts:
            return
        block = "".join(self._parts).encode()
        self._parts.clear()
        self._size = 0
        while len(self._pending) >= _AHEAD:
            self._pending.popleft().result()  # raises what the compressing thread met
        self._pending.append(_compressing_thread().submit(self._gzip.write, block))

    def _finish(self) -> None:
        # A sync flush before the end, as the text stream this replaced made on closing: the same
        # rows give the same bytes as the exports before, block by block.
        self._gzip.flush()
        self._gzip.close()  # writes the gzip trailer to the digest
        self._raw.close()

    def close(self) -> dict[str, Any]:
        self._flush()
        self._pending.append(_compressing_thread().submit(self._finish))
        while self._pending:
            self._pending.popleft().result()
        return {
            "path": self.path,
            "dataset": self.dataset,
            "kind": self.kind,
            "format": self.format,
            "rows": self.rows,
            "bytes": self._digest.bytes,
            "sha256": self._digest.sha256.hexdigest(),
        }

    def abandon(self) -> None:
        # The run has failed already and its folder is removed: a second error here says nothing more.
        while self._pending:
            with contextlib.suppress(Exception):
                self._pending.popleft().result()
        with contextlib.suppress(Exception):
            self._gzip.close()
        if self._raw is not None and not self._raw.closed:
            self._raw.close()
