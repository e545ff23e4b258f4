"""Rows as CSV cells and JSON lines, the digest the delta compares (``row_digest``), and a CSV and a
JSON Lines file of the same rows (``_Pair``)."""

from __future__ import annotations

import csv
import json
from hashlib import blake2b
from pathlib import Path
from typing import Any

from registry.csv_safety import FORMULA_STARTS, safe_cell

from .outputs import _Output

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
