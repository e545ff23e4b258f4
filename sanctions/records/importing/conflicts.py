"""Rows whose document number the agency already has: "already present" only when identical.

The comparison works on what a chunk has anyway: the row as rendered for COPY, and the record's
values read in the chunk's one query (``PresentRecordChecks.present``), so no row costs a query.
"""

# The SQL below is assembled only from model metadata (table and column names); every value from
# the file travels as a query parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BooleanField, DecimalField
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.importing import RowError
from sanctions.models import CreditRecord
from sanctions.records.importing.copying import NULL

if TYPE_CHECKING:
    from sanctions.records.importing.chunks import CleanRow

_SHOWN_CHARACTERS = 80


_COPY_ESCAPED = re.compile(r"\\(.)")
_COPY_UNESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
_ARRAY_ITEM = re.compile(r'"((?:[^"\\]|\\.)*)"|NULL')


def copy_value(text: str, field: Any) -> Any:
    """A field of a COPY (FORMAT TEXT) line as the value of the model field it fills."""
    if text == NULL:
        return None
    if isinstance(field, ArrayField):
        return copy_array(text)
    if "\\" in text:
        text = _COPY_ESCAPED.sub(lambda m: _COPY_UNESCAPES.get(m.group(1), m.group(1)), text)
    if isinstance(field, BooleanField):
        return text == "t"
    if isinstance(field, DecimalField):
        return Decimal(text)
    return text


def copy_array(text: str, *, escaped: bool = True) -> list[str]:
    """The items of an array literal as ``array_text`` writes it (in a COPY line, if ``escaped``)."""
    if escaped and "\\" in text:
        text = _COPY_ESCAPED.sub(lambda m: _COPY_UNESCAPES.get(m.group(1), m.group(1)), text)
    if not (text.startswith("{") and text.endswith("}")):
        return [text]
    return [
        _COPY_ESCAPED.sub(r"\1", m.group(1))
        for m in _ARRAY_ITEM.finditer(text[1:-1])
        if m.group(1) is not None
    ]


def shown(value: Any) -> str:
    """A value as a clerk reads it in an error report."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        text = _("Yes") if value else _("No")
    elif isinstance(value, list | tuple):
        text = "、".join(str(v) for v in value)
    elif isinstance(value, Decimal):
        text = f"{value.normalize():f}"
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    return text if len(text) <= _SHOWN_CHARACTERS else text[: _SHOWN_CHARACTERS - 1] + "…"


class PresentRecordChecks:
    """What a chunk importer knows of the rows already present; mixed into ``ChunkImporter``, whose
    ``agency``, ``columns``, ``varying`` (the columns a file decides) and ``formatters`` it reads."""

    def same(self, mine: tuple[str, ...], theirs: tuple) -> bool:
        """The row's values (as rendered for COPY) are the record's (as read)."""
        return all(
            self.same_value(name, ours, value)
            for name, ours, value in zip(self.varying, mine, theirs, strict=True)
        )

    def same_value(self, name: str, ours: str, value: Any) -> bool:
        if self.formatters[name](value) == ours:
            return True
        # A list (the penalty categories) is the same in any order.
        return value.__class__ is list and sorted(map(str, value)) == sorted(copy_array(ours))

    def present(self, numbers: list[str]) -> dict[str, list[tuple[int, tuple]]]:
        """The agency's current records with these numbers: number -> [(the current record's id, the
        values of ``varying``) of the record itself, then of its other versions, newest first]."""
        table = CreditRecord._meta.db_table
        by_name = {f.attname: f for f in CreditRecord._meta.concrete_fields}
        columns = ", ".join(f"v.{by_name[name].column}" for name in self.varying)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.document_number, c.id, {columns} FROM {table} c "
                f"JOIN {table} v ON v.record_key = c.record_key "
                "WHERE c.agency_id = %s AND c.is_current AND c.document_number = ANY(%s) "
                "ORDER BY c.id, v.id = c.id DESC, v.version DESC",
                [self.agency.pk, numbers],
            )
            present: dict[str, list[tuple[int, tuple]]] = {}
            for number, pk, *values in cursor.fetchall():
                present.setdefault(number, []).append((pk, tuple(values)))
        return present

    def conflict(self, row: CleanRow, mine: tuple, pk: int, values: tuple) -> list[RowError]:
        """The row errors of a row that differs from the agency's record with its document number."""
        differs = [
            (name, copy_value(ours, CreditRecord._meta.get_field(name)), theirs)
            for name, ours, theirs in zip(self.varying, mine, values, strict=True)
            if not self.same_value(name, ours, theirs)
        ]
        differs.sort(key=lambda item: self.columns.order(item[0]))
        link = reverse("sanctions:record", args=[pk])
        headers = "、".join(self.columns.header(name) for name, _ours, _theirs in differs)
        errors = [
            RowError(
                row.rownum,
                self.columns.header("document_number"),
                row.document_number,
                _(
                    "Your agency already has record #%(id)d (%(link)s) with this decision document number, "
                    "and it differs from this row in %(columns)s. Only a row identical to the record counts "
                    "as already present: this row is not imported. Correct the record or the row."
                )
                % {"id": pk, "link": link, "columns": headers},
            )
        ]
        for name, ours, theirs in differs:
            if name == "document_number":
                continue
            errors.append(
                RowError(
                    row.rownum,
                    self.columns.header(name),
                    shown(ours),
                    _("Record #%(id)d has “%(value)s”.") % {"id": pk, "value": shown(theirs)},
                )
            )
        return errors
