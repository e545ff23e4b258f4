"""Reading a file of records: its rows, its headers and its kind.

A header is a national code (CF_*, XK_*), a national Chinese column name or another name agencies
use (``national_format``), or the desk form's label of the field, in Chinese or in English: one map
(``header_map``), which the import page lists (``accepted_columns``) and the templates are made from.

The reading itself (encoding detection UTF-8 / GB18030, CSV dialect, XLSX) is the enterprise
importer's, so both importers read the same files the same way, within the same limits
(``registry.importing.cells``): a file larger than ``RECORD_IMPORT_MAX_BYTES``, with more than
``IMPORT_MAX_ROWS`` rows or an XLSX unpacking to more than ``IMPORT_MAX_XLSX_BYTES`` is refused
before its rows are read; a cell too long or holding control characters is a ``BadCell``, which
refuses its row only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

from registry.importing.cells import HEADER_CHARS, BadCell, listed, shown
from registry.importing.reading import display, is_blank, open_rows
from sanctions.choices import RecordKind
from sanctions.models import CreditRecord
from sanctions.records.cells import text_cell
from sanctions.records.forms import all_fields
from sanctions.records.national_format import FIELDS, UNHELD_COLUMNS, kind_from_headers, normalise_header
from sanctions.records.national_format import header_map as national_header_map
from sanctions.records.validation import PARTY_CODES, RECORD_FIELDS, REQUIRED

SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}


IMPORTABLE_KINDS = (RecordKind.PENALTY, RecordKind.LICENCE)


def national_label(kind: str, name: str) -> str:
    """A field as the national format names it: the code for the kind, and its Chinese name."""
    national = FIELDS.get(name)
    if national is None:
        return str(desk_labels().get(name, name))
    code, chinese = national.code(kind), national.name(kind) or next(iter(national.names), None)
    if code and chinese:
        return f"{code} ({chinese})"
    return code or chinese or name


def desk_labels() -> dict[str, Any]:
    """The desk form's label of each record field (translated when shown)."""
    return {name: f.label for name, f in all_fields().items() if name in RECORD_FIELDS}


@lru_cache(maxsize=1)
def _desk_label_headers() -> tuple[tuple[str, str, str], ...]:
    """(label, language, field) for the desk form's label of each field in every language of the desk."""
    labels = desk_labels()
    found = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.extend((str(label), language, name) for name, label in labels.items())
    return tuple(found)


def header_map() -> dict[str, str]:
    """Every header a file may carry → the field it fills, normalised (``normalise_header``).

    The national codes (CF_*, XK_*), the national Chinese column names and other names agencies use
    (``national_format.FIELDS``), and the desk form's own labels in Chinese and in English, so that
    a file headed as the form is labelled is read as the form would be. A label that another field
    already claims, or that names a national column the registry does not hold, is not read as the
    form's (a test keeps them apart).
    """
    mapping = national_header_map()
    unheld = {normalise_header(h) for pair in UNHELD_COLUMNS.items() for h in pair}
    for label, _language, name in _desk_label_headers():
        if normalise_header(label) not in unheld:
            mapping.setdefault(normalise_header(label), name)
    return mapping


@dataclass(frozen=True)
class AcceptedColumn:
    """A column an import of one kind reads, and every header it may have (``header_map``)."""

    field: str
    label: str  # the desk form's label, in the current language
    code: str | None  # the national code for the kind
    national_name: str | None  # the national standard's Chinese name for the kind
    other_names: tuple[str, ...]  # the other Chinese names and the desk form's labels
    required: bool
    help_text: str


def accepted_columns(kind: str) -> list[AcceptedColumn]:
    """The columns a file of this kind may have, in the national order, with every accepted header.

    Generated from ``header_map``, so what the import page lists is what the import reads. The
    party's USCC is marked required: a file needs it, or another identifier of the party.
    """
    mapping = header_map()
    labels: dict[str, list[str]] = {}
    for label, _language, name in _desk_label_headers():
        if mapping.get(normalise_header(label)) == name and label not in labels.setdefault(name, []):
            labels[name].append(label)
    form = all_fields()
    columns = []
    for name in RECORD_FIELDS:
        national = FIELDS.get(name)
        code = national.code(kind) if national else None
        if national is not None and code is None:
            continue  # a column of the other kind only
        if name == "fine_confirmed" and kind != RecordKind.PENALTY:
            continue
        chinese = national.name(kind) if national else None
        # The other kind's national name is read too, but not offered for this kind.
        other = RecordKind.LICENCE if kind == RecordKind.PENALTY else RecordKind.PENALTY
        other_name = national.name(other) if national else None
        seen = {normalise_header(h) for h in (code, chinese, other_name) if h}
        others = []
        for header in [*(national.names if national else ()), *labels.get(name, [])]:
            if normalise_header(header) not in seen:
                seen.add(normalise_header(header))
                others.append(header)
        columns.append(
            AcceptedColumn(
                field=name,
                label=str(form[name].label),
                code=code,
                national_name=chinese,
                other_names=tuple(others),
                required=name in REQUIRED[kind] or name == "party_uscc",
                help_text=str(form[name].help_text or ""),
            )
        )
    return columns


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
        national = FIELDS.get(name)
        return (national.code(self.kind) if national else None) or name

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
        national = FIELDS.get(name)
        cf, xk = (national.penalty_code, national.licence_code) if national else (None, None)
        if (cf and not xk) or "处罚" in header:
            votes[RecordKind.PENALTY] += 1
        elif (xk and not cf) or "许可" in header:
            votes[RecordKind.LICENCE] += 1
    if not votes or votes[RecordKind.PENALTY] == votes[RecordKind.LICENCE]:
        return None
    return votes.most_common(1)[0][0]


def map_columns(cells: list[Any]) -> Columns:
    """The header row → Columns; a file without a column that every record needs is refused."""
    headers = [shown(display(c).strip(), HEADER_CHARS) for c in cells]
    kind = detect_kind(headers)
    if kind is None:
        read = "、".join(shown(h, 40) for h in headers[:8] if h) + ("…" if len(headers) > 8 else "")
        raise ValidationError(
            _(
                "The first row must hold the column headers: the national codes (CF_* for penalties, XK_* "
                "for licences), their Chinese names or the desk form's labels, as the import page lists "
                "them. These headers do not say whether the file holds penalties or licences: %(headers)s"
            )
            % {"headers": read or "—"}
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
        columns.warnings.append(_("Columns ignored (not known): %(columns)s.") % {"columns": listed(unknown)})
    if twice:
        columns.warnings.append(
            _("Columns ignored (the same field appears earlier): %(columns)s.") % {"columns": listed(twice)}
        )
    return columns


@dataclass
class Scan:
    """What one pass over the file finds before anything is written."""

    columns: Columns
    total: int
    first_row: dict[str, int]  # document number -> the row where it first appears


def _header(rows: Iterator[list[Any]]) -> Columns:
    header = next(rows, None)
    if header is None:
        raise ValidationError(_("The file is empty."))
    return map_columns(header)


def check_size(path: Path) -> None:
    """A file larger than ``RECORD_IMPORT_MAX_BYTES`` is refused."""
    size, limit = path.stat().st_size, settings.RECORD_IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _(
                "The file has %(size)s; a file to import may have at most %(limit)s. Split it into smaller files."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def columns_of(path: Path) -> Columns:
    """The file's columns, from its first row, once the file is checked against the limits (its
    size, rows, an XLSX's size unpacked): ValidationError if the file cannot be imported."""
    check_size(path)
    rows, _estimate = open_rows(path)
    with closing(rows):
        return _header(rows)


def read_rows(path: Path, *, counted: bool = True) -> tuple[Columns, Iterator[tuple[int, list[Any]]]]:
    """The columns, and the non-blank data rows as (row number as a spreadsheet shows it, cells).

    A row with a cell that may not be imported (``registry.importing.cells``) is a
    ``RowWithBadCells``. ``counted``: the file's rows were counted already (by ``scan``).
    """
    rows, _estimate = open_rows(path, count=not counted)
    try:
        columns = _header(rows)
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
    if index >= len(cells) or cells[index].__class__ is BadCell:
        return ""
    return text_cell(cells[index])


# The longest decision document number a record holds: a longer one is a row error, and is not kept
# to find the rows that repeat it.
DOCUMENT_NUMBER_CHARS = CreditRecord._meta.get_field("document_number").max_length


def scan(path: Path) -> Scan:
    """Count the rows and note where each decision document number first appears (the file checked
    against the limits first, as by ``columns_of``)."""
    columns, rows = read_rows(path, counted=False)
    total = 0
    first_row: dict[str, int] = {}
    for rownum, cells in rows:
        total += 1
        number = document_number(columns, cells)
        if number and len(number) <= DOCUMENT_NUMBER_CHARS:
            first_row.setdefault(number, rownum)
    return Scan(columns=columns, total=total, first_row=first_row)
