"""Bulk import of enterprises from registration files (CSV or XLSX, Chinese or English headers).

Every row is cleaned with the same rules as a single registration (``validation.clean_enterprise``)
before anything is written; the good rows are then upserted by USCC in one transaction, with one
audit entry per enterprise created or changed. Cleaned rows wait in a temporary table, so memory
stays bounded whatever the size of the file, and the upsert is done by set-based SQL.
"""

# The SQL below is assembled only from this module's constants (table and column names); every
# value from the file travels through COPY or query parameters.
# ruff: noqa: S608

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import validation
from .audit import PendingEntry, audit_write_many
from .cache import enterprise_changed
from .choices import DataSource
from .models import Enterprise
from .permissions import ensure_registry_admin
from .search import search_fields

# Header as people write it (normalised by ``_header_key``) -> field.
HEADER_ALIASES: dict[str, str] = {
    "统一社会信用代码": "uscc",
    "社会信用代码": "uscc",
    "信用代码": "uscc",
    "uscc": "uscc",
    "企业名称": "name",
    "名称": "name",
    "name": "name",
    "企业类型": "entity_type",
    "类型": "entity_type",
    "entity_type": "entity_type",
    "登记状态": "status",
    "经营状态": "status",
    "状态": "status",
    "status": "status",
    "法定代表人": "legal_representative",
    "负责人": "legal_representative",
    "legal_representative": "legal_representative",
    "注册资本": "registered_capital",
    "registered_capital": "registered_capital",
    "成立日期": "established_on",
    "established_on": "established_on",
    "住所": "domicile",
    "地址": "domicile",
    "domicile": "domicile",
    "登记机关": "registration_authority",
    "registration_authority": "registration_authority",
    "行业": "industry",
    "行业门类": "industry",
    "industry": "industry",
    "注册号": "registration_number",
    "registration_number": "registration_number",
    "组织机构代码": "organization_code",
    "organization_code": "organization_code",
    "税务登记号": "tax_number",
    "纳税人识别号": "tax_number",
    "tax_number": "tax_number",
    "曾用名": "former_names",
    "former_names": "former_names",
}
REQUIRED_FIELDS = ("uscc", "name")
# Few distinct values, and the costliest rules to run: cleaned once per distinct value.
_MEMO_FIELDS = {
    "status": validation.clean_status,
    "entity_type": validation.clean_entity_type,
    "industry": validation.clean_industry,
}
# Columns of the staging table, in COPY order, with their PostgreSQL types.
_DATA_COLUMNS = [
    ("name", "text"),
    ("entity_type", "text"),
    ("status", "text"),
    ("legal_representative", "text"),
    ("registered_capital", "numeric"),
    ("established_on", "date"),
    ("domicile", "text"),
    ("registration_authority", "text"),
    ("industry", "text"),
    ("registration_number", "text"),
    ("organization_code", "text"),
    ("tax_number", "text"),
]
_DATA_FIELDS = [name for name, _type in _DATA_COLUMNS]
_STAGING = "registry_import_rows"
_FORMER_SPLIT = re.compile(r"[;；]")
_CHUNK = 20_000
_READ_BLOCK = 1 << 20

ProgressCallback = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class RowError:
    """One thing wrong in one cell: the row as a spreadsheet numbers it (header = 1)."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class ImportReport:
    """What an import did: counts, the rows it refused and why, and warnings about the file."""

    path: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.invalid == 0

    def summary(self) -> str:
        text = _(
            "%(read)d rows read: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(invalid)d invalid."
        ) % {
            "read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
        }
        if not self.applied and self.invalid:
            text += " " + _("Strict mode: nothing was written.")
        return text

    def write_errors_csv(self, target: str | Path | IO[str]) -> None:
        """The refused rows as CSV (row, column, value, reason), with a BOM so that Excel reads UTF-8."""
        if isinstance(target, str | Path):
            with open(target, "w", encoding="utf-8-sig", newline="") as handle:
                self._write_errors(handle)
        else:
            target.write("\ufeff")
            self._write_errors(target)

    def _write_errors(self, handle: IO[str]) -> None:
        writer = csv.writer(handle)
        writer.writerow([_("row"), _("column"), _("value"), _("reason")])
        for error in self.errors:
            writer.writerow([error.row, error.column, error.value, error.reason])


# --- Reading files ------------------------------------------------------------------------------


def _header_key(text: Any) -> str:
    folded = unicodedata.normalize("NFKC", str(text or "")).lower()
    return re.sub(r"[\s*＊:：]+", "", folded)


def _field_for_header(header: Any) -> str | None:
    key = _header_key(header)
    if key in HEADER_ALIASES:
        return HEADER_ALIASES[key]
    # 注册资本（万元）, name (company): a bracketed unit or note does not change the column.
    bare = re.sub(r"[(\[【].*?[)\]】]", "", key)
    return HEADER_ALIASES.get(bare)


def _detect_encoding(path: Path) -> tuple[str, int]:
    """UTF-8 (with or without BOM) if the whole file decodes strictly as such, else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        lines = 0
        try:
            with open(path, "rb") as handle:
                while block := handle.read(_READ_BLOCK):
                    decoder.decode(block)
                    lines += block.count(b"\n")
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines
    raise ValidationError(
        _("The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8 and try again.")
    )


def _csv_rows(path: Path) -> tuple[Iterator[list[Any]], int | None]:
    encoding, lines = _detect_encoding(path)
    handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by the generator
    first = handle.readline()
    handle.seek(0)
    delimiter = "\t" if first.count("\t") > first.count(",") else ","

    def rows() -> Iterator[list[Any]]:
        with handle:
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                yield from reader
            except csv.Error as exc:
                raise ValidationError(
                    _("The CSV file cannot be read at row %(row)d: %(error)s")
                    % {"row": reader.line_num, "error": exc}
                ) from None

    return rows(), max(lines - 1, 0)


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


def _xlsx_rows(path: Path) -> tuple[Iterator[list[Any]], int | None]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationError(_("The spreadsheet cannot be read: %(error)s") % {"error": exc}) from None
    sheet = workbook.worksheets[0]
    total = sheet.max_row - 1 if sheet.max_row else None

    def rows() -> Iterator[list[Any]]:
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [_cell(v) for v in values]
        finally:
            workbook.close()

    return rows(), total


def _open_rows(path: Path) -> tuple[Iterator[list[Any]], int | None]:
    if not path.is_file():
        raise ValidationError(_("There is no file %(path)s.") % {"path": path})
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path)
    if suffix in {".csv", ".tsv", ".txt"}:
        return _csv_rows(path)
    raise ValidationError(
        _("Only CSV and XLSX files can be imported, not “%(suffix)s”.") % {"suffix": suffix or path.name}
    )


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class _Columns:
    by_field: dict[str, int]
    headers: list[str]
    warnings: list[str]

    def header(self, name: str) -> str:
        return self.headers[self.by_field[name]] if name in self.by_field else name


def _map_header(cells: list[Any]) -> _Columns:
    headers = [_display(c).strip() for c in cells]
    by_field: dict[str, int] = {}
    unknown, twice = [], []
    for index, header in enumerate(headers):
        if not header:
            continue
        name = _field_for_header(header)
        if name is None:
            unknown.append(header)
        elif name in by_field:
            twice.append(header)
        else:
            by_field[name] = index
    missing = [name for name in REQUIRED_FIELDS if name not in by_field]
    if missing:
        labels = {"uscc": "统一社会信用代码 (uscc)", "name": "企业名称 (name)"}
        raise ValidationError(
            _("The file has no column for %(columns)s; the first row must hold the column headers.")
            % {"columns": ", ".join(labels[m] for m in missing)}
        )
    warnings = []
    if unknown:
        warnings.append(_("Columns ignored (not known): %(columns)s.") % {"columns": ", ".join(unknown)})
    if twice:
        warnings.append(
            _("Columns ignored (the same field appears earlier): %(columns)s.")
            % {"columns": ", ".join(twice)}
        )
    return _Columns(by_field, headers, warnings)


# --- Validation pass ------------------------------------------------------------------------------


class _Cleaner:
    """Cleans one row with the registry's rules; remembers the results of the low-cardinality fields."""

    def __init__(self, columns: _Columns) -> None:
        self.columns = columns
        self.fields = [(name, index) for name, index in columns.by_field.items() if name != "former_names"]
        self.former_index = columns.by_field.get("former_names")
        self.memo: dict[tuple[str, Any], tuple[Any, str | None]] = {}

    def _memo(self, name: str, raw: Any) -> tuple[Any, str | None]:
        key = (name, raw)
        result = self.memo.get(key)
        if result is None:
            try:
                result = (_MEMO_FIELDS[name](raw), None)
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
        for name, index in self.fields:
            value = cells[index] if index < width else None
            if _is_blank(value):
                if name in REQUIRED_FIELDS:
                    data[name] = value
                continue
            raw[name] = value
            if name in _MEMO_FIELDS:
                cleaned_value, error = self._memo(name, value)
                if error is None:
                    memo_cleaned[name] = cleaned_value
                else:
                    memo_errors[name] = [error]
            else:
                data[name] = value
        cleaned, errors = validation.clean_enterprise(data, allow_legacy=False)
        cleaned.update(memo_cleaned)
        errors.update(memo_errors)
        if self.former_index is not None and self.former_index < width:
            value = cells[self.former_index]
            if not _is_blank(value):
                raw["former_names"] = value
                names = []
                for part in _FORMER_SPLIT.split(str(value)):
                    if not part.strip():
                        continue
                    try:
                        names.append(validation.clean_name(part))
                    except ValueError as exc:
                        errors.setdefault("former_names", []).append(str(exc))
                cleaned["former_names"] = list(dict.fromkeys(names))
        return cleaned, errors, raw


def _staging_sql() -> str:
    columns = ", ".join(f"{name} {kind}" for name, kind in _DATA_COLUMNS)
    return (
        f"CREATE TEMP TABLE {_STAGING} (rownum integer NOT NULL, ok boolean NOT NULL, raw_uscc text, "
        f"uscc text NOT NULL, {columns}, former_names text[], search_name text, search_vector text) ON COMMIT DROP"
    )


_COPY_COLUMNS = [
    "rownum",
    "ok",
    "raw_uscc",
    "uscc",
    *_DATA_FIELDS,
    "former_names",
    "search_name",
    "search_vector",
]
_COPY_TYPES = [
    "int4",
    "bool",
    "text",
    "text",
    *[kind for _n, kind in _DATA_COLUMNS],
    "text[]",
    "text",
    "text",
]


def _validate_into_staging(
    cursor,
    rows: Iterator[list[Any]],
    columns: _Columns,
    report: ImportReport,
    progress: ProgressCallback | None,
    total: int | None,
) -> int:
    """Clean every row; good rows (and the codes of bad ones) go to the staging table. Returns the last row."""
    cleaner = _Cleaner(columns)
    rownum = 1
    with cursor.copy(f"COPY {_STAGING} ({', '.join(_COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_COPY_TYPES)
        for rownum, cells in enumerate(rows, start=2):
            if all(_is_blank(c) for c in cells):
                continue
            report.rows_read += 1
            cleaned, errors, raw = cleaner.clean(cells)
            if errors:
                report.invalid += 1
                for name in sorted(errors, key=lambda n: columns.by_field.get(n, -1)):
                    report.errors.append(
                        RowError(
                            rownum, columns.header(name), _display(raw.get(name)), " ".join(errors[name])
                        )
                    )
            code = cleaned.get("uscc")
            if code:
                values = (
                    [cleaned.get(name) for name in _DATA_FIELDS] if not errors else [None] * len(_DATA_FIELDS)
                )
                found = search_fields(cleaned["name"]) if not errors and cleaned.get("name") else {}
                copy.write_row(
                    [
                        rownum,
                        not errors,
                        _display(raw.get("uscc")),
                        code,
                        *values,
                        cleaned.get("former_names") if not errors else None,
                        found.get("search_name"),
                        found.get("search_vector"),
                    ]
                )
            if progress and report.rows_read % 5000 == 0:
                progress("validate", report.rows_read, total)
    if progress:
        progress("validate", report.rows_read, report.rows_read)
    return rownum


def _mark_duplicates(cursor, columns: _Columns, report: ImportReport) -> None:
    """A code seen before in the file makes the later row an error; only the first one counts."""
    cursor.execute(
        f"""
        SELECT rownum, ok, raw_uscc, first FROM (
            SELECT rownum, ok, raw_uscc, min(rownum) OVER (PARTITION BY uscc) AS first FROM {_STAGING}
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
        report.errors.append(
            RowError(
                rownum, header, raw_uscc, _("This code already appears in row %(row)d.") % {"row": first}
            )
        )
    report.errors.sort(key=lambda e: e.row)
    cursor.execute(
        f"UPDATE {_STAGING} SET ok = false WHERE rownum = ANY(%s)", [[row for row, *_rest in duplicates]]
    )


# --- Upsert pass ----------------------------------------------------------------------------------


def _changed_sql() -> str:
    return " OR ".join(
        f"(t.{name} IS NOT NULL AND t.{name} IS DISTINCT FROM e.{name})" for name in _DATA_FIELDS
    )


def _defaults() -> dict[str, Any]:
    """The model's defaults for a new enterprise, as plain values (choices are str subclasses)."""
    values = {name: Enterprise._meta.get_field(name).get_default() for name in _DATA_FIELDS}
    return {name: str(value) if isinstance(value, str) else value for name, value in values.items()}


_AFTER_FIELDS = [
    "uscc",
    *_DATA_FIELDS,
    "division_code",
    "is_legacy_code",
    "source",
]


def _repr(name: str, code: str) -> str:
    return f"{name} ({code})"


def _upsert_chunk(
    cursor, *, actor, low: int, high: int, today: dt.date
) -> tuple[list[PendingEntry], int, int]:
    chunk = "t.ok AND t.rownum >= %(low)s AND t.rownum < %(high)s"
    params = {"low": low, "high": high, "today": today}
    changed = _changed_sql()
    old_new = ", ".join(f"e.{name}, t.{name}" for name in _DATA_FIELDS)
    cursor.execute(
        f"""
        SELECT * FROM (
            SELECT e.id, e.uscc, COALESCE(t.name, e.name) AS current_name, ({changed}) AS changed, {old_new},
                ARRAY(
                    SELECT DISTINCT fn FROM unnest(t.former_names) fn
                    WHERE fn <> COALESCE(t.name, e.name)
                      AND NOT EXISTS (SELECT 1 FROM registry_enterpriseformername f
                                      WHERE f.enterprise_id = e.id AND f.name = fn)
                    ORDER BY fn
                ) AS new_former
            FROM {_STAGING} t JOIN registry_enterprise e ON e.uscc = t.uscc
            WHERE {chunk}
        ) c WHERE c.changed OR cardinality(c.new_former) > 0
        ORDER BY c.uscc
        """,
        params,
    )
    entries = []
    for row in cursor.fetchall():
        pk, code, current_name, _changed, *pairs, new_former = row
        before, after = {}, {}
        for i, name in enumerate(_DATA_FIELDS):
            old, new = pairs[2 * i], pairs[2 * i + 1]
            if new is not None and new != old:
                before[name], after[name] = old, new
        if new_former:
            after["former_names"] = new_former
        entries.append(
            PendingEntry(
                actor,
                "enterprise.import_update",
                "registry.enterprise",
                str(pk),
                _repr(current_name, code),
                before,
                after,
            )
        )
    updated = len(entries)
    if updated:
        # As with a single update: a new name keeps the old one as a former name.
        cursor.execute(
            f"""
            INSERT INTO registry_enterpriseformername (enterprise_id, name, used_from, used_until)
            SELECT e.id, e.name, NULL, %(today)s FROM {_STAGING} t JOIN registry_enterprise e ON e.uscc = t.uscc
            WHERE {chunk} AND t.name IS NOT NULL AND t.name <> e.name
            ON CONFLICT (enterprise_id, name) DO NOTHING
            """,
            params,
        )
        assignments = ", ".join(f"{name} = COALESCE(t.{name}, e.{name})" for name in _DATA_FIELDS)
        assignments += (
            ", search_name = COALESCE(t.search_name, e.search_name)"
            ", search_vector = COALESCE(t.search_vector::tsvector, e.search_vector)"
        )
        cursor.execute(
            f"""
            UPDATE registry_enterprise e SET {assignments}, updated_at = now()
            FROM {_STAGING} t WHERE e.uscc = t.uscc AND {chunk} AND ({changed})
            """,
            params,
        )
    defaults = _defaults()
    insert_columns = ", ".join(_DATA_FIELDS)
    insert_values = ", ".join(f"COALESCE(t.{name}, %(default_{name})s)" for name in _DATA_FIELDS)
    params.update({f"default_{name}": value for name, value in defaults.items()})
    params["source"] = DataSource.IMPORT.value
    cursor.execute(
        f"""
        INSERT INTO registry_enterprise (uscc, {insert_columns}, division_code, is_legacy_code, legacy_reason,
                                         source, created_at, updated_at, search_name, search_vector)
        SELECT t.uscc, {insert_values}, substr(t.uscc, 3, 6), false, '', %(source)s, now(), now(),
               COALESCE(t.search_name, ''), t.search_vector::tsvector
        FROM {_STAGING} t
        WHERE {chunk} AND NOT EXISTS (SELECT 1 FROM registry_enterprise e WHERE e.uscc = t.uscc)
        ORDER BY t.rownum
        ON CONFLICT (uscc) DO NOTHING
        RETURNING id, {", ".join(_AFTER_FIELDS)}
        """,
        params,
    )
    created_rows = cursor.fetchall()
    cursor.execute(
        f"""
        INSERT INTO registry_enterpriseformername (enterprise_id, name, used_from, used_until)
        SELECT e.id, fn, NULL, NULL
        FROM {_STAGING} t JOIN registry_enterprise e ON e.uscc = t.uscc CROSS JOIN LATERAL unnest(t.former_names) fn
        WHERE {chunk} AND fn <> e.name
        ON CONFLICT (enterprise_id, name) DO NOTHING
        """,
        params,
    )
    former_by_code: dict[str, list[str]] = {}
    if created_rows:
        cursor.execute(
            f"""
            SELECT t.uscc, t.former_names FROM {_STAGING} t
            WHERE {chunk} AND t.former_names IS NOT NULL AND cardinality(t.former_names) > 0
            """,
            params,
        )
        former_by_code = dict(cursor.fetchall())
    for pk, *values in created_rows:
        after = dict(zip(_AFTER_FIELDS, values, strict=True))
        names = [n for n in former_by_code.get(after["uscc"], []) if n != after["name"]]
        if names:
            after["former_names"] = names
        entries.append(
            PendingEntry(
                actor,
                "enterprise.import_create",
                "registry.enterprise",
                str(pk),
                _repr(after["name"], after["uscc"]),
                None,
                after,
            )
        )
    return entries, len(created_rows), updated


def _upsert(cursor, *, actor, last_row: int, report: ImportReport, progress: ProgressCallback | None) -> None:
    cursor.execute(f"CREATE INDEX ON {_STAGING} (rownum)")
    cursor.execute(f"ANALYZE {_STAGING}")
    # Imports do not interleave with other writers, so the before/after they record is exact.
    cursor.execute("LOCK TABLE registry_enterprise IN SHARE ROW EXCLUSIVE MODE")
    today = timezone.localdate()
    for low in range(2, last_row + 1, _CHUNK):
        high = low + _CHUNK
        entries, created, updated = _upsert_chunk(cursor, actor=actor, low=low, high=high, today=today)
        audit_write_many(entries)
        enterprise_changed([int(e.target_id) for e in entries if e.action == "enterprise.import_update"])
        report.created += created
        report.updated += updated
        if progress:
            progress("write", min(high, last_row + 1) - 2, last_row - 1)


# --- The service ----------------------------------------------------------------------------------


def enterprise_import(
    *, actor, path: str | Path, strict: bool = False, progress: ProgressCallback | None = None
) -> ImportReport:
    """Register or update enterprises from a CSV or XLSX file: every row is checked before any is written."""
    ensure_registry_admin(actor)
    path = Path(path)
    rows, total = _open_rows(path)
    try:
        header = next(rows, None)
        if header is None:
            raise ValidationError(_("The file is empty."))
        columns = _map_header(header)
    except BaseException:
        rows.close()
        raise
    report = ImportReport(path=str(path), warnings=columns.warnings)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{_STAGING}")
        cursor.execute(_staging_sql())
        try:
            last_row = _validate_into_staging(cursor, rows, columns, report, progress, total)
        finally:
            rows.close()
        _mark_duplicates(cursor, columns, report)
        report.timings["validate"] = time.perf_counter() - started
        if not (strict and report.invalid):
            written = time.perf_counter()
            _upsert(cursor, actor=actor, last_row=last_row, report=report, progress=progress)
            report.applied = True
            report.unchanged = report.rows_read - report.invalid - report.created - report.updated
            report.timings["write"] = time.perf_counter() - written
        cursor.execute(f"DROP TABLE {_STAGING}")
    report.timings["total"] = time.perf_counter() - started
    return report
