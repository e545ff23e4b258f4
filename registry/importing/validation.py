"""The validation pass: every row cleaned with the rules of a single registration
(``registry.validation``); good rows, and the codes of bad ones, copied into the staging table;
a code seen twice in the file refused the second time.
"""

# The SQL below is assembled only from this package's constants (table and column names); every
# value from the file travels through COPY or query parameters.
# ruff: noqa: S608

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from registry import validation as rules
from registry.search import search_fields

from .cells import BadCell
from .cells import reason as bad_cell_reason
from .reading import REQUIRED_FIELDS, Columns, display, is_blank
from .report import ImportReport, ProgressCallback, RowError
from .staging import COPY_COLUMNS, COPY_TYPES, DATA_FIELDS, STAGING

# Few distinct values, and the costliest rules to run: cleaned once per distinct value.
MEMO_FIELDS = {
    "status": rules.clean_status,
    "entity_type": rules.clean_entity_type,
    "industry": rules.clean_industry,
}
_FORMER_SPLIT = re.compile(r"[;；]")


class RowCleaner:
    """Cleans one row with the registry's rules; remembers the results of the low-cardinality fields."""

    def __init__(self, columns: Columns) -> None:
        self.columns = columns
        self.fields = [(name, index) for name, index in columns.by_field.items() if name != "former_names"]
        self.former_index = columns.by_field.get("former_names")
        self.memo: dict[tuple[str, Any], tuple[Any, str | None]] = {}

    def _memo(self, name: str, raw: Any) -> tuple[Any, str | None]:
        key = (name, raw)
        result = self.memo.get(key)
        if result is None:
            try:
                result = (MEMO_FIELDS[name](raw), None)
            except ValueError as exc:
                result = (None, str(exc))
            self.memo[key] = result
        return result

    def clean(self, cells: list[Any]) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, Any]]:
        """(cleaned, errors by field, raw values by field); a blank cell leaves its field as it is."""
        width = len(cells)
        raw: dict[str, Any] = {}
        data: dict[str, Any] = {}
        memo_cleaned: dict[str, Any] = {}
        memo_errors: dict[str, list[str]] = {}
        refused: dict[str, list[str]] = {}
        for name, index in self.fields:
            value = cells[index] if index < width else None
            if value.__class__ is BadCell:
                raw[name] = value
                refused[name] = [bad_cell_reason(value)]
                continue
            if is_blank(value):
                if name in REQUIRED_FIELDS:
                    data[name] = value
                continue
            raw[name] = value
            if name in MEMO_FIELDS:
                cleaned_value, error = self._memo(name, value)
                if error is None:
                    memo_cleaned[name] = cleaned_value
                else:
                    memo_errors[name] = [error]
            else:
                data[name] = value
        cleaned, errors = rules.clean_enterprise(data, allow_legacy=False)
        cleaned.update(memo_cleaned)
        errors.update(memo_errors)
        errors.update(refused)
        if self.former_index is not None and self.former_index < width:
            value = cells[self.former_index]
            if value.__class__ is BadCell:
                raw["former_names"] = value
                errors["former_names"] = [bad_cell_reason(value)]
            elif not is_blank(value):
                raw["former_names"] = value
                names = []
                for part in _FORMER_SPLIT.split(str(value)):
                    if not part.strip():
                        continue
                    try:
                        names.append(rules.clean_name(part))
                    except ValueError as exc:
                        errors.setdefault("former_names", []).append(str(exc))
                cleaned["former_names"] = list(dict.fromkeys(names))
        return cleaned, errors, raw


def validate_into_staging(
    cursor,
    rows: Iterator[list[Any]],
    columns: Columns,
    report: ImportReport,
    progress: ProgressCallback | None,
    total: int | None,
) -> int:
    """Clean every row; good rows (and the codes of bad ones) go to the staging table. Returns the last row."""
    cleaner = RowCleaner(columns)
    rownum = 1
    with cursor.copy(f"COPY {STAGING} ({', '.join(COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(COPY_TYPES)
        for rownum, cells in enumerate(rows, start=2):
            if all(is_blank(c) for c in cells):
                continue
            report.rows_read += 1
            cleaned, errors, raw = cleaner.clean(cells)
            if errors:
                report.invalid += 1
                for name in sorted(errors, key=lambda n: columns.by_field.get(n, -1)):
                    report.add_error(
                        RowError(rownum, columns.header(name), display(raw.get(name)), " ".join(errors[name]))
                    )
            code = cleaned.get("uscc")
            if code:
                values = (
                    [cleaned.get(name) for name in DATA_FIELDS] if not errors else [None] * len(DATA_FIELDS)
                )
                found = search_fields(cleaned["name"]) if not errors and cleaned.get("name") else {}
                copy.write_row(
                    [
                        rownum,
                        not errors,
                        display(raw.get("uscc")),
                        code,
                        *values,
                        cleaned.get("former_names") if not errors else None,
                        found.get("search_name"),
                        found.get("search_vector"),
                        found.get("search_pinyin"),
                    ]
                )
            if progress and report.rows_read % 5000 == 0:
                progress("validate", report.rows_read, total)
    if progress:
        progress("validate", report.rows_read, report.rows_read)
    return rownum


def mark_duplicates(cursor, columns: Columns, report: ImportReport) -> None:
    """A code seen before in the file makes the later row an error; only the first one counts."""
    cursor.execute(
        f"""
        SELECT rownum, ok, raw_uscc, first FROM (
            SELECT rownum, ok, raw_uscc, min(rownum) OVER (PARTITION BY uscc) AS first FROM {STAGING}
        ) s WHERE rownum <> first ORDER BY rownum
        """
    )
    duplicates = cursor.fetchall()
    if not duplicates:
        return
    header = columns.header("uscc")
    for rownum, ok, raw_uscc, first in duplicates:
        if ok:
            report.invalid += 1
        report.add_error(
            RowError(
                rownum, header, raw_uscc, _("This code already appears in row %(row)d.") % {"row": first}
            )
        )
    report.errors.sort(key=lambda e: e.row)
    cursor.execute(
        f"UPDATE {STAGING} SET ok = false WHERE rownum = ANY(%s)", [[row for row, *_rest in duplicates]]
    )
