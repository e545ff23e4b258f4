"""The cells of an import file as they are read: each one bounded and free of what no field may hold.

A cell is text of at most ``CELL_MAX_CHARS`` characters (the most a column of the national formats
holds) without control characters, halves of UTF-16 pairs or bytes the file's encoding cannot
decode. A cell that breaks one of these rules is not kept: the reader gives a ``BadCell`` in its
place (what was wrong, where, and a short printable prefix of the value), so that its row is refused
with a row error naming the row and the column, and the file's other rows still import. Tab, line
feed and carriage return are text (a spreadsheet cell may hold several lines); a field that cannot
hold them (a code, a date, a number) is checked by its own rule.

A row holding a ``BadCell`` is a ``RowWithBadCells`` (a list), so that an importer finds such rows
with one test per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The longest a cell may be: the national formats' longest column (处罚内容, 4,000 characters).
CELL_MAX_CHARS = 4000
# What an error report shows of a bad value: a prefix of this many characters.
SHOWN_CHARS = 200
# A file may have at most this many columns (the national formats have about 45).
MAX_COLUMNS = 1000
# What a message shows of a header, and of a list of headers.
HEADER_CHARS = 100
LISTED_HEADERS = 20

# C0 control characters but tab, line feed and carriage return; DEL; surrogates (a half of a UTF-16
# pair from an XLSX escape, or a byte the file's encoding could not decode, as "surrogateescape"
# reads it).
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
REPLACEMENT = "\ufffd"


@dataclass(frozen=True, slots=True)
class BadCell:
    """A cell refused as the file is read: what is wrong with it and a printable prefix of its value."""

    problem: str  # "long", "control", "surrogate" or "bytes"
    prefix: str  # at most SHOWN_CHARS characters (and "…"), every bad character replaced by U+FFFD
    detail: str = ""  # the character (U+0000), the undecodable bytes (0xFF), or the encoding
    position: int = 0  # of the first bad character, counted from 1

    def __str__(self) -> str:
        return self.prefix


class RowWithBadCells(list):
    """A row (its cells) with at least one ``BadCell``."""


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """At most ``limit`` characters of the text, with "…" if it was longer."""
    return text if len(text) <= limit else text[:limit] + "…"


def listed(headers: list[str]) -> str:
    """Headers for a message: the first ``LISTED_HEADERS``, each at most ``HEADER_CHARS`` characters."""
    text = ", ".join(shown(h, HEADER_CHARS) for h in headers[:LISTED_HEADERS])
    return text + (", …" if len(headers) > LISTED_HEADERS else "")


def printable(text: str, limit: int = SHOWN_CHARS) -> str:
    """A prefix of the text that is safe to store and show: bad characters replaced by U+FFFD."""
    return _BAD.sub(REPLACEMENT, shown(text, limit))


def check_text(text: str, *, encoding: str = "") -> str | BadCell:
    """The text itself if a cell may hold it, else a ``BadCell``; ``encoding`` names the encoding a
    CSV file was read in leniently (its undecodable bytes read as surrogates), if it was."""
    if len(text) > CELL_MAX_CHARS:
        return BadCell("long", printable(text))
    found = _BAD.search(text)
    if found is None:
        return text
    char = found.group()
    position = found.start() + 1
    if "\ud800" <= char <= "\udfff":
        if encoding and "\udc80" <= char <= "\udcff":
            # Every undecodable byte from here on, as long as they follow each other.
            run = re.match("[\udc80-\udcff]+", text[found.start() :]).group()
            raw = " ".join(f"0x{ord(c) - 0xDC00:02X}" for c in run[:8])
            return BadCell("bytes", printable(text), f"{encoding}: {raw}", position)
        return BadCell("surrogate", printable(text), f"U+{ord(char):04X}", position)
    return BadCell("control", printable(text), f"U+{ord(char):04X}", position)


def needs_check(text: str) -> bool:
    """Whether any cell of a row whose text cells, joined, are ``text`` may be bad (a quick test)."""
    return len(text) > CELL_MAX_CHARS or _BAD.search(text) is not None


def checked_row(cells: list[Any], *, encoding: str = "") -> list[Any]:
    """The row with each bad text cell replaced by a ``BadCell`` (a ``RowWithBadCells``), else itself."""
    bad = False
    out = list(cells)
    for index, cell in enumerate(cells):
        if cell.__class__ is str:
            result = check_text(cell, encoding=encoding)
            if result.__class__ is BadCell:
                out[index] = result
                bad = True
    return RowWithBadCells(out) if bad else cells


def reason(cell: BadCell) -> str:
    """Why the cell was refused, for the clerk (in the current language)."""
    if cell.problem == "long":
        return _(
            "The cell is longer than %(limit)s characters, the most a column of the national formats holds."
        ) % {"limit": f"{CELL_MAX_CHARS:,}"}
    if cell.problem == "bytes":
        encoding, _sep, raw = cell.detail.partition(": ")
        return _(
            "The cell holds bytes that are not %(encoding)s text (%(bytes)s) at character %(position)d; "
            "save the file as CSV UTF-8 and import this row again."
        ) % {"encoding": encoding, "bytes": raw, "position": cell.position}
    if cell.problem == "surrogate":
        return _(
            "The cell holds an invalid character (%(char)s, half of a UTF-16 pair) at character %(position)d."
        ) % {"char": cell.detail, "position": cell.position}
    return _(
        "The cell holds a control character (%(char)s) at character %(position)d; remove it and import "
        "this row again."
    ) % {"char": cell.detail, "position": cell.position}


def header_width(header: list[Any]) -> int:
    """The columns of a file: up to its last header; more than ``MAX_COLUMNS`` is refused."""
    width = len(header)
    while width and (
        header[width - 1] is None or (header[width - 1].__class__ is str and not header[width - 1].strip())
    ):
        width -= 1
    if width > MAX_COLUMNS:
        raise ValidationError(
            _("The first row has %(count)s columns; a file may have at most %(limit)s.")
            % {"count": f"{width:,}", "limit": f"{MAX_COLUMNS:,}"}
        )
    return width


def max_rows() -> int:
    return int(settings.IMPORT_MAX_ROWS)


def too_many_rows() -> ValidationError:
    limit = f"{max_rows():,}"
    return ValidationError(
        _("The file has more than %(limit)s rows, the most one import may have; split it into smaller files.")
        % {"limit": limit}
    )
