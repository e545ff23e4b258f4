"""The rows of a worksheet, as expat finds them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..cells import BadCell, RowWithBadCells, header_width, max_rows, printable, shown, too_many_rows
from .parts import Workbook, count_rows, open_workbook
from .texts import BoundedText, SharedTexts, cell_text, unescape
from .xml import feed, parser_for
from .xml import local as local_name

MAX_COLUMN = 16384  # XFD, a spreadsheet's last column
_WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
_MAC_EPOCH = dt.datetime(1904, 1, 1)


class _Sheet(BoundedText):
    """Expat's handlers for a worksheet: finished rows go to ``ready`` (a number: that many empty rows)."""

    def __init__(self, book: Workbook, strings: SharedTexts) -> None:
        self.book = book
        self.strings = strings
        self.epoch = _MAC_EPOCH if book.date1904 else _WINDOWS_EPOCH
        self.ready: list[Any] = []
        self.limit = max_rows() + 1
        self.width: int | None = None  # the header's: cells further right are not kept
        self.row_number = 0
        self.cells: list[Any] | None = None
        self.bad = False
        self.column = 0
        self.kind = "n"
        self.style = 0
        self.in_cell = False
        self.in_inline = False
        self.skip = 0
        self.capturing = False
        self.begin_text()
        self.has_value = False
        self.names: dict[str, str] = {}

    def start(self, name: str, attrs: dict) -> None:
        local = self.names.get(name)
        if local is None:
            local = self.names[name] = local_name(name)
        if local == "c":
            if self.cells is None:
                return
            ref = attrs.get("r")
            self.column = _column(ref) if ref else self.column + 1
            self.kind = attrs.get("t", "n")
            style = attrs.get("s")
            self.style = int(style) if style and style.isdigit() else 0
            self.in_cell = True
            self.begin_text()
            self.has_value = False
        elif local == "v" or (local == "t" and self.in_inline and not self.skip):
            if self.in_cell:
                self.capturing = True
                self.has_value = True
        elif local == "row":
            ref = attrs.get("r")
            number = int(ref) if ref and ref.isdigit() else self.row_number + 1
            if number <= self.row_number:
                number = self.row_number + 1
            if number > self.limit:
                raise too_many_rows()
            if number > self.row_number + 1:
                self._empty(number - self.row_number - 1)
            self.row_number = number
            self.cells = []
            self.bad = False
            self.column = 0
        elif local == "is":
            self.in_inline = True
        elif local == "rPh":
            self.skip += 1

    def end(self, name: str) -> None:
        local = self.names.get(name) or local_name(name)
        if local == "c":
            if self.in_cell:
                self.in_cell = False
                self._place()
        elif local == "v" or local == "t":
            self.capturing = False
        elif local == "row":
            if self.cells is not None:
                self._finish_row()
        elif local == "is":
            self.in_inline = False
        elif local == "rPh":
            self.skip -= 1

    def _empty(self, count: int) -> None:
        if self.width is None:
            # The first rows are missing: the first of them is the (empty) header.
            self.width = 0
            self.ready.append([])
            count -= 1
        if count:
            self.ready.append(count)

    def _finish_row(self) -> None:
        cells = self.cells
        self.cells = None
        if self.width is None:
            self.width = header_width(cells)
            del cells[self.width :]
        self.ready.append(RowWithBadCells(cells) if self.bad else cells)

    def _place(self) -> None:
        column = self.column
        if column < 1 or column > MAX_COLUMN or (self.width is not None and column > self.width):
            return
        value = self._value()
        if value is None:
            return
        cells = self.cells
        missing = column - 1 - len(cells)
        if missing >= 0:
            if missing:
                cells.extend([None] * missing)
            cells.append(value)
        else:
            cells[column - 1] = value

    def _value(self) -> Any:
        if not self.has_value:
            return None
        parts = self.parts
        text = parts[0] if len(parts) == 1 else "".join(parts)
        if not text:
            return None
        if self.cut:
            self.bad = True
            return BadCell("long", printable(unescape(text)))
        kind = self.kind
        if kind == "s":
            if not text.isdigit() or len(text) > 12:
                raise ValidationError(
                    _("The spreadsheet cannot be read: a cell refers to a shared text it lacks (%(index)s).")
                    % {"index": shown(text, 20)}
                )
            value: Any = self.strings.get(int(text))
        elif kind == "n":
            try:
                number = float(text) if ("." in text or "e" in text or "E" in text) else int(text)
            except ValueError:
                value = cell_text(text, False)
            else:
                if self.style in self.book.date_styles:
                    return _from_excel(number, self.epoch, self.style in self.book.timedelta_styles, text)
                return number
        elif kind == "b":
            return text.strip() in {"1", "true"}
        elif kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            try:
                return from_ISO8601(text)
            except (ValueError, OverflowError):
                value = cell_text(text, False)
        else:  # str (a formula's text), inlineStr, e (an error: #N/A)
            value = cell_text(text, False)
        if value.__class__ is BadCell:
            self.bad = True
        return value if value != "" else None


def _from_excel(number: float, epoch: dt.datetime, duration: bool, text: str) -> Any:
    from openpyxl.utils.datetime import from_excel

    try:
        return from_excel(number, epoch, timedelta=duration)
    except (OverflowError, ValueError):
        return text


_COLUMNS: dict[str, int] = {}


def _column(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    column = _COLUMNS.get(letters)
    if column is None:
        column = 0
        for char in letters.upper():
            if not "A" <= char <= "Z":
                return 0
            column = column * 26 + ord(char) - 64
        if len(_COLUMNS) < 20000:
            _COLUMNS[letters] = column
    return column


def sheet_rows(
    path: Path, *, count: bool = True, sheet_name: str | None = None
) -> tuple[Iterator[list[Any]], int | None]:
    """The first sheet's rows (or those of the sheet named; lists of cells), checked first
    (``open_workbook``; ``count``: its rows too), and the number of rows (None if not counted)."""
    archive, book = open_workbook(path, sheet_name=sheet_name)
    try:
        total = count_rows(archive, book) if count else None
        strings = SharedTexts(archive, book.strings)
    except BaseException:
        archive.close()
        raise
    sheet = _Sheet(book, strings)
    blocks = feed(archive, book.sheet, parser_for(sheet.start, sheet.end, sheet.keep_text))

    def rows() -> Iterator[list[Any]]:
        try:
            for _block in blocks:
                if sheet.ready:
                    ready, sheet.ready = sheet.ready, []
                    for item in ready:
                        if item.__class__ is int:
                            for _index in range(item):
                                yield []
                        else:
                            yield item
        finally:
            blocks.close()
            strings.close()
            archive.close()

    return rows(), total
