"""Write, sign and publish one day's open data export (``open_data_export``), and prune old ones.

An export is a folder ``<OPEN_DATA_ROOT>/<YYYY-MM-DD>/``:

- ``<dataset>.csv.gz`` and ``<dataset>.jsonl.gz`` for every dataset (``datasets.DATASETS``): CSV in
  UTF-8 with a byte order mark, every text cell made inert for spreadsheets (``registry.csv_safety``);
- ``delta/<dataset>.csv.gz`` and ``.jsonl.gz``: what was added, changed or removed since the previous
  export (a removal carries the identifiers only), when there is a previous export;
- ``hashes/<dataset>.tsv.gz``: each row's key, a digest of its values and its identifiers (a JSON
  array), sorted by key: the next export's delta is a merge of this file with its own rows, never a table in memory;
- ``manifest.json`` (every file's rows, bytes and SHA-256, the generation and as-of times) and
  ``manifest.json.sig``, a detached Ed25519 signature of it by the registry's signing key set
  (``lookup.signing``), verifiable with the published JWKS (``python -m lookup.opendata.verify``).

All of it is read in one REPEATABLE READ transaction (one snapshot: the files agree with each other),
through server-side cursors, and written through gzip as it is read: memory does not grow with the
registry. The folder is written under a temporary name and renamed when complete, so a failed run
leaves the previous export as it was; a rerun for the same day replaces it.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import gzip
import hashlib
import io
import json
import logging
import re
import shutil
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from registry.audit import audit_write
from registry.csv_safety import FORMULA_STARTS, safe_cell
from registry.models import Enterprise
from registry.services import system_actor
from sanctions.statistics.selectors import CSV_COLUMNS as STATISTICS_COLUMNS
from sanctions.statistics.selectors import statistics_rows, statistics_snapshot

from ..signing import sign_detached
from .datasets import DATASETS, Dataset

logger = logging.getLogger(__name__)

FORMAT = "credit-registry-open-data/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
JWKS_PATH = "/.well-known/credit-registry-keys.json"
DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OPS = ("added", "changed", "removed")


class OpenDataExportFailed(Exception):
    """The export could not be written; the previous one is unchanged."""


def export_root(out: str | Path | None = None) -> Path:
    return Path(out) if out else Path(settings.OPEN_DATA_ROOT)


def export_folders(root: Path) -> list[Path]:
    """Published exports (dated folders with a manifest), oldest first."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if DATE_FOLDER.match(p.name) and (p / MANIFEST).is_file())


# --- Files written through gzip, counted and hashed as they go ----------------------------------------


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


# The encoders ``json.dumps`` would make on each call with these options, made once.
_encode_line = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_encode_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_encode_cell = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_encode_identifiers = json.JSONEncoder(ensure_ascii=False).encode


def csv_cell(value: Any) -> Any:
    """A JSON value as a CSV cell: lists of codes joined by ``;``, objects as JSON, booleans as words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return ";".join(value)
        return _encode_cell(value)
    if isinstance(value, dict):
        return _encode_cell(value)
    return value


def csv_cells(values: dict[str, Any], header: list[str]) -> list[Any]:
    """The row's cells in the header's order: ``csv_cell``, then made inert (``registry.csv_safety``).
    The same as ``safe_row(csv_cell(v) ...)``, with the two commonest cells (empty, plain text) done inline."""
    cells = []
    append = cells.append
    get = values.get
    for name in header:
        value = get(name)
        if value is None:
            append("")
        elif type(value) is str:
            append("'" + value if value and value[0] in FORMULA_STARTS else value)
        else:
            append(safe_cell(csv_cell(value)))
    return cells


def _json_line(values: dict[str, Any]) -> str:
    return _encode_line(values) + "\n"


def row_digest(values: dict[str, Any]) -> str:
    """What the delta compares: a digest of a row's values (128 bits of BLAKE2b)."""
    return blake2b(_encode_canonical(values).encode(), digest_size=16).hexdigest()


class _Pair:
    """A CSV and a JSON Lines file of the same rows."""

    def __init__(self, folder: Path, stem: str, dataset: str, kind: str, header: list[str]) -> None:
        self.header = header
        self.csv = _Output(folder, f"{stem}.csv.gz", dataset, kind, "csv")
        self.jsonl = _Output(folder, f"{stem}.jsonl.gz", dataset, kind, "jsonl")
        # The CSV module's own writer: cells are made inert by ``csv_cells`` before it sees them.
        self.writer = csv.writer(self.csv)
        self.writer.writerow(header)

    def write(self, values: dict[str, Any]) -> None:
        self.writer.writerow(csv_cells(values, self.header))
        self.jsonl.write(_encode_line(values) + "\n")
        self.csv.rows += 1
        self.jsonl.rows += 1

    def outputs(self) -> list[_Output]:
        return [self.csv, self.jsonl]


def _previous_hashes(previous: Path | None, dataset: str) -> Iterator[tuple[str, str, list[str]]]:
    """(key, digest, identifiers) of the previous export's rows, in key order, read as streamed."""
    if previous is None:
        return
    path = previous / "hashes" / f"{dataset}.tsv.gz"
    if not path.is_file():
        return
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as handle:
        for line in handle:
            key, digest, identifiers = line.rstrip("\n").split("\t", 2)
            yield key, digest, json.loads(identifiers)


def _write_dataset(
    dataset: Dataset, *, folder: Path, previous: Path | None, today: dt.date
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    outputs: list[_Output] = []
    try:
        full = _Pair(folder, dataset.name, dataset.name, "full", list(dataset.columns))
        outputs += full.outputs()
        hashes = _Output(folder, f"hashes/{dataset.name}.tsv.gz", dataset.name, "hashes", "tsv")
        outputs.append(hashes)
        delta = None
        if previous is not None:
            delta = _Pair(folder, f"delta/{dataset.name}", dataset.name, "delta", ["op", *dataset.columns])
            outputs += delta.outputs()
        counts = dict.fromkeys(OPS, 0)
        before = _previous_hashes(previous, dataset.name)
        old = next(before, None)
        last_key = ""

        def removed(entry: tuple[str, str, list[str]]) -> None:
            identifiers = dict(zip(dataset.identifiers, entry[2], strict=False))
            delta.write({"op": "removed", **identifiers})
            counts["removed"] += 1

        for key, identifiers, values in dataset.rows(today):
            if key <= last_key:
                raise OpenDataExportFailed(f"{dataset.name}: rows not in key order at {key!r}")
            last_key = key
            digest = row_digest(values)
            full.write(values)
            ids = _encode_identifiers([identifiers[name] for name in dataset.identifiers])
            hashes.write(f"{key}\t{digest}\t{ids}\n")
            hashes.rows += 1
            if delta is None:
                continue
            while old is not None and old[0] < key:
                removed(old)
                old = next(before, None)
            if old is not None and old[0] == key:
                if old[1] != digest:
                    delta.write({"op": "changed", **values})
                    counts["changed"] += 1
                old = next(before, None)
            else:
                delta.write({"op": "added", **values})
                counts["added"] += 1
        while delta is not None and old is not None:
            removed(old)
            old = next(before, None)
    except BaseException:
        for output in outputs:
            output.abandon()
        raise
    entries = [output.close() for output in outputs]
    summary = {
        "columns": list(dataset.columns),
        "identifiers": list(dataset.identifiers),
        "rows": full.csv.rows,
        "delta": counts if delta is not None else None,
    }
    return entries, summary


def _write_statistics(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The public statistics' figures (``/statistics/``, ``GET /api/v1/statistics/``) as of their last
    refresh, as long rows in the same two formats; nothing before the first refresh."""
    document = statistics_snapshot()
    if document is None:
        return [], None
    pair = _Pair(folder, "statistics", "statistics", "full", list(STATISTICS_COLUMNS))
    try:
        for row in statistics_rows(document):
            pair.write(row)
    except BaseException:
        for output in pair.outputs():
            output.abandon()
        raise
    entries = [output.close() for output in pair.outputs()]
    summary = {
        "columns": list(STATISTICS_COLUMNS),
        "rows": pair.csv.rows,
        "version": document["version"],
        "computed_at": document["computed_at"],
    }
    return entries, summary


# --- Publication ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    """A published export: its folder and what its manifest says."""

    folder: Path
    manifest: dict[str, Any]
    pruned: list[str]


def _snapshot(alias: str, *, own_transaction: bool) -> dt.datetime:
    """Turn the export's transaction into a read-only REPEATABLE READ snapshot (unless it runs inside a
    caller's transaction, whose snapshot it then reads); the time the transaction started."""
    with connections[alias].cursor() as cursor:
        if own_transaction:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def _publish(staging: Path, target: Path) -> None:
    """Put a complete folder in place of the day's export (if any) by renames: never half of one."""
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _prune(root: Path, *, today: dt.date, keep_days: int) -> list[str]:
    """Remove exports older than ``keep_days`` days before ``today`` (never the latest)."""
    folders = export_folders(root)
    oldest_kept = today - dt.timedelta(days=max(keep_days, 1) - 1)
    pruned = []
    for folder in folders[:-1]:
        if dt.date.fromisoformat(folder.name) < oldest_kept:
            shutil.rmtree(folder)
            pruned.append(folder.name)
    return pruned


def _sweep_leftovers(root: Path) -> None:
    """Staging folders of runs that died (killed, machine restarted): never published, removed."""
    for path in root.iterdir():
        if path.is_dir() and (path.name.startswith(".tmp-") or path.name.startswith(".old-")):
            shutil.rmtree(path, ignore_errors=True)


def open_data_export(*, date: dt.date | None = None, out: str | Path | None = None) -> ExportResult:
    """Write the complete public dataset and its delta since the previous export, signed, for ``date``.

    ``date`` (default today) names the folder and is the day publicity periods and listings are
    judged on. Raises OpenDataExportFailed (the previous export left as it was) if anything fails.
    """
    date = date or timezone.localdate()
    root = export_root(out)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OpenDataExportFailed(f"another export is running in {root}") from None
        _sweep_leftovers(root)
        earlier = [p for p in export_folders(root) if p.name < date.isoformat()]
        previous = earlier[-1] if earlier else None
        staging = Path(tempfile.mkdtemp(prefix=f".tmp-{date.isoformat()}-", dir=root))
        try:
            manifest = _write_export(staging, date=date, previous=previous)
            staging.chmod(0o755)  # mkdtemp's 0700 would hide it from a web server serving the files
            _publish(staging, root / date.isoformat())
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            logger.exception("open data export for %s failed; the previous export is unchanged", date)
            if isinstance(exc, OpenDataExportFailed | KeyboardInterrupt | SystemExit):
                raise
            raise OpenDataExportFailed(f"{type(exc).__name__}: {exc}") from exc
        pruned = _prune(root, today=date, keep_days=settings.OPEN_DATA_KEEP_DAYS)
    _audit(date=date, manifest=manifest)
    logger.info(
        "open data export %s published: %s",
        date,
        ", ".join(f"{name} {d['rows']}" for name, d in manifest["datasets"].items()),
    )
    return ExportResult(root / date.isoformat(), manifest, pruned)


def _write_export(folder: Path, *, date: dt.date, previous: Path | None) -> dict[str, Any]:
    alias = router.db_for_read(Enterprise)
    files: list[dict[str, Any]] = []
    datasets: dict[str, Any] = {}
    own_transaction = not connections[alias].in_atomic_block
    with transaction.atomic(using=alias):
        as_of = _snapshot(alias, own_transaction=own_transaction)
        for dataset in DATASETS:
            entries, summary = _write_dataset(dataset, folder=folder, previous=previous, today=date)
            files += entries
            datasets[dataset.name] = summary
        statistics_files, statistics = _write_statistics(folder)
        files += statistics_files
    manifest = {
        "format": FORMAT,
        "date": date.isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "previous": previous.name if previous is not None else None,
        "jwks": JWKS_PATH,
        "signature": SIGNATURE,
        "datasets": datasets,
        "statistics": statistics,
        "files": files,
    }
    body = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    (folder / MANIFEST).write_bytes(body)
    signature = {
        **sign_detached(body),
        "signed_file": MANIFEST,
        "sha256": hashlib.sha256(body).hexdigest(),
        "jwks": JWKS_PATH,
    }
    (folder / SIGNATURE).write_text(json.dumps(signature, indent=2) + "\n")
    return manifest


@transaction.atomic
def _audit(*, date: dt.date, manifest: dict[str, Any]) -> None:
    rows = {name: d["rows"] for name, d in manifest["datasets"].items()}
    audit_write(
        actor=system_actor(),
        action="open_data.export",
        target=("open_data.export", date.isoformat(), f"open data {date.isoformat()}"),
        after={"rows": rows, "as_of": manifest["as_of"], "previous": manifest["previous"]},
    )


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD date, or ValueError naming the expected form."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date of the form YYYY-MM-DD: {text!r}") from None
