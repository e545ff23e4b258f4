"""A workbook's parts, and the checks made before any of its XML is parsed.

The size of the sheet and the shared texts once unpacked (the zip's directory declares it, and
zipfile never unpacks more than declared: the checksum fails), the compression ratio of the large
parts, and the sheet's rows, counted as the sheet unpacks without parsing it.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ..cells import max_rows, too_many_rows
from .xml import SMALL_PART_BYTES, ZIP_ERRORS, elements, unreadable

# A sheet or shared texts compressed more than this many times is refused, once it unpacks to more
# than RATIO_FLOOR_BYTES: data compresses about 5 to 30 times, repetitions made to fill memory 300.
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 16 << 20
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,63}:)?row[\s/>]")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d{1,12})[\"']")
_DATE_BUILTIN = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}
_TIMEDELTA_BUILTIN = {46}


@dataclass
class Workbook:
    """Where the first sheet, the shared texts and the styles of a workbook are, and its calendar."""

    sheet: zipfile.ZipInfo
    strings: zipfile.ZipInfo | None = None
    styles: zipfile.ZipInfo | None = None
    date1904: bool = False
    rows: int = 0  # counted by ``check``
    date_styles: set[int] = field(default_factory=set)
    timedelta_styles: set[int] = field(default_factory=set)


def _relationships(archive: zipfile.ZipFile, part: str) -> list[dict]:
    folder, name = posixpath.split(part)
    info = _member(archive, posixpath.join(folder, "_rels", f"{name}.rels"))
    if info is None:
        return []
    rels = []
    for tag, attrs, _depth in elements(archive, info):
        if tag == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            rels.append(
                {"id": attrs.get("Id"), "type": attrs.get("Type", ""), "path": posixpath.normpath(path)}
            )
    return rels


def _member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    try:
        return archive.getinfo(name)
    except KeyError:
        return None


def open_workbook(path: Path, *, sheet_name: str | None = None) -> tuple[zipfile.ZipFile, Workbook]:
    """The zip and its parts (the first sheet, or the one named), checked against the limits (sizes,
    ratios): ValidationError if not."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(
            _("The spreadsheet cannot be read: it is not an XLSX file (a zip archive of XML).")
        ) from None
    try:
        book = _find_parts(archive, sheet_name=sheet_name)
        _check_sizes(book)
        _read_styles(archive, book)
    except BaseException:
        archive.close()
        raise
    return archive, book


def sheet_names(path: Path) -> list[str]:
    """The names of a workbook's sheets, in order."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [name for name, _path in _sheets(archive)[0]]
    except (zipfile.BadZipFile, OSError, ValueError, ValidationError):
        return []


def _sheets(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str]], bool, dict, zipfile.ZipInfo]:
    """The worksheets (name, part) in order, the 1904 calendar flag, the workbook's relationships and
    the workbook part."""
    office = next(
        (r["path"] for r in _relationships(archive, "") if r["type"].endswith("/officeDocument")), None
    )
    office = office or "xl/workbook.xml"
    workbook_info = _member(archive, office)
    if workbook_info is None:
        raise ValidationError(_("The spreadsheet cannot be read: it has no workbook (is it an XLSX file?)."))
    rels = {r["id"]: r for r in _relationships(archive, office)}
    sheets, date1904 = [], False
    for tag, attrs, _depth in elements(archive, workbook_info):
        if tag == "workbookPr":
            date1904 = attrs.get("date1904", "").lower() in {"1", "true"}
        elif tag == "sheet":
            rel = rels.get(attrs.get("id"))
            if rel is not None and rel["type"].endswith("/worksheet"):
                sheets.append((attrs.get("name", ""), rel["path"]))
    return sheets, date1904, rels, workbook_info


def _find_parts(archive: zipfile.ZipFile, *, sheet_name: str | None = None) -> Workbook:
    if any(info.flag_bits & 0x1 for info in archive.infolist()):
        raise ValidationError(_("The spreadsheet is encrypted: save it without a password and try again."))
    sheets, date1904, rels, _workbook = _sheets(archive)
    if sheet_name is None:
        sheet_path = sheets[0][1] if sheets else None
    else:
        sheet_path = next((part for name, part in sheets if name == sheet_name), None)
        if sheet_path is None:
            raise ValidationError(_("The spreadsheet has no sheet “%(name)s”.") % {"name": sheet_name})
    return _workbook_parts(archive, rels, sheet_path, date1904)


def _workbook_parts(archive: zipfile.ZipFile, rels: dict, sheet_path: str | None, date1904: bool) -> Workbook:
    """The parts of the chosen sheet."""
    sheet = _member(archive, sheet_path) if sheet_path else None
    if sheet is None:
        raise ValidationError(_("The spreadsheet cannot be read: it has no worksheet."))
    strings = next((r["path"] for r in rels.values() if r["type"].endswith("/sharedStrings")), None)
    styles = next((r["path"] for r in rels.values() if r["type"].endswith("/styles")), None)
    return Workbook(
        sheet=sheet,
        strings=_member(archive, strings) if strings else None,
        styles=_member(archive, styles) if styles else None,
        date1904=date1904,
    )


def _too_large(size: int) -> ValidationError:
    return ValidationError(
        _(
            "The spreadsheet unpacks to %(size)s, more than the %(limit)s an import may hold; "
            "split it into smaller files."
        )
        % {"size": filesizeformat(size), "limit": filesizeformat(settings.IMPORT_MAX_XLSX_BYTES)}
    )


def _check_sizes(book: Workbook) -> None:
    parts = [p for p in (book.sheet, book.strings) if p is not None]
    total = sum(p.file_size for p in parts)
    if total > settings.IMPORT_MAX_XLSX_BYTES:
        raise _too_large(total)
    if book.styles is not None and book.styles.file_size > SMALL_PART_BYTES:
        raise _too_large(book.styles.file_size)
    for part in parts:
        if part.file_size > RATIO_FLOOR_BYTES and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise ValidationError(
                _(
                    "The spreadsheet's part %(part)s is compressed %(ratio)d times (%(size)s unpacked): "
                    "more than the %(limit)d times of any file that holds data. It was not read."
                )
                % {
                    "part": part.filename,
                    "ratio": part.file_size // max(part.compress_size, 1),
                    "size": filesizeformat(part.file_size),
                    "limit": MAX_RATIO,
                }
            )


def count_rows(archive: zipfile.ZipFile, book: Workbook) -> int:
    """The sheet's rows (its last row's number if larger), counted as it unpacks, without parsing it;
    refused once more than the header and ``IMPORT_MAX_ROWS`` rows."""
    limit = max_rows() + 1
    count = last = 0
    carried = b""
    try:
        with archive.open(book.sheet) as stream:
            while True:
                block = stream.read(1 << 20)
                buffer = carried + block
                # A row tag is short: one that may be cut at the block's end waits for the next block.
                cut = buffer.rfind(b"<") if block else len(buffer)
                if cut < 0 or len(buffer) - cut > 128:
                    cut = len(buffer)
                segment, carried = buffer[:cut], buffer[cut:]
                found = len(_ROW_TAG.findall(segment))
                if found:
                    count += found
                    last = max(last, _last_row_number(segment))
                if max(count, last) > limit:
                    raise too_many_rows()
                if not block:
                    break
    except ZIP_ERRORS as exc:
        raise unreadable(exc) from None
    book.rows = max(count, last)
    return book.rows


def _last_row_number(segment: bytes) -> int:
    """The number (r) of the last row tag in the segment, 0 if it has none."""
    last = None
    for start in (max(0, len(segment) - 65536), 0):
        for match in _ROW_TAG.finditer(segment, start):
            last = match
        if last is not None:
            break
    if last is None:
        return 0
    close = segment.find(b">", last.start(), last.start() + 4096)
    number = _ROW_NUMBER.search(segment, last.start(), close if close > 0 else last.start() + 4096)
    return int(number.group(1)) if number else 0


def _read_styles(archive: zipfile.ZipFile, book: Workbook) -> None:
    """Which cell styles show a date (or a duration): their values are dates, as openpyxl reads them."""
    if book.styles is None:
        return
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    custom: dict[int, str] = {}
    formats: list[int] = []
    xfs_depth = None
    for tag, attrs, depth in elements(archive, book.styles):
        if xfs_depth is not None and depth <= xfs_depth:
            xfs_depth = None
        if tag == "numFmt":
            try:
                custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
            except ValueError:
                continue
        elif tag == "cellXfs":
            xfs_depth = depth
        elif tag == "xf" and xfs_depth is not None and depth == xfs_depth + 1:
            try:
                formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                formats.append(0)
    for index, number_format in enumerate(formats):
        code = custom.get(number_format)
        if code is None:
            if number_format in _DATE_BUILTIN:
                book.date_styles.add(index)
            if number_format in _TIMEDELTA_BUILTIN:
                book.timedelta_styles.add(index)
            code = BUILTIN_FORMATS.get(number_format)
            if code is None:
                continue
        if is_date_format(code):
            book.date_styles.add(index)
        if is_timedelta_format(code):
            book.timedelta_styles.add(index)
