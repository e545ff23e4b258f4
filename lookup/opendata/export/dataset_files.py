"""One dataset's files (full, delta against the previous export's hashes, hashes), and the public
statistics' files."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sanctions.statistics.selectors import CSV_COLUMNS as STATISTICS_COLUMNS
from sanctions.statistics.selectors import statistics_rows, statistics_snapshot

from ..datasets import Dataset
from .formats import _encode_identifiers, _Pair, row_digest
from .layout import OpenDataExportFailed
from .outputs import _Output

OPS = ("added", "changed", "removed")


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
