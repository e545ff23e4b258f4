"""Writing a chunk's good rows, in the caller's transaction: each row's record and history events
rendered as COPY lines (``_writes``), the rows already present set apart (``write``, with
``PresentRecordChecks``), the new records and their events written by COPY with one audit entry for
the chunk (``_insert``).
"""

# The SQL below is assembled only from model metadata (table and column names); every value from
# the file travels through COPY or query parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connection

from registry.audit import audit_write, copy_text
from sanctions.choices import RecordStatus
from sanctions.models import CreditRecord, RecordEvent
from sanctions.records.importing.conflicts import PresentRecordChecks
from sanctions.records.importing.copying import copy_formatter, json_string

from .outcomes import CleanRow, Written

_EVENT_COLUMNS = ["record_id", "record_key", "action", "actor_id", "actor_label", "at", "comment", "changes"]
# What the audit entry of a chunk says of each record it created.
_AUDIT_COLUMNS = ("row", "record_id", "document_number", "party_uscc")


class ChunkWriting(PresentRecordChecks):
    """The writes of a chunk's good rows; mixed into ``ChunkImporter``, whose ``__init__`` sets what it
    reads (the batch, its ``agency`` and ``actor``, ``status``, the COPY columns and formatters)."""

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
