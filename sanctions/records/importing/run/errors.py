"""A file's row errors: the error rate that stops an import and what it says, the stored errors, the
note on those not stored, and the CSV report of the refused rows; numbers grouped as the language
writes them."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import formats
from django.utils.translation import ngettext

from registry.csv_safety import safe_writer
from registry.importing import ImportReport, RowError
from sanctions.models import ImportBatch, ImportRowError


def error_rate_exceeded(*, processed: int, errors: int, total: int | None = None) -> bool:
    """Whether so many of the rows read so far have errors that importing the rest is pointless:
    more than ``RECORD_IMPORT_MAX_ERROR_RATE`` of at least ``RECORD_IMPORT_ERROR_RATE_MIN_ROWS`` rows,
    with rows still to come (a file read to its end is finished, not stopped)."""
    if processed < max(1, int(settings.RECORD_IMPORT_ERROR_RATE_MIN_ROWS)):
        return False
    if total is not None and processed >= total:
        return False
    return errors > float(settings.RECORD_IMPORT_MAX_ERROR_RATE) * processed


def grouped(value: int) -> str:
    """12,000 (grouped as the language writes numbers)."""
    return formats.number_format(value, force_grouping=True)


def error_rate_message(*, processed: int, errors: int, created: int) -> str:
    return ngettext(
        "%(errors)s of the first %(rows)s rows have errors (more than %(percent)s%%): the import "
        "stopped, as the rest of the file is likely wrong too. %(created)s record was created from "
        "the rows without errors. Correct the file and upload it again.",
        "%(errors)s of the first %(rows)s rows have errors (more than %(percent)s%%): the import "
        "stopped, as the rest of the file is likely wrong too. %(created)s records were created from "
        "the rows without errors. Correct the file and upload it again.",
        created,
    ) % {
        "errors": grouped(errors),
        "rows": grouped(processed),
        "percent": grouped(round(100 * float(settings.RECORD_IMPORT_MAX_ERROR_RATE))),
        "created": grouped(created),
    }


def import_errors(batch: ImportBatch, *, limit: int | None = None) -> list[RowError]:
    """The file's bad cells in the order of its rows (the first ``limit`` of them)."""
    found = (
        ImportRowError.objects.filter(batch=batch)
        .order_by("id")
        .values_list("row", "column", "value", "reason")
    )
    if limit is not None:
        found = found[:limit]
    return [RowError(*error) for error in found]


def errors_not_stored_note(batch: ImportBatch) -> str:
    """What the error reports say of the errors beyond the stored ones ("" if every one is stored)."""
    if not batch.errors_not_stored:
        return ""
    return ngettext(
        "… and %(count)s more error not stored (only the first %(stored)s errors of a file are kept).",
        "… and %(count)s more errors not stored (only the first %(stored)s errors of a file are kept).",
        batch.errors_not_stored,
    ) % {
        "count": grouped(batch.errors_not_stored),
        "stored": grouped(settings.RECORD_IMPORT_MAX_STORED_ERRORS),
    }


def import_error_report(batch: ImportBatch) -> bytes:
    """The refused rows as CSV (row, column, value, reason), UTF-8 with a BOM so that Excel reads it;
    a last line counts the errors that were not stored."""
    report = ImportReport(path=batch.original_name, errors=import_errors(batch))
    buffer = io.StringIO(newline="")
    report.write_errors_csv(buffer)
    if note := errors_not_stored_note(batch):
        safe_writer(buffer).writerow(["", "", "", note])  # a translation may start as a formula
    return buffer.getvalue().encode("utf-8")
