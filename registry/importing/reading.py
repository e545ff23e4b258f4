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
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
REQUIRED_FIELDS = ("uscc", "name")
_READ_BLOCK = 1 << 20


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


def _detect_encoding(path: Path) -> tuple[str, int]:
    """UTF-8 (with or without BOM) if the whole file decodes strictly as such, else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        lines = 0
        try:
            with open(path, "rb") as handle:
                while block := handle.read(_READ_BLOCK):
                    decoder.decode(block)
                    lines += block.count(b"\n")
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines
    raise ValidationError(
        _("The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8 and try again.")
    )


def _csv_rows(path: Path) -> tuple[Iterator[list[Any]], int | None]:
    encoding, lines = _detect_encoding(path)
    handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by the generator
    first = handle.readline()
    handle.seek(0)
    delimiter = "\t" if first.count("\t") > first.count(",") else ","

    def rows() -> Iterator[list[Any]]:
        with handle:
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                yield from reader
            except csv.Error as exc:
                raise ValidationError(
                    _("The CSV file cannot be read at row %(row)d: %(error)s")
                    % {"row": reader.line_num, "error": exc}
                ) from None

    return rows(), max(lines - 1, 0)


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


def _xlsx_rows(path: Path) -> tuple[Iterator[list[Any]], int | None]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationError(_("The spreadsheet cannot be read: %(error)s") % {"error": exc}) from None
    sheet = workbook.worksheets[0]
    total = sheet.max_row - 1 if sheet.max_row else None

    def rows() -> Iterator[list[Any]]:
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [_cell(v) for v in values]
        finally:
            workbook.close()

    return rows(), total


def open_rows(path: Path) -> tuple[Iterator[list[Any]], int | None]:
    if not path.is_file():
        raise ValidationError(_("There is no file %(path)s.") % {"path": path})
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path)
    if suffix in {".csv", ".tsv", ".txt"}:
        return _csv_rows(path)
    raise ValidationError(
        _("Only CSV and XLSX files can be imported, not “%(suffix)s”.") % {"suffix": suffix or path.name}
    )


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value: Any) -> str:
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
    headers = [display(c).strip() for c in cells]
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
        warnings.append(_("Columns ignored (not known): %(columns)s.") % {"columns": ", ".join(unknown)})
    if twice:
        warnings.append(
            _("Columns ignored (the same field appears earlier): %(columns)s.")
            % {"columns": ", ".join(twice)}
        )
    return Columns(by_field, headers, warnings)
