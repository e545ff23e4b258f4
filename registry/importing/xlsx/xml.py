"""Parsing a workbook's XML parts with expat, block by block, at a bounded cost.

Expat gives a text in pieces as it goes, but buffers a tag (or a comment) whole: markup longer than
``MAX_MARKUP_BYTES`` is refused before it is buffered, and a document type declaration (which could
declare entities) outright.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

BLOCK = 1 << 16
# Expat buffers a tag (or a comment) whole: markup this long is refused, not buffered.
MAX_MARKUP_BYTES = 1 << 20
# The workbook's small parts (workbook, relationships, styles) are parsed whole: at most this each.
SMALL_PART_BYTES = 16 << 20
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


def unreadable(error: object) -> ValidationError:
    return ValidationError(_("The spreadsheet cannot be read: %(error)s") % {"error": error})


def parser_for(start: Callable, end: Callable | None = None, text: Callable | None = None) -> Any:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = BLOCK
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text

    def refuse(*_args: Any) -> None:
        raise ValidationError(_("The spreadsheet cannot be read: its XML declares a document type."))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def feed(archive: zipfile.ZipFile, info: zipfile.ZipInfo, parser: Any) -> Iterator[None]:
    """Parse the part block by block, pausing after each block (the caller takes what it found)."""
    fed = 0
    try:
        with archive.open(info) as stream:
            while block := stream.read(BLOCK):
                parser.Parse(block, False)
                fed += len(block)
                if fed - parser.CurrentByteIndex > MAX_MARKUP_BYTES:
                    raise ValidationError(
                        _(
                            "The spreadsheet cannot be read: %(part)s holds a tag or comment longer than "
                            "%(size)s, which no spreadsheet program writes."
                        )
                        % {"part": info.filename, "size": filesizeformat(MAX_MARKUP_BYTES)}
                    )
                yield
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise ValidationError(
            _("The spreadsheet cannot be read: %(part)s, line %(line)d: %(error)s")
            % {"part": info.filename, "line": exc.lineno, "error": expat.ErrorString(exc.code)}
        ) from None
    except ZIP_ERRORS as exc:
        raise unreadable(exc) from None
    yield


def local(name: str) -> str:
    return name[name.find(":") + 1 :]


def elements(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> list[tuple[str, dict, int]]:
    """The start tags of a small part: (local name, attributes by local name, depth)."""
    if info.file_size > SMALL_PART_BYTES:
        raise ValidationError(
            _("The spreadsheet cannot be read: its part %(part)s unpacks to %(size)s.")
            % {"part": info.filename, "size": filesizeformat(info.file_size)}
        )
    found: list[tuple[str, dict, int]] = []
    depth = [0]

    def start(name: str, attrs: dict) -> None:
        found.append((local(name), {local(k): v for k, v in attrs.items()}, depth[0]))
        depth[0] += 1

    def end(_name: str) -> None:
        depth[0] -= 1

    for _block in feed(archive, info, parser_for(start, end)):
        pass
    return found
