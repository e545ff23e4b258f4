"""Blank files to fill in and import: penalties or licences, headed by the national codes (CF_*,
XK_*) or by the national Chinese column names, as CSV (UTF-8 with a BOM, which Excel opens as
such) or XLSX.

The columns are the national format's for the kind, in its order (``files.accepted_columns``, the
import's own header map): a blank file is always one the import reads. The workbook's second
sheet explains each column, required or not, with the other headers accepted for it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.csv_safety import safe_row, safe_writer
from sanctions.choices import RecordKind
from sanctions.records.importing.files import IMPORTABLE_KINDS, AcceptedColumn, accepted_columns

STYLES = {
    "codes": gettext_lazy("national field codes"),
    "names": gettext_lazy("Chinese column names"),
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Cells typed as text in the workbook, so that a spreadsheet keeps codes and document numbers as
# written (an 18-digit code is not a number, nor is 0010 the same as 10); dates are shown as dates.
_DATE_FIELDS = {"decision_date", "valid_from", "valid_to", "declared_publicity_end"}
_NUMBER_FIELDS = {"fine_amount", "confiscated_amount"}


@dataclass(frozen=True)
class Blank:
    """One blank file: its kind, header style and format."""

    kind: str
    style: str
    format: str

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.style}.{self.format}"

    @property
    def content_type(self) -> str:
        return FORMATS[self.format]


def blanks() -> list[Blank]:
    """Every blank file offered: each importable kind, in each header style and format."""
    return [Blank(kind, style, fmt) for kind in IMPORTABLE_KINDS for style in STYLES for fmt in FORMATS]


def blank_for(kind: str, style: str, fmt: str) -> Blank | None:
    """The blank file named so, or None."""
    if kind in IMPORTABLE_KINDS and style in STYLES and fmt in FORMATS:
        return Blank(kind, style, fmt)
    return None


def _columns(kind: str) -> list[AcceptedColumn]:
    """The national format's columns for the kind (the desk's own extras are not national)."""
    return [c for c in accepted_columns(kind) if c.code]


def blank_headers(kind: str, style: str) -> list[str]:
    """The header row: national codes, or the national Chinese names (the code where it has none)."""
    if style == "codes":
        return [c.code for c in _columns(kind)]
    return [c.national_name or c.code for c in _columns(kind)]


def blank_content(blank: Blank) -> bytes:
    """The file itself."""
    headers = blank_headers(blank.kind, blank.style)
    if blank.format == "csv":
        out = io.StringIO(newline="")
        safe_writer(out).writerow(headers)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    return _workbook(blank, headers)


def _workbook(blank: Blank, headers: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    columns = _columns(blank.kind)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(RecordKind(blank.kind).label)[:31]
    sheet.append(safe_row(headers))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.number_format = "@"
        sheet.column_dimensions[letter].width = max(12, min(40, len(str(cell.value)) * 2))
        # The column's own format, which a spreadsheet gives every cell typed into it.
        if column.field in _DATE_FIELDS:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif column.field in _NUMBER_FIELDS:
            sheet.column_dimensions[letter].number_format = "0.######"
        else:
            sheet.column_dimensions[letter].number_format = "@"

    notes = workbook.create_sheet(str(_("Columns"))[:31])
    notes.append(
        safe_row(
            [
                str(_("Column")),
                str(_("Field")),
                str(_("Required")),
                str(_("Also accepted as the header")),
                str(_("Notes")),
            ]
        )
    )
    for cell in notes[1]:
        cell.font = bold
    for header, column in zip(headers, columns, strict=True):
        required = _("Yes") if column.required else ""
        if column.field == "party_uscc":
            required = _("Yes, or another identifier of the party")
        others = [h for h in (column.code, column.national_name, *column.other_names) if h and h != header]
        notes.append(safe_row([header, column.label, str(required), "、".join(others), column.help_text]))
    for letter, width in zip("ABCDE", (34, 30, 16, 60, 60), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
