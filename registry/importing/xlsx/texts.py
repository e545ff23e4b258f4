"""The workbook's shared texts: each kept to ``KEEP_CHARS`` characters, in a temporary file, parsed
as far as the sheet asks for them (the header needs the first few)."""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from array import array
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..cells import CELL_MAX_CHARS, BadCell, check_text, printable, shown
from .xml import feed, local, parser_for

# Characters of a cell kept: one more than a cell may hold, to know it holds more.
KEEP_CHARS = CELL_MAX_CHARS + 1
SHARED_CACHE = 65536  # shared texts kept decoded (the repeated ones: names, categories)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class BoundedText:
    """The text of one cell or shared text as expat hands it over, in pieces: kept up to
    ``KEEP_CHARS`` characters (``cut``: there was more), the rest dropped as it comes."""

    capturing = False
    parts: list[str]
    kept = 0
    cut = False

    def begin_text(self) -> None:
        self.parts = []
        self.kept = 0
        self.cut = False

    def keep_text(self, data: str) -> None:
        if self.capturing:
            room = KEEP_CHARS - self.kept
            if len(data) > room:
                self.cut = True
                data = data[:room]
            if data:
                self.parts.append(data)
                self.kept += len(data)


class SharedTexts(BoundedText):
    """The workbook's shared texts, each at most ``KEEP_CHARS`` characters, in a temporary file,
    parsed as far as the sheet asks for them."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> None:
        self.ends = array("Q")
        self.long: set[int] = set()  # the texts longer than KEEP_CHARS (cut there)
        self.cache: dict[int, str | BadCell] = {}
        self.file = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115 - closed by close()
        self.size = 0
        self.begin_text()
        self.depth_skip = 0  # inside a phonetic run (rPh): not the text
        self.capturing = False
        self.pending: list[bytes] = []
        if info is None:
            self.blocks: Iterator[None] = iter(())
        else:
            parser = parser_for(self._start, self._end, self.keep_text)
            self.blocks = feed(archive, info, parser)

    def _start(self, name: str, _attrs: dict) -> None:
        name = local(name)
        if name == "t":
            self.capturing = self.depth_skip == 0
        elif name == "si":
            self.begin_text()
        elif name == "rPh":
            self.depth_skip += 1

    def _end(self, name: str) -> None:
        name = local(name)
        if name == "t":
            self.capturing = False
        elif name == "si":
            if self.cut:
                self.long.add(len(self.ends))
            data = "".join(self.parts).encode("utf-8", "surrogatepass")
            self.pending.append(data)
            self.size += len(data)
            self.ends.append(self.size)
        elif name == "rPh":
            self.depth_skip -= 1

    def get(self, index: int) -> str | BadCell:
        """The text (``check_text``: a BadCell if a cell may not hold it)."""
        text = self.cache.get(index)
        if text is not None:
            return text
        while index >= len(self.ends):
            if index < 0 or next(self.blocks, StopIteration) is StopIteration:
                raise ValidationError(
                    _("The spreadsheet cannot be read: a cell refers to a shared text it lacks (%(index)s).")
                    % {"index": shown(str(index), 20)}
                )
            if self.pending:
                self.file.write(b"".join(self.pending))
                self.pending = []
        start = self.ends[index - 1] if index else 0
        length = self.ends[index] - start
        raw = os.pread(self.file.fileno(), length, start).decode("utf-8", "surrogatepass") if length else ""
        text = cell_text(raw, index in self.long)
        if len(self.cache) < SHARED_CACHE:
            self.cache[index] = text
        return text

    def close(self) -> None:
        self.file.close()


def cell_text(raw: str, cut: bool) -> str | BadCell:
    """A cell's text from its XML text (kept up to KEEP_CHARS; ``cut``: it was longer)."""
    text = unescape(raw)
    if cut:
        return BadCell("long", printable(text))
    return check_text(text) if text else text


def unescape(text: str) -> str:
    """OOXML's escapes (``_x000D_`` for a carriage return, ``_x005F_`` for "_") as the characters."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
