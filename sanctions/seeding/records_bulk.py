"""Demo records in bulk: an import of the agency's clerk through the record import's engine
(``ChunkImporter``: every row through ``clean_record``, publicity from the rule catalogue, COPY),
then published in one statement per chunk by the agency's reviewer, and those whose publicity has
already ended marked expired, each with its history events and one audit entry per chunk."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from registry.audit import audit_write, copy_text
from sanctions.choices import ImportStatus, RecordKind, RecordStatus
from sanctions.models import CreditRecord, ImportBatch, RecordEvent
from sanctions.permissions import ensure_can_edit, ensure_can_review
from sanctions.records.importing.chunks import ChunkImporter
from sanctions.records.importing.files import Columns, national_label

from .context import SeedContext
from .plans import EnterprisePlan, RecordPlan

_PARTY = ["party_name", "party_category", "party_uscc", "legal_representative"]


_AUTHORITY = ["authority_name", "authority_uscc", "source_unit_name", "source_unit_uscc"]


# The columns of a generated import, per kind: the fields the plans fill.
IMPORT_FIELDS = {
    RecordKind.PENALTY: [
        *_PARTY,
        "document_number",
        "violation_type",
        "violation_facts",
        "legal_basis",
        "penalty_categories",
        "content",
        "fine_amount",
        "confiscated_amount",
        "suspended_licence",
        "decision_date",
        "severity",
        "regulatory_field",
        *_AUTHORITY,
    ],
    RecordKind.LICENCE: [
        *_PARTY,
        "document_name",
        "document_number",
        "licence_category",
        "certificate_name",
        "certificate_number",
        "content",
        "decision_date",
        "valid_from",
        "valid_to",
        "licence_status",
        *_AUTHORITY,
    ],
    RecordKind.REWARD: [*_PARTY, "document_number", "content", "decision_date", *_AUTHORITY],
}


@dataclass
class BulkReport:
    enterprises: int = 0
    records: int = 0
    published: int = 0
    expired: int = 0
    expired_by_job: int = 0  # records of broken commitments, marked by records_expire
    listings: int = 0
    commitments: int = 0
    rare_steps: int = 0
    chunks: int = 0
    touched: int = 0
    touched_ids: list[int] = field(
        default_factory=list
    )  # the demo set's only (a synthetic run keeps no list)
    ratings: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def cell(value: Any) -> str:
    """A value as a file's cell would hold it."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, dt.date | Decimal):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return str(value)


def records_import(
    ctx: SeedContext,
    code: str,
    kind: str,
    items: list[tuple[EnterprisePlan, RecordPlan]],
    label: str,
    report: BulkReport,
) -> dict[tuple[int, int], int]:
    """One agency's records of one kind: an import of its clerk, published by its reviewer."""
    agency = ctx.agency(code)
    clerk, reviewer = ctx.staff[code]
    ensure_can_edit(clerk, agency)
    ensure_can_review(reviewer, agency)
    if clerk.pk == reviewer.pk:
        raise ValidationError("The reviewer who publishes must not be the clerk who entered the records.")
    fields = IMPORT_FIELDS[kind]
    columns = Columns(
        kind=kind,
        by_field={name: i for i, name in enumerate(fields)},
        headers=[national_label(kind, f) for f in fields],
    )
    name = f"seed_demo-{kind}-{label}.csv"
    batch = ImportBatch.objects.create(
        agency=agency,
        uploaded_by=clerk,
        original_name=name,
        sha256=hashlib.sha256(f"{agency.pk}:{name}".encode()).hexdigest(),
        submit=True,
        status=ImportStatus.IMPORTING,
        total_rows=len(items),
    )
    audit_write(
        actor=clerk,
        action="import.start",
        target=batch,
        after={"file": name, "sha256": batch.sha256, "submit": True, "generated": "seed_demo"},
    )
    importer = ChunkImporter(batch=batch, columns=columns, first_row={})
    size = max(1, int(settings.RECORD_IMPORT_CHUNK_ROWS))
    ids: dict[tuple[int, int], int] = {}
    by_number = {record.data["document_number"]: (plan.facts.pk, record.n) for plan, record in items}
    created_total = present_total = 0
    for start in range(0, len(items), size):
        part = items[start : start + size]
        rows = [
            (start + i + 2, [cell(record.data.get(f)) for f in fields])
            for i, (_plan, record) in enumerate(part)
        ]
        good, errors, _bad = importer.clean(rows)
        if errors:  # the plans are wrong, not the data: say where
            shown = "; ".join(f"row {e.row} {e.column} “{e.value}”: {e.reason}" for e in errors[:5])
            raise ValidationError(f"{name}: the generated rows were refused: {shown}")
        created, present = _written(importer.write(good, check=True), name)
        created_total += created
        present_total += present
        for record_id, number in _publish(ctx, batch, reviewer, [row.pk for row in good], report):
            ids[by_number[number]] = record_id
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.DONE,
        processed_rows=len(items),
        created_count=created_total,
        unchanged_count=present_total,
        finished_at=timezone.now(),
    )
    audit_write(
        actor=clerk,
        action="import.finish",
        target=batch,
        after={"rows": len(items), "created": created_total, "unchanged": present_total, "errors": 0},
    )
    report.records += created_total
    report.by_kind[kind] += created_total
    return ids


def _written(result: Any, name: str) -> tuple[int, int]:
    """(created, already present) from ``ChunkImporter.write``; a generated row that conflicts with a
    record of the agency is the generator's mistake, and says so."""
    if isinstance(result, tuple):  # the (created, present) of earlier versions of the importer
        return result
    if getattr(result, "conflicts", 0):
        shown = "; ".join(f"row {e.row} {e.column}: {e.reason}" for e in result.errors[:5])
        raise ValidationError(f"{name}: generated rows conflict with records already there: {shown}")
    return result.created, result.present


def _publish(
    ctx: SeedContext, batch: ImportBatch, reviewer, record_ids: list[int], report: BulkReport
) -> list[tuple[int, str]]:
    """The reviewer publishes the records just imported (those still awaiting review); the ones
    whose publicity has already ended are then marked expired. Returns (id, document number)."""
    if not record_ids:
        return []
    now = timezone.now()
    table = CreditRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, published_by_id = %s, published_at = %s, updated_at = %s "  # noqa: S608
            "WHERE id = ANY(%s) AND status = %s "
            "RETURNING id, record_key, document_number, party_uscc, publicity_end",
            [RecordStatus.PUBLISHED, reviewer.pk, now, now, record_ids, RecordStatus.SUBMITTED],
        )
        published = sorted(cursor.fetchall())
    if not published:
        return []
    _events(published, action="publish", actor=reviewer, at=now)
    audit_write(
        actor=reviewer,
        action="record.publish.bulk",
        target=batch,
        after={
            "file": batch.original_name,
            "columns": ["record_id", "document_number", "party_uscc", "publicity_end"],
            "records": [[pk, number, party, end] for pk, _key, number, party, end in published],
        },
    )
    report.published += len(published)
    due = [row for row in published if row[4] is not None and row[4] <= ctx.today]
    if due:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = %s, updated_at = %s WHERE id = ANY(%s) AND status = %s",  # noqa: S608
                [RecordStatus.EXPIRED, now, [row[0] for row in due], RecordStatus.PUBLISHED],
            )
        _events(due, action="expire", actor=ctx.admin, at=now, label="system")
        audit_write(
            actor=ctx.admin,
            action="record.expire.bulk",
            target=batch,
            after={
                "columns": ["record_id", "publicity_end"],
                "records": [[pk, end] for pk, _key, _number, _party, end in due],
                "status": RecordStatus.EXPIRED.value,
            },
        )
        report.expired += len(due)
    return [(pk, number) for pk, _key, number, _party, _end in published]


def _events(rows: list[tuple], *, action: str, actor, at: dt.datetime, label: str | None = None) -> None:
    """Each record's history event, by COPY (as the import writes its "create" events)."""
    label = copy_text(label or actor.get_username())
    stamp = at.isoformat()
    lines = []
    for pk, key, _number, _party, end in rows:
        changes = f'{{"publicity_end": "{end.isoformat()}"}}' if action == "expire" else "{}"
        lines.append(f"{pk}\t{key}\t{action}\t{actor.pk}\t{label}\t{stamp}\t\t{changes}\n")
    columns = "record_id, record_key, action, actor_id, actor_label, at, comment, changes"
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {RecordEvent._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        copy.write("".join(lines))
