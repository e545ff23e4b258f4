"""Cleaning a chunk: every row through ``clean_record``, ahead in a thread that may not use the
database (``clean_ahead``) and finished in the main thread (``finish``), or at once (``clean``).

The parties are fetched once per chunk (``parties``); publicity is computed by ``publicity_for``
once per distinct combination of what it depends on (``_publicity``).
"""

# The SQL below is assembled only from model metadata (table and column names); every value from
# the file travels through COPY or query parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import uscc as uscc_codes
from registry.db import id_sequence
from registry.importing import RowError
from registry.importing.cells import BadCell, RowWithBadCells
from registry.importing.cells import reason as bad_cell_reason
from registry.models import Enterprise
from sanctions.models import CreditRecord
from sanctions.records.cells import text_cell
from sanctions.records.importing.copying import random_keys
from sanctions.records.importing.files import display, document_number
from sanctions.records.importing.parties import NeedsDatabase, Parties, PartyRef
from sanctions.records.publicity import Publicity, publicity_for
from sanctions.records.validation import LEGACY_IDENTIFIERS, clean_record

from .outcomes import _PUBLICITY_FIELDS, ChunkLookups, CleanedChunk, CleanRow, RowNeedingDatabase


class ChunkCleaning:
    """The cleaning of a chunk's rows; mixed into ``ChunkImporter``, whose ``__init__`` sets what it
    reads (the file's ``columns``, ``kind``, ``agency``, the catalogue, the formatters) and its caches."""

    def _key(self, cell: Any) -> str:
        """A party code cell as ``clean_record`` stores it once valid (compact, upper case)."""
        key = self.keys.get(cell) if cell.__class__ is str else None
        if key is None:
            key = uscc_codes.compact(text_cell(cell))
            if cell.__class__ is str and len(self.keys) < 100_000:
                self.keys[cell] = key
        return key

    def parties(self, rows: list[tuple[int, list[Any]]]) -> Parties:
        """The enterprises these rows name, by USCC and by legacy identifier: one query for each."""
        by_field = self.columns.by_field
        index = by_field.get("party_uscc")
        legacy = [(f, c, by_field[f]) for f, c in LEGACY_IDENTIFIERS if f in by_field]
        parties = Parties()
        for field, _column, _at in legacy:
            parties.wanted[field] = set()
            parties.by_legacy[field] = {}
        for _rownum, cells in rows:
            width = len(cells)
            code = self._key(cells[index]) if index is not None and index < width else ""
            if code:
                parties.codes.add(code)
                continue
            # Without a USCC, find_party tries the legacy identifiers in order.
            for field, _column, at in legacy:
                if at < width and (value := self._key(cells[at])):
                    parties.wanted[field].add(value)
        table = Enterprise._meta.db_table
        with connection.cursor() as cursor:
            if parties.codes:
                cursor.execute(
                    f"SELECT id, uscc, is_legacy_code FROM {table} WHERE uscc = ANY(%s)",
                    [list(parties.codes)],
                )
                parties.by_uscc = {uscc: PartyRef(pk, uscc, legacy) for pk, uscc, legacy in cursor.fetchall()}
            for field, column, _at in legacy:
                if parties.wanted[field]:
                    cursor.execute(
                        f"SELECT id, uscc, is_legacy_code, {column} FROM {table} WHERE {column} = ANY(%s)",
                        [list(parties.wanted[field])],
                    )
                    for pk, uscc, legacy, value in cursor.fetchall():
                        parties.by_legacy[field].setdefault(value, []).append(PartyRef(pk, uscc, legacy))
        return parties

    def _publicity(self, cleaned: dict[str, Any]) -> tuple[Publicity, str] | str:
        fine: Decimal | None = cleaned.get("fine_amount")
        categories = cleaned.get("penalty_categories")
        key = (
            cleaned["decision_date"],
            tuple(categories) if categories else (),
            cleaned.get("severity", ""),
            cleaned.get("regulatory_field", ""),
            cleaned.get("party_category", ""),
            tuple(fine is not None and fine <= t for t in self.fine_thresholds)
            if self.fine_thresholds
            else (),
            cleaned.get("valid_to") if self.valid_to_matters else None,
        )
        result = self.publicity_cache.get(key)
        if result is None:
            try:
                publicity = publicity_for(
                    kind=self.kind,
                    decision_date=cleaned["decision_date"],
                    categories=categories or [],
                    severity=cleaned.get("severity", ""),
                    regulatory_field=cleaned.get("regulatory_field", ""),
                    province=self.province,
                    fine=fine,
                    valid_to=cleaned.get("valid_to"),
                    agency_system=self.agency_system,
                    party_category=cleaned.get("party_category", ""),
                    **self.catalogue_kwargs,
                )
            except LookupError as exc:
                result = str(exc)
            else:
                values = [
                    publicity.rule.pk if publicity.rule else None,
                    publicity.end,
                    publicity.earliest_repair,
                    publicity.early_repair_allowed,
                    publicity.publish_deadline,
                    publicity.never_published,
                ]
                formatters = [self.formatters[name] for name in _PUBLICITY_FIELDS]
                result = (publicity, "\t".join([f(v) for f, v in zip(formatters, values, strict=True)]))
            self.publicity_cache[key] = result
        return result

    def prepare(self, rows: list[tuple[int, list[Any]]]) -> ChunkLookups:
        """Fetch what cleaning these rows needs from the database: their parties and the records' ids."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT array(SELECT nextval(%s::regclass) FROM generate_series(1, %s))",
                [id_sequence(cursor, CreditRecord._meta.db_table), len(rows)],
            )
            ids = sorted(cursor.fetchone()[0])
        return ChunkLookups(parties=self.parties(rows), ids=ids, now=timezone.now())

    def clean(self, rows: list[tuple[int, list[Any]]]) -> tuple[list[CleanRow], list[RowError], int]:
        """(good rows, errors, number of bad rows): a bad row is reported whole and never written."""
        return self.finish(self.clean_ahead(rows, self.prepare(rows)))

    def clean_ahead(self, rows: list[tuple[int, list[Any]]], ahead: ChunkLookups) -> CleanedChunk:
        """``clean`` without the database (another thread may use it meanwhile): ``finish`` completes it.

        Any use of the database in this thread raises ``NeedsDatabase`` (see ``no_database``): the
        rows that needed it (a party not fetched) are left ``RowNeedingDatabase``.
        """
        finder = ahead.parties.finder(ahead=True)
        ahead.keys = random_keys(len(rows))
        return CleanedChunk(self._clean_rows(enumerate(rows), ahead, finder=finder), ahead)

    def finish(self, cleaned: CleanedChunk) -> tuple[list[CleanRow], list[RowError], int]:
        """A chunk cleaned ahead, each pending row cleaned now; (good rows, errors, number of bad rows)."""
        outcomes = cleaned.outcomes
        pending = [o for o in outcomes if o.__class__ is RowNeedingDatabase]
        if pending:
            finder = cleaned.ahead.parties.finder(ahead=False)
            rows = ((p.position, (p.rownum, p.cells)) for p in pending)
            done = iter(self._clean_rows(rows, cleaned.ahead, finder=finder))
            outcomes = [next(done) if o.__class__ is RowNeedingDatabase else o for o in outcomes]
        good: list[CleanRow] = []
        errors: list[RowError] = []
        bad = 0
        for outcome in outcomes:
            if outcome.__class__ is CleanRow:
                good.append(outcome)
            else:
                bad += 1
                errors.extend(outcome)
        return good, errors, bad

    def _clean_rows(self, rows: Iterable, ahead: ChunkLookups, *, finder) -> list:
        """Each (position, row): a CleanRow, its list of RowErrors, or (in advance) RowNeedingDatabase."""
        outcomes: list = []
        values_of = self.columns.values
        varying = [(name, self.formatters[name]) for name in self.varying]
        fixed_names = self.fixed
        fixed_formatters = [self.formatters[name] for name in fixed_names]
        fixed_values: list | None = None
        fixed_text = ""
        writes = self._writes(ahead.now)
        for position, (rownum, cells) in rows:
            data = values_of(cells)
            bad = None
            if cells.__class__ is RowWithBadCells:
                # A cell refused as the file was read: its field is cleaned as blank, and refused.
                bad = {name: value for name, value in data.items() if value.__class__ is BadCell}
                data.update(dict.fromkeys(bad))
            try:
                cleaned, problems = clean_record(
                    data,
                    kind=self.kind,
                    agency=self.agency,
                    categories=self.categories,
                    party_finder=finder,
                    memo=self.memo,  # dict operations are atomic: both threads may share it
                    today=self.today,
                )
                number = cleaned.get("document_number")
                if number is None:
                    number = document_number(self.columns, cells)
                first = self.first_row.get(number)
                if first is not None and first != rownum:
                    problems.setdefault("document_number", []).append(
                        _("This decision document number already appears in row %(row)d.") % {"row": first}
                    )
                publicity = None
                if not problems:
                    publicity = self._publicity(cleaned)
                    if isinstance(publicity, str):
                        problems["decision_date"] = [publicity]
            except NeedsDatabase:
                outcomes.append(RowNeedingDatabase(position, rownum, cells))
                continue
            if bad:
                for name, cell in bad.items():
                    problems[name] = [bad_cell_reason(cell)]
                data.update(bad)
            if problems:
                outcomes.append(
                    [
                        RowError(
                            rownum,
                            self.columns.header(name),
                            display(data.get(name)),
                            " ".join(problems[name]),
                        )
                        for name in sorted(problems, key=self.columns.order)
                    ]
                )
                continue
            enterprise_id = cleaned["enterprise"].pk
            values = [cleaned[name] for name in fixed_names]
            if values != fixed_values:
                fixed_values = values
                fixed_text = "\t".join([f(v) for f, v in zip(fixed_formatters, values, strict=True)])
            parts = [str(enterprise_id), *[f(cleaned[name]) for name, f in varying], publicity[1]]
            if fixed_names:
                parts.append(fixed_text)
            columns = "\t".join(parts)
            outcomes.append(
                writes(
                    ahead.ids[position],
                    ahead.keys[position],
                    rownum,
                    number,
                    columns,
                    cleaned["party_uscc"],
                )
            )
        return outcomes
