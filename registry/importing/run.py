"""The enterprise import: read the file, validate every row, then write them, in one transaction."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from registry.permissions import ensure_registry_admin

from .reading import map_header, open_rows
from .report import ImportReport, ProgressCallback
from .staging import STAGING, staging_sql
from .upsert import upsert
from .validation import mark_duplicates, validate_into_staging

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def enterprise_import(
    *, actor: User, path: str | Path, strict: bool = False, progress: ProgressCallback | None = None
) -> ImportReport:
    """Register or update enterprises from a CSV or XLSX file: every row is checked before any is written."""
    ensure_registry_admin(actor)
    path = Path(path)
    rows, total = open_rows(path)
    try:
        header = next(rows, None)
        if header is None:
            raise ValidationError(_("The file is empty."))
        columns = map_header(header)
    except BaseException:
        rows.close()
        raise
    report = ImportReport(path=str(path), warnings=columns.warnings)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
        cursor.execute(staging_sql())
        try:
            last_row = validate_into_staging(cursor, rows, columns, report, progress, total)
        finally:
            rows.close()
        mark_duplicates(cursor, columns, report)
        report.timings["validate"] = time.perf_counter() - started
        if not (strict and report.invalid):
            written = time.perf_counter()
            upsert(cursor, actor=actor, last_row=last_row, report=report, progress=progress)
            report.applied = True
            report.unchanged = report.rows_read - report.invalid - report.created - report.updated
            report.timings["write"] = time.perf_counter() - written
        cursor.execute(f"DROP TABLE {STAGING}")
    report.timings["total"] = time.perf_counter() - started
    return report
