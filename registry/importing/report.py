"""What an import did, row by row: the counts, the refused cells and why, and how long each pass took.

Shared by the enterprise import and the record import (``sanctions.records.importing``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.csv_safety import safe_writer

from .cells import HEADER_CHARS, SHOWN_CHARS, printable

# The longest reason kept for a row error (a reason may quote the cell).
REASON_CHARS = 1000
# Errors an enterprise import keeps for its report (each one a few hundred bytes): the rest are counted.
MAX_KEPT_ERRORS = 100_000

# (stage, rows done, rows in all if known)
ProgressCallback = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class RowError:
    """One thing wrong in one cell: the row as a spreadsheet numbers it (header = 1).

    What is kept of the value is a prefix of ``SHOWN_CHARS`` characters (a refused cell may hold
    thousands), of the column's header and of the reason likewise, every control character replaced:
    an error report repeats none of a file's long cells, and its list pages stay small.
    """

    row: int
    column: str
    value: str
    reason: str

    def __post_init__(self) -> None:
        for name, limit in (("value", SHOWN_CHARS), ("column", HEADER_CHARS), ("reason", REASON_CHARS)):
            given = getattr(self, name)
            text = given if isinstance(given, str) else str(given)
            bounded = printable(text, limit)
            if bounded != text or text is not given:
                object.__setattr__(self, name, bounded)  # else the very object (a reason marked safe)


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
    errors_not_kept: int = 0  # past MAX_KEPT_ERRORS
    warnings: list[str] = field(default_factory=list)
    applied: bool = False
    details_changed: int = 0  # change-history entries written from detail files (``details``)
    timings: dict[str, float] = field(default_factory=dict)

    def add_error(self, error: RowError) -> None:
        """Keep the error for the report, or only count it once ``MAX_KEPT_ERRORS`` are kept."""
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(error)
        else:
            self.errors_not_kept += 1

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
        if self.details_changed:
            text += " " + ngettext(
                "%(count)d registration detail changed.",
                "%(count)d registration details changed.",
                self.details_changed,
            ) % {"count": self.details_changed}
        if not self.applied and self.invalid:
            text += " " + _("Strict mode: nothing was written.")
        return text

    def write_errors_csv(self, target: str | Path | IO[str]) -> None:
        """The refused rows as CSV (row, column, value, reason), with a BOM so that Excel reads UTF-8;
        no cell starts as a formula would (``registry.csv_safety``)."""
        if isinstance(target, str | Path):
            with open(target, "w", encoding="utf-8-sig", newline="") as handle:
                self._write_errors(handle)
        else:
            target.write("\ufeff")
            self._write_errors(target)

    def _write_errors(self, handle: IO[str]) -> None:
        # Every cell made inert: a value from the file may be a formula (registry.csv_safety).
        writer = safe_writer(handle)
        # Errors of the detail files (shareholders …) name their file too.
        files = any(getattr(error, "file", "") for error in self.errors)
        head = [_("file")] if files else []
        writer.writerow([*head, _("row"), _("column"), _("value"), _("reason")])
        for error in self.errors:
            cells = [getattr(error, "file", "") or self.path] if files else []
            writer.writerow([*cells, error.row, error.column, error.value, error.reason])
        if self.errors_not_kept:
            writer.writerow(
                [
                    *([""] if files else []),
                    "",
                    "",
                    "",
                    ngettext(
                        "… and %(count)s more error, not listed.",
                        "… and %(count)s more errors, not listed.",
                        self.errors_not_kept,
                    )
                    % {"count": f"{self.errors_not_kept:,}"},
                ]
            )
