"""Reading registration files: CSV (UTF-8 or GB18030, comma or tab) or XLSX, and their header row.

The header names each column as people write it, in Chinese or English; ``map_header`` finds the
field of each and refuses a file without the required ones.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .cells import (
    CELL_MAX_CHARS,
    HEADER_CHARS,
    checked_row,
    header_width,
    listed,
    max_rows,
    needs_check,
    shown,
    too_many_rows,
)
from .xlsx import sheet_rows

# Header as people write it (normalised by ``_header_key``) -> field.
HEADER_ALIASES: dict[str, str] = {
    "统一社会信用代码": "uscc",
    "社会信用代码": "uscc",
    "信用代码": "uscc",
    "uscc": "uscc",
    "企业名称": "name",
    "名称": "name",
    "name": "name",
    "企业类型": "entity_type",
    "类型": "entity_type",
    "entity_type": "entity_type",
    "登记状态": "status",
    "经营状态": "status",
    "状态": "status",
    "status": "status",
    "法定代表人": "legal_representative",
    "负责人": "legal_representative",
    "legal_representative": "legal_representative",
    "注册资本": "registered_capital",
    "registered_capital": "registered_capital",
    "成立日期": "established_on",
    "established_on": "established_on",
    "住所": "domicile",
    "地址": "domicile",
    "domicile": "domicile",
    "登记机关": "registration_authority",
    "registration_authority": "registration_authority",
    "行业": "industry",
    "行业门类": "industry",
    "industry": "industry",
    "注册号": "registration_number",
    "registration_number": "registration_number",
    "组织机构代码": "organization_code",
    "organization_code": "organization_code",
    "税务登记号": "tax_number",
    "纳税人识别号": "tax_number",
    "tax_number": "tax_number",
    "曾用名": "former_names",
    "former_names": "former_names",
}
REQUIRED_FIELDS = ("uscc", "name")
_READ_BLOCK = 1 << 20
# A CSV line longer than this is refused (the csv module's own limit on a field).
LINE_MAX_CHARS = 131_072
_NEWLINES = re.compile(r"\r\n?|\n")
_UNDECODABLE = re.compile("[\udc80-\udcff]")
# Every byte but the C0 controls (tab, line feed and carriage return aside) and DEL.
_NOT_CONTROLS = bytes(b for b in range(256) if not (b < 0x20 and b not in (9, 10, 13) or b == 0x7F))


def _header_key(text: Any) -> str:
    folded = unicodedata.normalize("NFKC", str(text or "")).lower()
    return re.sub(r"[\s*＊:：]+", "", folded)


def _field_for_header(header: Any) -> str | None:
    key = _header_key(header)
    if key in HEADER_ALIASES:
        return HEADER_ALIASES[key]
    # 注册资本（万元）, name (company): a bracketed unit or note does not change the column.
    bare = re.sub(r"[(\[【].*?[)\]】]", "", key)
    return HEADER_ALIASES.get(bare)


@dataclass
class TextFile:
    """How a CSV file is read: its encoding, whether undecodable bytes are kept as errors, its lines."""

    encoding: str
    lenient: bool  # undecodable bytes become row errors (the file is mostly this encoding)
    lines: int
    too_long: int | None  # the first line longer than LINE_MAX_CHARS characters, counted from 1
    suspect: bool  # a cell may be bad: a control character somewhere, or a line over CELL_MAX_CHARS


def _decode_pass(path: Path, encoding: str, errors: str) -> TextFile | None:
    """Read the whole file in this encoding: its lines, the first line longer than a row may be, and
    whether any cell may be bad; None if it does not decode (``errors`` "strict").

    Lengths are measured in bytes first (a character is at least one), in characters only when a
    line has more bytes than a row may have characters. Control characters are found in the bytes:
    in UTF-8 and in GB 18030 a byte below 0x80 is always that ASCII character.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    lines = run = longest = 0
    controls = False
    try:
        with open(path, "rb") as handle:
            while True:
                block = handle.read(_READ_BLOCK)
                decoder.decode(block, final=not block)
                if not block:
                    break
                controls = controls or bool(block.translate(None, _NOT_CONTROLS))
                pieces = block.split(b"\n")
                run += len(pieces[0])
                if len(pieces) > 1:
                    longest = max(longest, run, max(map(len, pieces[1:-1]), default=0))
                    lines += len(pieces) - 1
                    run = len(pieces[-1])
                longest = max(longest, run)
    except UnicodeDecodeError:
        return None
    lenient = errors != "strict"
    too_long = _first_long_line(path, encoding, errors) if longest > LINE_MAX_CHARS else None
    suspect = controls or lenient or longest > CELL_MAX_CHARS
    return TextFile(encoding, lenient, lines + (1 if run else 0), too_long, suspect)


def _first_long_line(path: Path, encoding: str, errors: str) -> int | None:
    """The first line (counted from 1, as the csv module breaks lines) longer than LINE_MAX_CHARS."""
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    lines = run = 0
    with open(path, "rb") as handle:
        while True:
            block = handle.read(_READ_BLOCK)
            text = decoder.decode(block, final=not block)
            pieces = _NEWLINES.split(text)
            run += len(pieces[0])
            if run > LINE_MAX_CHARS:
                return lines + 1
            for index, piece in enumerate(pieces[1:], start=1):
                if len(piece) > LINE_MAX_CHARS:
                    return lines + 1 + index
            if len(pieces) > 1:
                lines += len(pieces) - 1
                run = len(pieces[-1])
            if not block:
                return None


def _count_undecodable(path: Path, encoding: str) -> int:
    decoder = codecs.getincrementaldecoder(encoding)("surrogateescape")
    found = 0
    with open(path, "rb") as handle:
        while block := handle.read(_READ_BLOCK):
            found += len(_UNDECODABLE.findall(decoder.decode(block)))
        found += len(_UNDECODABLE.findall(decoder.decode(b"", final=True)))
    return found


def _detect_encoding(path: Path) -> TextFile:
    """UTF-8 (with or without BOM) if the whole file decodes strictly as such, else GB18030. A file
    that is neither, or declares UTF-8 with a BOM, is read in the one (UTF-8 if a BOM says so) in
    which fewer bytes fail to decode, if they are few: those bytes are row errors, the other rows
    import. A file of many such bytes (UTF-16, a binary file) is refused."""
    with open(path, "rb") as handle:
        start = handle.read(4)
    bom = start.startswith(codecs.BOM_UTF8)
    if not start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        for encoding in ("utf-8-sig",) if bom else ("utf-8-sig", "gb18030"):
            found = _decode_pass(path, encoding, "strict")
            if found is not None:
                return found
        counts = {"utf-8-sig": _count_undecodable(path, "utf-8")}
        if not bom:
            counts["gb18030"] = _count_undecodable(path, "gb18030")
        encoding = min(counts, key=counts.get)
        # A few bytes gone wrong in a text file, not a file in another encoding.
        if counts[encoding] <= max(16, path.stat().st_size // 1000):
            return _decode_pass(path, encoding, "surrogateescape")
    raise ValidationError(
        _("The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8 and try again.")
    )


def _line_too_long(line: int) -> ValidationError:
    return ValidationError(
        _("Line %(line)d of the file is longer than %(limit)s characters, more than a row may hold.")
        % {"line": line, "limit": f"{LINE_MAX_CHARS:,}"}
    )


def encoding_label(encoding: str) -> str:
    return "UTF-8" if encoding.startswith("utf-8") else encoding.upper()


def _csv_rows(path: Path) -> tuple[Iterator[list[Any]], int | None]:
    found = _detect_encoding(path)
    if found.too_long is not None:
        raise _line_too_long(found.too_long)
    errors = "surrogateescape" if found.lenient else "strict"
    label = encoding_label(found.encoding) if found.lenient else ""
    handle = open(path, encoding=found.encoding, errors=errors, newline="")  # noqa: SIM115 - closed below
    first = handle.readline(LINE_MAX_CHARS + 1)
    handle.seek(0)
    delimiter = "\t" if first.count("\t") > first.count(",") else ","

    suspect = found.suspect

    def rows() -> Iterator[list[Any]]:
        with handle:
            # Every line is at most LINE_MAX_CHARS long (``_decode_pass``): the file is read line by line.
            reader = csv.reader(handle, delimiter=delimiter)
            limit = max_rows() + 1
            width = None
            try:
                for count, cells in enumerate(reader, start=1):
                    if count > limit:
                        raise too_many_rows()
                    if width is None:
                        width = header_width(cells)
                    elif len(cells) > width:
                        del cells[width:]
                    # Only in a file with a control character or a long line may a cell be bad.
                    if suspect and needs_check("\t".join(cells)):
                        cells = checked_row(cells, encoding=label)
                    yield cells
            except csv.Error as exc:
                raise ValidationError(
                    _("The CSV file cannot be read at row %(row)d: %(error)s")
                    % {"row": reader.line_num, "error": exc}
                ) from None

    if found.lines > max_rows() + 1 and _count_csv_rows(path, found, delimiter) > max_rows() + 1:
        handle.close()
        raise too_many_rows()
    return rows(), max(found.lines - 1, 0)


def _count_csv_rows(path: Path, found: TextFile, delimiter: str) -> int:
    """Rows, not lines (a quoted cell may hold line breaks): counted only when the lines are too many."""
    errors = "surrogateescape" if found.lenient else "strict"
    with open(path, encoding=found.encoding, errors=errors, newline="") as handle:
        try:
            return sum(1 for _row in csv.reader(handle, delimiter=delimiter))
        except csv.Error:
            return found.lines


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


def _xlsx_rows(path: Path, *, count: bool) -> tuple[Iterator[list[Any]], int | None]:
    sheet, total = sheet_rows(path, count=count)

    def rows() -> Iterator[list[Any]]:
        with closing(sheet):
            for values in sheet:
                for index, value in enumerate(values):
                    if value.__class__ is float or value.__class__ is int:
                        values[index] = _cell(value)
                yield values

    return rows(), (total - 1 if total else None)


def open_rows(path: Path, *, count: bool = True) -> tuple[Iterator[list[Any]], int | None]:
    """The file's rows (lists of cells, the first the header) and how many there are, about; the file
    checked first against the limits (``IMPORT_MAX_ROWS``, ``IMPORT_MAX_XLSX_BYTES``, the longest
    line and cell): ValidationError if it cannot be imported. ``count``: count an XLSX sheet's rows
    first (False: when they were counted already)."""
    if not path.is_file():
        raise ValidationError(_("There is no file %(path)s.") % {"path": path})
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path, count=count)
    if suffix in {".csv", ".tsv", ".txt"}:
        return _csv_rows(path)
    raise ValidationError(
        _("Only CSV and XLSX files can be imported, not “%(suffix)s”.") % {"suffix": suffix or path.name}
    )


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value: Any) -> str:
    """The cell as text (a BadCell: its printable prefix)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class Columns:
    by_field: dict[str, int]
    headers: list[str]
    warnings: list[str]

    def header(self, name: str) -> str:
        return self.headers[self.by_field[name]] if name in self.by_field else name


def map_header(cells: list[Any]) -> Columns:
    headers = [shown(display(c).strip(), HEADER_CHARS) for c in cells]
    by_field: dict[str, int] = {}
    unknown, twice = [], []
    for index, header in enumerate(headers):
        if not header:
            continue
        name = _field_for_header(header)
        if name is None:
            unknown.append(header)
        elif name in by_field:
            twice.append(header)
        else:
            by_field[name] = index
    missing = [name for name in REQUIRED_FIELDS if name not in by_field]
    if missing:
        labels = {"uscc": "统一社会信用代码 (uscc)", "name": "企业名称 (name)"}
        raise ValidationError(
            _("The file has no column for %(columns)s; the first row must hold the column headers.")
            % {"columns": ", ".join(labels[m] for m in missing)}
        )
    warnings = []
    if unknown:
        warnings.append(_("Columns ignored (not known): %(columns)s.") % {"columns": listed(unknown)})
    if twice:
        warnings.append(
            _("Columns ignored (the same field appears earlier): %(columns)s.") % {"columns": listed(twice)}
        )
    return Columns(by_field, headers, warnings)
