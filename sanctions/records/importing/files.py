"""Reading a file of records: its rows, its headers (national codes or Chinese names) and its kind.

The reading itself (encoding detection UTF-8 / GB18030, CSV dialect, XLSX) is the enterprise
importer's, so both importers read the same files the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry.importing.reading import display, is_blank, open_rows
from sanctions.choices import RecordKind
from sanctions.records.cells import text_cell
from sanctions.records.national_format import FIELDS, header_map, kind_from_headers, normalise_header
from sanctions.records.validation import REQUIRED

SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}
PARTY_CODES = (
    "party_uscc",
    "party_registration_number",
    "party_organization_code",
    "party_tax_number",
    "party_institution_number",
    "party_social_org_number",
)


def national_label(kind: str, name: str) -> str:
    """A field as the national format names it: the code for the kind, and the first Chinese name."""
    cf, xk, names = FIELDS.get(name, (None, None, ()))
    code = cf if kind == RecordKind.PENALTY else xk
    if code and names:
        return f"{code} ({names[0]})"
    return code or (names[0] if names else name)


@dataclass
class Columns:
    """Where each field is in the file, and the header it has there."""

    kind: str
    by_field: dict[str, int]
    headers: list[str]
    warnings: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        """The column as the file names it; a field the file lacks goes by its national code."""
        if name in self.by_field:
            return self.headers[self.by_field[name]]
        cf, xk, _names = FIELDS.get(name, (None, None, ()))
        return (cf if self.kind == RecordKind.PENALTY else xk) or name

    def order(self, name: str) -> int:
        return self.by_field.get(name, len(self.headers))

    def values(self, cells: list[Any]) -> dict[str, Any]:
        width = len(cells)
        return {name: cells[index] if index < width else None for name, index in self.by_field.items()}


def detect_kind(headers: list[str]) -> str | None:
    """penalty or licence: by the national codes, else by fields (or names) only one kind has."""
    kind = kind_from_headers(headers)
    if kind:
        return kind
    mapping = header_map()
    votes: Counter[str] = Counter()
    for header in headers:
        name = mapping.get(normalise_header(header))
        if name is None:
            continue
        cf, xk, _names = FIELDS[name]
        if (cf and not xk) or "处罚" in header:
            votes[RecordKind.PENALTY] += 1
        elif (xk and not cf) or "许可" in header:
            votes[RecordKind.LICENCE] += 1
    if not votes or votes[RecordKind.PENALTY] == votes[RecordKind.LICENCE]:
        return None
    return votes.most_common(1)[0][0]


def map_columns(cells: list[Any]) -> Columns:
    """The header row → Columns; a file without a column that every record needs is refused."""
    headers = [display(c).strip() for c in cells]
    kind = detect_kind(headers)
    if kind is None:
        raise ValidationError(
            _(
                "The first row must hold the column headers, as national codes (CF_* for penalties, XK_* for "
                "licences) or as their Chinese names; these headers say neither."
            )
        )
    mapping = header_map()
    by_field: dict[str, int] = {}
    unknown, twice = [], []
    for index, header in enumerate(headers):
        if not header:
            continue
        name = mapping.get(normalise_header(header))
        if name is None:
            unknown.append(header)
        elif name in by_field:
            twice.append(header)
        else:
            by_field[name] = index
    missing = [name for name in REQUIRED[kind] if name not in by_field]
    if not any(code in by_field for code in PARTY_CODES):
        missing.insert(0, "party_uscc")
    if missing:
        raise ValidationError(
            _("The file has no column for %(columns)s.")
            % {"columns": ", ".join(national_label(kind, m) for m in missing)}
        )
    columns = Columns(kind=kind, by_field=by_field, headers=headers)
    if unknown:
        columns.warnings.append(
            _("Columns ignored (not known): %(columns)s.") % {"columns": ", ".join(unknown)}
        )
    if twice:
        columns.warnings.append(
            _("Columns ignored (the same field appears earlier): %(columns)s.")
            % {"columns": ", ".join(twice)}
        )
    return columns


@dataclass
class Scan:
    """What one pass over the file finds before anything is written."""

    columns: Columns
    total: int
    first_row: dict[str, int]  # document number -> the row where it first appears


def read_rows(path: Path) -> tuple[Columns, Iterator[tuple[int, list[Any]]]]:
    """The columns, and the non-blank data rows as (row number as a spreadsheet shows it, cells)."""
    rows, _estimate = open_rows(path)
    try:
        header = next(rows, None)
        if header is None:
            raise ValidationError(_("The file is empty."))
        columns = map_columns(header)
    except BaseException:
        rows.close()
        raise

    def data() -> Iterator[tuple[int, list[Any]]]:
        with closing(rows):
            for rownum, cells in enumerate(rows, start=2):
                if not all(is_blank(c) for c in cells):
                    yield rownum, cells

    return columns, data()


def document_number(columns: Columns, cells: list[Any]) -> str:
    index = columns.by_field["document_number"]
    return text_cell(cells[index]) if index < len(cells) else ""


def scan(path: Path) -> Scan:
    """Count the rows and note where each decision document number first appears."""
    columns, rows = read_rows(path)
    total = 0
    first_row: dict[str, int] = {}
    for rownum, cells in rows:
        total += 1
        number = document_number(columns, cells)
        if number:
            first_row.setdefault(number, rownum)
    return Scan(columns=columns, total=total, first_row=first_row)
