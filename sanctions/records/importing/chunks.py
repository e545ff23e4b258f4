"""One chunk of an import: every row through the desk's rules, then set-based writes.

Each row is cleaned by ``clean_record`` itself, with the penalty catalogue read once per import and
the parties fetched once per chunk. Publicity is computed by ``publicity_for`` once per distinct
combination of what it depends on. The new records and their history events are written by COPY,
with one audit entry for the chunk, in the caller's transaction.
"""

# The SQL below is assembled only from model metadata (table and column names); every value from
# the file travels through COPY or query parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import uscc as uscc_codes
from registry.audit import audit_write, copy_text
from registry.calendar import calendar_exceptions
from registry.db import id_sequence
from registry.importing import RowError
from registry.importing.cells import BadCell, RowWithBadCells
from registry.importing.cells import reason as bad_cell_reason
from registry.models import Enterprise
from sanctions.choices import RecordStatus
from sanctions.models import CreditRecord, ImportBatch, PenaltyCategory, PublicityRule, RecordEvent
from sanctions.records.cells import penalty_category_lookup, text_cell
from sanctions.records.importing.conflicts import PresentRecordChecks
from sanctions.records.importing.copying import (
    copy_formatter,
    foreign_keys,
    json_string,
    random_keys,
)
from sanctions.records.importing.files import Columns, display, document_number
from sanctions.records.importing.parties import NeedsDatabase, Parties, PartyRef
from sanctions.records.publicity import Publicity, publicity_for
from sanctions.records.validation import LEGACY_IDENTIFIERS, RECORD_FIELDS, clean_record

_EVENT_COLUMNS = ["record_id", "record_key", "action", "actor_id", "actor_label", "at", "comment", "changes"]
_PUBLICITY_FIELDS = [
    "publicity_rule_id",
    "publicity_end",
    "earliest_repair_date",
    "early_repair_allowed",
    "publish_deadline",
    "never_published",
]
# The columns a row of the file decides (id and record_key come first).
ROW_FIELDS = ["enterprise_id", *RECORD_FIELDS, *_PUBLICITY_FIELDS]
# What the audit entry of a chunk says of each record it created.
_AUDIT_COLUMNS = ("row", "record_id", "document_number", "party_uscc")


@dataclass(slots=True)
class RowNeedingDatabase:
    """A row that cleaning ahead left to ``ChunkImporter.finish`` (its party or publicity needs the database)."""

    position: int  # in the chunk
    rownum: int
    cells: list[Any]


@dataclass(slots=True)
class CleanRow:
    """A row that passed every check, with its writes rendered: its record and its history."""

    rownum: int
    pk: int
    document_number: str
    party_uscc: str
    record: str  # its COPY line
    events: str  # its history's COPY lines


@dataclass
class Written:
    """What writing a chunk's good rows did: records created, rows already present, rows refused
    because the agency's record with their document number differs (and those rows' errors)."""

    created: int = 0
    present: int = 0
    conflicts: int = 0
    errors: list[RowError] = dataclass_field(default_factory=list)


@dataclass
class ChunkLookups:
    """What cleaning a chunk needs from the database, fetched before it starts (``ChunkImporter.prepare``)."""

    parties: Parties
    ids: list[int]  # a record id for each row of the chunk (a refused row leaves a gap)
    now: dt.datetime
    keys: list[str] = dataclass_field(default_factory=list)  # a record key for each row (clean_ahead)


@dataclass
class CleanedChunk:
    """A chunk cleaned ahead: per row a CleanRow, its RowErrors, or RowNeedingDatabase."""

    outcomes: list
    ahead: ChunkLookups


class ChunkImporter(PresentRecordChecks):
    """Cleans and writes the chunks of one import; caches what stays the same from chunk to chunk."""

    def __init__(self, *, batch: ImportBatch, columns: Columns, first_row: dict[str, int]) -> None:
        self.batch = batch
        self.agency = batch.agency
        self.actor = batch.uploaded_by
        self.kind = columns.kind
        self.columns = columns
        self.first_row = first_row
        self.status = RecordStatus.SUBMITTED if batch.submit else RecordStatus.DRAFT
        self.categories = penalty_category_lookup()
        self.today = timezone.localdate()
        self.province = self.agency.division_id[:2]
        self.agency_system = self.agency.publicity_system
        rules = list(PublicityRule.objects.filter(kind=self.kind))
        # The catalogue and the holiday calendar are read once per file, not once per row (nor once
        # per publicity computed); the helper thread then needs neither the database nor the cache.
        self.catalogue_kwargs: dict[str, Any] = {
            "rules": rules,
            "catalogue": {c.code: c for c in PenaltyCategory.objects.all()},
            "calendar": calendar_exceptions(),
        }
        # The fine matters to the choice of rule only as "at most this threshold or not".
        self.fine_thresholds = sorted({r.fine_at_most for r in rules if r.fine_at_most is not None})
        # A rule without a maximum ends publicity with the record's validity.
        self.valid_to_matters = any(r.max_months is None for r in rules)
        # publicity key -> (Publicity, its columns formatted) or the reason no rule applies
        self.publicity_cache: dict[tuple, tuple[Publicity, str] | str] = {}
        self.met_present = False  # a chunk of this file met a record already present
        self.memo: dict = {}  # clean_record's per-field memo, for this file (one agency, one language)
        self.keys: dict[Any, str] = {}  # a party code cell -> the code as stored
        fields = [f for f in CreditRecord._meta.concrete_fields if not getattr(f, "generated", False)]
        by_name = {f.attname: f for f in fields}
        self.formatters = {name: copy_formatter(by_name[name]) for name in ROW_FIELDS}
        # A field the file has no column for is cleaned from None, to the same value in every row
        # (the party's code excepted: a party found by a legacy identifier gets it from the registry).
        # Those columns come last, rendered again only when their values change (never, in practice).
        self.varying = [n for n in RECORD_FIELDS if n in columns.by_field or n == "party_uscc"]
        self.fixed = [n for n in RECORD_FIELDS if n not in self.varying]
        self.constant_fields = [f for f in fields if f.attname not in {"id", "record_key", *ROW_FIELDS}]
        self.record_columns = ", ".join(
            [by_name["id"].column, by_name["record_key"].column]
            + [
                by_name[name].column
                for name in ["enterprise_id", *self.varying, *_PUBLICITY_FIELDS, *self.fixed]
            ]
            + [f.column for f in self.constant_fields]
        )
        self.template = {f.attname: f.get_default() for f in self.constant_fields}
        self.foreign_keys = foreign_keys(CreditRecord, RecordEvent)

    # --- Cleaning ---------------------------------------------------------------------------------

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

    def _writes(self, now: dt.datetime) -> Callable[..., CleanRow]:
        """Renders a good row's writes: its record and its history events."""
        submitted = self.status == RecordStatus.SUBMITTED
        common = {
            "agency_id": self.agency.pk,
            "kind": self.kind,
            "status": self.status,
            "version": 1,
            "previous_id": None,
            "is_current": True,
            "created_by_id": self.actor.pk,
            "submitted_at": now if submitted else None,
            "import_batch_id": self.batch.pk,
            "idempotency_key": None,
            "created_at": now,
            "updated_at": now,
        }
        constants = {**self.template, **common}
        suffix = "\t".join(copy_formatter(f)(constants[f.attname]) for f in self.constant_fields)
        # The record as created is the file's row: its event names that row (the chain holds the
        # file's checksum, "import.start"), rather than copying its 40 values.
        origin_json = copy_text(
            f'{{"file":{json_string(self.batch.original_name)},"import_batch":{self.batch.pk},"row":'
        )
        event = f"\t{self.actor.pk}\t{copy_text(self.actor.get_username())}\t{now.isoformat()}\t\t"

        def writes(pk: int, key: str, rownum: int, number: str, columns: str, party_uscc: str) -> CleanRow:
            events = f"{pk}\t{key}\tcreate{event}{origin_json}{rownum}}}\n"
            if submitted:
                events += f"{pk}\t{key}\tsubmit{event}{{}}\n"
            return CleanRow(rownum, pk, number, party_uscc, f"{pk}\t{key}\t{columns}\t{suffix}\n", events)

        return writes

    # --- Writing (inside the caller's transaction) ------------------------------------------------

    def write(self, good: list[CleanRow], *, check: bool = True) -> Written:
        """Create the records not yet present; returns what became of the rows (``Written``).

        ``check=False`` skips looking for them first: the agency's unique document numbers then
        refuse the whole chunk (IntegrityError) if one is present, and the caller writes it again
        with the check. A new file's chunks are written without that query.

        With the check, a row whose document number the agency has already is "already present"
        only if the record (or one of its earlier versions) holds every value the row gives; a row
        that differs, in its party or in substance, is refused with a row error naming the record
        and what differs, so that no row's data is dropped unseen. One query for the chunk.
        """
        if not good:
            return Written()
        if not check:
            self._insert(good)
            return Written(created=len(good))
        present = self.present([row.document_number for row in good])
        if not present:
            self._insert(good)
            return Written(created=len(good))
        new, written = [], Written()
        # A row's values as its COPY line renders them (after the id, the key and the enterprise).
        start, end = 3, 3 + len(self.varying)
        for row in good:
            versions = present.get(row.document_number)
            if versions is None:
                new.append(row)
                continue
            mine = tuple(row.record.split("\t")[start:end])
            if any(self.same(mine, values) for _pk, values in versions):
                written.present += 1
            else:
                written.conflicts += 1
                written.errors.extend(self.conflict(row, mine, *versions[0]))
        if new:
            self._insert(new)
        written.created = len(new)
        return written

    def _insert(self, rows: list[CleanRow]) -> None:
        records = CreditRecord._meta.db_table
        events = RecordEvent._meta.db_table
        with connection.cursor() as cursor:
            # The foreign keys are checked row by row as COPY goes, rather than queued for the commit.
            cursor.execute(f"SET CONSTRAINTS {self.foreign_keys} IMMEDIATE")
            # COPY is psycopg's own (Django does not wrap it): its errors are made Django's, so that
            # a document number a clerk recorded meanwhile is an IntegrityError like any other.
            with connection.wrap_database_errors:
                with cursor.copy(f"COPY {records} ({self.record_columns}) FROM STDIN") as copy:
                    copy.write("".join([row.record for row in rows]))
                with cursor.copy(f"COPY {events} ({', '.join(_EVENT_COLUMNS)}) FROM STDIN") as copy:
                    copy.write("".join([row.events for row in rows]))
            cursor.execute(f"SET CONSTRAINTS {self.foreign_keys} DEFERRED")
        # One entry for the chunk's records, as for any write: one clerk's act, in one transaction.
        # It names every record it created, with its row, so the chain covers each of them.
        audit_write(
            actor=self.actor,
            action=f"record.import.{self.status}",
            target=self.batch,
            after={
                "file": self.batch.original_name,
                "status": str(self.status),
                "columns": list(_AUDIT_COLUMNS),
                "records": [[row.rownum, row.pk, row.document_number, row.party_uscc] for row in rows],
            },
        )
