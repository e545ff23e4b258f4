"""Cells of the spreadsheets the registry writes (CSV or XLSX), made inert: opened in Excel, WPS or
LibreOffice, none of them runs as a formula.

A spreadsheet program reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a
tab or a carriage return before one) as a formula: ``=HYPERLINK("http://evil.example/","click")``
in an import's error report would be a live link, ``=cmd|…`` a command. Every text cell we write
goes through ``safe_cell``, which puts a single quote in front of such a text (OWASP's advice): the
program shows the text as written, and the quote tells a reader that it was neutralised. The
full-width forms (＝ ＋ － ＠), which some programs in Chinese take for the ASCII ones, are treated
alike. Numbers are written as numbers: ``-5`` as an int is not a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

# What a formula may start with, and the controls some programs skip before one.
FORMULA_STARTS = frozenset("=+-@\t\r\n" + "\uff1d\uff0b\uff0d\uff20")


def safe_cell(value: Any) -> Any:
    """The value, a text that a spreadsheet would read as a formula prefixed with ``'``."""
    if isinstance(value, str) and value and value[0] in FORMULA_STARTS:
        return "'" + str(value)
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class SafeWriter:
    """``csv.writer`` whose every cell goes through ``safe_cell``."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def safe_writer(handle: IO[str], **options: Any) -> SafeWriter:
    """A CSV writer for a file a person may open in a spreadsheet program."""
    return SafeWriter(handle, **options)
