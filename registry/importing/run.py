"""The enterprise import: read the file, validate every row, then write them, in one transaction."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from registry.details.services import branches_link_registered
from registry.permissions import ensure_registry_admin

from .details import BRANCHES, KINDS, SHEET_NAMES, DetailSource, read_details, write_details
from .reading import _header_key, map_header, open_rows
from .report import ImportReport, ProgressCallback
from .staging import STAGING, staging_sql
from .upsert import upsert
from .validation import mark_duplicates, validate_into_staging
from .xlsx.parts import sheet_names

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _detail_sources(path: Path | None, details: dict[str, str | Path | None] | None) -> list[DetailSource]:
    """The detail files given, and the detail sheets of an enterprise workbook (by their names)."""
    sources = [
        DetailSource(kind, Path(value)) for kind, value in (details or {}).items() if value is not None
    ]
    for kind in details or {}:
        if kind not in KINDS:
            raise ValidationError(_("Unknown kind of registration detail: %(kind)s.") % {"kind": kind})
    given = {source.kind for source in sources}
    if path is not None and path.suffix.lower() in {".xlsx", ".xlsm"}:
        for name in sheet_names(path)[1:]:
            kind = SHEET_NAMES.get(_header_key(name))
            if kind and kind not in given:
                sources.append(DetailSource(kind, path, sheet=name))
                given.add(kind)
    for source in sources:
        if source.sheet is None and not source.path.is_file():
            raise ValidationError(_("There is no file %(path)s.") % {"path": source.path})
    return sources


def enterprise_import(
    *,
    actor: User,
    path: str | Path | None,
    strict: bool = False,
    progress: ProgressCallback | None = None,
    details: dict[str, str | Path | None] | None = None,
) -> ImportReport:
    """Register or update enterprises from a CSV or XLSX file, and their shareholders, key personnel and
    branches from further files or sheets (``details``: kind -> file): every row is checked before any
    is written."""
    ensure_registry_admin(actor)
    path = Path(path) if path is not None else None
    sources = _detail_sources(path, details)
    if path is None and not sources:
        raise ValidationError(_("Give an enterprise file or at least one file of registration details."))
    rows, total, columns = (row for row in ()), 0, None
    if path is not None:
        rows, total = open_rows(path)
        try:
            header = next(rows, None)
            if header is None:
                raise ValidationError(_("The file is empty."))
            columns = map_header(header)
        except BaseException:
            rows.close()
            raise
    report = ImportReport(path=str(path or sources[0].path), warnings=columns.warnings if columns else [])
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
        cursor.execute(staging_sql())
        last_row = 1
        try:
            if columns is not None:
                last_row = validate_into_staging(cursor, rows, columns, report, progress, total)
        finally:
            rows.close()
        if columns is not None:
            mark_duplicates(cursor, columns, report)
        found = [read_details(cursor, source, report) for source in sources]
        report.timings["validate"] = time.perf_counter() - started
        if not (strict and report.invalid):
            written = time.perf_counter()
            upsert(cursor, actor=actor, last_row=last_row, report=report, progress=progress)
            write_details(actor=actor, found=found, report=report)
            branches_link_registered_since(cursor, found)
            report.applied = True
            report.unchanged = max(0, report.rows_read - report.invalid - report.created - report.updated)
            report.timings["write"] = time.perf_counter() - written
        cursor.execute(f"DROP TABLE {STAGING}")
    report.timings["total"] = time.perf_counter() - started
    return report


def branches_link_registered_since(cursor, found: list) -> None:
    """Branch rows linked to their enterprises: those this import registered, and the branches its
    detail files recorded (both ways: the parent's page lists the branch, the branch's page its parent)."""
    cursor.execute(f"SELECT coalesce(array_agg(uscc), '{{}}') FROM {STAGING} WHERE ok")  # noqa: S608
    codes = set(cursor.fetchone()[0])
    for rows in found:
        if rows.source.kind == BRANCHES:
            codes.update(cleaned["uscc"] for items in rows.by_enterprise.values() for _r, cleaned in items)
    if codes:
        branches_link_registered(uscc_codes=sorted(codes))
