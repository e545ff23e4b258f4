"""One chunk of an import: every row through the desk's rules, then set-based writes.

Each row is cleaned by ``clean_record`` itself, with the penalty catalogue read once per import and
the parties fetched once per chunk. Publicity is computed by ``publicity_for`` once per distinct
combination of what it depends on. The new records, their history events and their audit entries
are written by COPY, in the caller's transaction.
"""

# The SQL below is assembled only from model metadata (table and column names); every value from
# the file travels through COPY or query parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import uscc as uscc_codes
from registry.audit import PendingEntry, audit_write_many
from registry.importing import RowError
from registry.models import Enterprise

from ..choices import RecordStatus
from ..models import CreditRecord, ImportBatch, PenaltyCategory, PublicityRule, RecordEvent
from ..rules import Publicity, publicity_for
from ..validation import RECORD_FIELDS, clean_record, find_party, penalty_category_lookup
from .files import Columns, display, document_number

MEMO_LIMIT = 200_000
# publicity_for reads the rule catalogue itself (two queries a call) unless it accepts the catalogue
# read once (``rules=``, ``catalogue=``: the patch proposed for sanctions/rules.py).
_EVENT_COLUMNS = ["record_id", "record_key", "action", "actor_id", "actor_label", "at", "comment", "changes"]


def _copy_type(field) -> str:
    """The PostgreSQL type of a column, as binary COPY names it (varchar(200) -> varchar)."""
    return re.sub(r"\(.*?\)", "", field.db_type(connection)).strip()


@dataclass
class CleanRow:
    rownum: int
    values: dict[str, Any]  # model attribute -> value


class ChunkImporter:
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
        rules = list(PublicityRule.objects.filter(kind=self.kind))
        # The catalogue is read once per file, not once per row.
        self.catalogue_kwargs: dict[str, Any] = {
            "rules": rules,
            "catalogue": {c.code: c for c in PenaltyCategory.objects.all()},
        }
        # The fine matters to the choice of rule only as "at most this threshold or not".
        self.fine_thresholds = sorted({r.fine_at_most for r in rules if r.fine_at_most is not None})
        # A rule without a maximum ends publicity with the record's validity.
        self.valid_to_matters = any(r.max_months is None for r in rules)
        self.publicity_cache: dict[tuple, Publicity | str] = {}
        self.memo: dict = {}  # clean_record's per-field memo, for this file (one agency, one language)
        self.fields = [f for f in CreditRecord._meta.concrete_fields if not getattr(f, "generated", False)]
        self.copy_types = [_copy_type(f) for f in self.fields]
        self.template = {f.attname: f.get_default() for f in self.fields}

    # --- Cleaning ---------------------------------------------------------------------------------

    def _party_finder(self, rows: list[tuple[int, list[Any]]]):
        index = self.columns.by_field.get("party_uscc")
        codes: set[str] = set()
        if index is not None:
            for _rownum, cells in rows:
                if index < len(cells) and cells[index] not in (None, ""):
                    codes.add(uscc_codes.compact(str(cells[index])))
        found = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=codes).only("id", "uscc")}

        def finder(cleaned: dict[str, Any]) -> Enterprise | None:
            code = cleaned.get("party_uscc")
            if code and code in codes:
                return found.get(code)
            return find_party(cleaned)

        return finder

    def _publicity(self, cleaned: dict[str, Any]) -> Publicity | str:
        fine: Decimal | None = cleaned.get("fine_amount")
        key = (
            cleaned["decision_date"],
            tuple(cleaned.get("penalty_categories") or ()),
            cleaned.get("severity", ""),
            cleaned.get("regulatory_field", ""),
            tuple(fine is not None and fine <= t for t in self.fine_thresholds),
            cleaned.get("valid_to") if self.valid_to_matters else None,
        )
        result = self.publicity_cache.get(key)
        if result is None:
            try:
                result = publicity_for(
                    kind=self.kind,
                    decision_date=cleaned["decision_date"],
                    categories=cleaned.get("penalty_categories") or [],
                    severity=cleaned.get("severity", ""),
                    regulatory_field=cleaned.get("regulatory_field", ""),
                    province=self.province,
                    fine=fine,
                    valid_to=cleaned.get("valid_to"),
                    **self.catalogue_kwargs,
                )
            except LookupError as exc:
                result = str(exc)
            self.publicity_cache[key] = result
        return result

    def clean(self, rows: list[tuple[int, list[Any]]]) -> tuple[list[CleanRow], list[RowError], int]:
        """(good rows, errors, number of bad rows): a bad row is reported whole and never written."""
        finder = self._party_finder(rows)
        if len(self.memo) > MEMO_LIMIT:
            self.memo.clear()
        good: list[CleanRow] = []
        errors: list[RowError] = []
        bad = 0
        for rownum, cells in rows:
            data = self.columns.values(cells)
            cleaned, problems = clean_record(
                data,
                kind=self.kind,
                agency=self.agency,
                categories=self.categories,
                party_finder=finder,
                memo=self.memo,
                today=self.today,
            )
            first = self.first_row.get(document_number(self.columns, cells))
            if first is not None and first != rownum:
                problems.setdefault("document_number", []).append(
                    _("This decision document number already appears in row %(row)d.") % {"row": first}
                )
            publicity = None
            if not problems:
                publicity = self._publicity(cleaned)
                if isinstance(publicity, str):
                    problems["decision_date"] = [publicity]
            if problems:
                bad += 1
                for name in sorted(problems, key=self.columns.order):
                    errors.append(
                        RowError(
                            rownum,
                            self.columns.header(name),
                            display(data.get(name)),
                            " ".join(problems[name]),
                        )
                    )
                continue
            values = {name: cleaned[name] for name in RECORD_FIELDS}
            values["enterprise_id"] = cleaned["enterprise"].pk
            values.update(
                publicity_rule_id=publicity.rule.pk if publicity.rule else None,
                publicity_end=publicity.end,
                earliest_repair_date=publicity.earliest_repair,
                early_repair_allowed=publicity.early_repair_allowed,
                publish_deadline=publicity.publish_deadline,
                never_published=publicity.never_published,
            )
            good.append(CleanRow(rownum, values))
        return good, errors, bad

    # --- Writing (inside the caller's transaction) ------------------------------------------------

    def write(self, good: list[CleanRow]) -> tuple[int, int]:
        """Create the records not yet present; returns (created, already present)."""
        numbers = [row.values["document_number"] for row in good]
        present = set(
            CreditRecord.objects.filter(
                agency=self.agency, is_current=True, document_number__in=numbers
            ).values_list("document_number", flat=True)
        )
        new = [row for row in good if row.values["document_number"] not in present]
        if new:
            self._insert(new)
        return len(new), len(good) - len(new)

    def _insert(self, rows: list[CleanRow]) -> None:
        now = timezone.now()
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
        base = {**self.template, **common}
        table = CreditRecord._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
                [len(rows)],
            )
            ids = sorted(r[0] for r in cursor.fetchall())
            records = []
            columns = ", ".join(f.column for f in self.fields)
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(self.copy_types)
                for pk, row in zip(ids, rows, strict=True):
                    values = {**base, **row.values, "id": pk, "record_key": uuid.uuid4()}
                    copy.write_row([values[f.attname] for f in self.fields])
                    values["_row"] = row.rownum
                    records.append(values)
            self._history(cursor, records, now=now, submitted=submitted)

    def _history(self, cursor, records: list[dict[str, Any]], *, now: dt.datetime, submitted: bool) -> None:
        from psycopg.types.json import Jsonb

        label = self.actor.get_username()
        status = str(self.status)
        action = f"record.create.{status}"
        entries = []
        table = RecordEvent._meta.db_table
        with cursor.copy(f"COPY {table} ({', '.join(_EVENT_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
            fields = {f.column: f for f in RecordEvent._meta.concrete_fields}
            copy.set_types([_copy_type(fields[column]) for column in _EVENT_COLUMNS])
            for values in records:
                # The record as created is the file's row: the event and the audit entry name that row
                # (the chain holds the file's checksum, "import.start"), rather than copying its 40 values.
                origin = {
                    "import_batch": self.batch.pk,
                    "file": self.batch.original_name,
                    "row": values["_row"],
                }
                copy.write_row(
                    [
                        values["id"],
                        values["record_key"],
                        "create",
                        self.actor.pk,
                        label,
                        now,
                        "",
                        Jsonb(origin),
                    ]
                )
                if submitted:
                    copy.write_row(
                        [
                            values["id"],
                            values["record_key"],
                            "submit",
                            self.actor.pk,
                            label,
                            now,
                            "",
                            Jsonb({}),
                        ]
                    )
                entries.append(
                    PendingEntry(
                        self.actor,
                        action,
                        CreditRecord._meta.label_lower,
                        str(values["id"]),
                        f"{values['document_number']} · {values['party_name']}"[:300],
                        None,
                        {
                            **origin,
                            "document_number": values["document_number"],
                            "party_uscc": values["party_uscc"],
                            "enterprise_id": values["enterprise_id"],
                            "decision_date": values["decision_date"],
                            "status": status,
                        },
                    )
                )
        audit_write_many(entries)
