"""Credit data for synthetic enterprises in bulk (``seed_demo --enterprises N``, up to millions).

The same plans as the small demo (``plans.plan_enterprise``), written by the bulk paths instead of
one service call per step:

- records go through the record import's engine (``ChunkImporter``): every row is cleaned by
  ``clean_record`` with the desk's rules, publicity comes from the rule catalogue in force on its
  decision date, and records and their history are written by COPY with one audit entry per chunk;
  each batch of records is an import of its agency (``ImportBatch``) entered by its clerk;
- the agency's reviewer, who is not the clerk (four eyes), publishes them in one statement per chunk,
  with each record's "publish" event and one audit entry naming every record; records whose
  publicity has already ended are then marked as the daily expiry job would have, with their
  "expire" events and an audit entry;
- listings and commitments are checked as their services check them (``listing_clean``, the
  commitment rules) and written with ``bulk_create``, one audit entry per agency and chunk, and the
  subscribers are notified;
- the rare steps (a correction, a revocation, an objection, a repair application, a broken
  commitment) go through the services themselves, as in the small demo;
- every enterprise touched has its cache generation bumped, and the ratings are recomputed at the end
  by ``ratings_recompute_bulk``.

Synthetic enterprises are taken in chunks of ids, one transaction each; each chunk ends with an
audit entry ``demo.credit_seed.synthetic`` naming the last enterprise it covered, so a run that stops
resumes after it and running it again creates nothing twice. Memory stays flat: one chunk is in
memory at a time. The demo set's other enterprises (those that show no named situation) get their
plans the same way, in one transaction that ends with ``demo.credit_seed.demo_set``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from registry.audit import audit_write, copy_text
from registry.cache import enterprise_changed
from registry.models import AuditEntry, Enterprise
from registry.seeding import synthetic_enterprises
from sanctions.choices import (
    CommitmentStatus,
    ImportStatus,
    ListingStatus,
    NotificationEvent,
    RecordKind,
    RecordStatus,
    RemovalReason,
)
from sanctions.lists.notifications import notifications_create
from sanctions.lists.validation import listing_clean
from sanctions.models import Commitment, CreditRecord, ImportBatch, Listing, ListKind, RecordEvent
from sanctions.permissions import ensure_can_edit, ensure_can_review
from sanctions.records.importing.chunks import ChunkImporter
from sanctions.records.importing.files import Columns, national_label
from sanctions.records.publicity import add_months

from .context import SeedContext
from .lifecycle import commitment_new, record_aftermath
from .plans import CommitmentPlan, EnterprisePlan, Facts, ListingPlan, RecordPlan, plan_enterprise

CHUNK_ENTERPRISES = 50_000  # enterprises per transaction
WATERMARK_ACTION = "demo.credit_seed.synthetic"
DEMO_SET_ACTION = "demo.credit_seed.demo_set"

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


def watermark() -> int:
    """The last enterprise id the synthetic credit seed has covered (0: none yet)."""
    entry = (
        AuditEntry.objects.filter(action=WATERMARK_ACTION)
        .order_by("-id")
        .values_list("after", flat=True)
        .first()
    )
    return int(entry["last_id"]) if entry else 0


def _facts(rows: Iterable[tuple]) -> list[Facts]:
    return [Facts(*row) for row in rows]


_FACT_FIELDS = (
    "pk",
    "uscc",
    "name",
    "industry",
    "division_code",
    "status",
    "legal_representative",
    "established_on",
)


def credit_seed_synthetic(
    *,
    actor=None,
    chunk: int = CHUNK_ENTERPRISES,
    progress: Callable[[int], Any] | None = None,
    today: dt.date | None = None,
) -> BulkReport:
    """Credit data for every synthetic enterprise not covered yet (see the module's docstring)."""
    from sanctions.lists.ratings_bulk import ratings_recompute_bulk

    ctx = SeedContext.load(actor=actor, today=today)
    report = BulkReport()
    last = watermark()
    enterprises = synthetic_enterprises().order_by("pk").values_list(*_FACT_FIELDS)
    while True:
        rows = list(enterprises.filter(pk__gt=last)[:chunk])
        if not rows:
            break
        first_id, last_id = rows[0][0], rows[-1][0]
        with transaction.atomic():
            chunk_seed(ctx, _facts(rows), report, label=f"{first_id}-{last_id}")
            audit_write(
                actor=ctx.admin,
                action=WATERMARK_ACTION,
                target=(
                    "registry.enterprise",
                    "seed",
                    f"credit data of synthetic enterprises {first_id}–{last_id}",
                ),
                after={"first_id": first_id, "last_id": last_id, "enterprises": len(rows)},
            )
        last = last_id
        report.enterprises += len(rows)
        report.chunks += 1
        if progress:
            progress(len(rows))
    if report.chunks:
        report.ratings = ratings_recompute_bulk(today=ctx.today).base_rows
    return report


@transaction.atomic
def demo_set_seed(ctx: SeedContext, enterprises: Iterable[Enterprise]) -> BulkReport | None:
    """The plans of these demo-set enterprises, by the bulk paths, once (None: done before)."""
    if AuditEntry.objects.filter(action=DEMO_SET_ACTION).exists():
        return None
    facts = [Facts(*(getattr(e, name) for name in _FACT_FIELDS)) for e in enterprises]
    report = BulkReport(enterprises=len(facts))
    if facts:
        report.touched_ids = chunk_seed(ctx, facts, report, label="demo")
    audit_write(
        actor=ctx.admin,
        action=DEMO_SET_ACTION,
        target=("registry.enterprise", "seed", "credit data of the demo set"),
        after={"enterprises": len(facts), "touched": report.touched, "records": report.records},
    )
    return report


def chunk_seed(ctx: SeedContext, facts: list[Facts], report: BulkReport, *, label: str) -> list[int]:
    """The plans of these enterprises, written by the bulk paths; returns the enterprises touched."""
    plans = [p for p in (plan_enterprise(f, ctx.agencies, ctx.today) for f in facts) if not p.is_empty]
    groups: dict[tuple[str, str], list[tuple[EnterprisePlan, RecordPlan]]] = defaultdict(list)
    for plan in plans:
        for record in plan.records:
            if record.agency in ctx.staff:
                groups[(record.agency, record.kind)].append((plan, record))
    ids: dict[tuple[int, int], int] = {}  # (enterprise id, record number) -> record id
    for (code, kind), items in sorted(groups.items()):
        ids.update(_records(ctx, code, kind, items, label, report))
    report.rare_steps += _rare_steps(ctx, plans, ids)
    listings = [(plan, item) for plan in plans for item in plan.listings if item.agency in ctx.staff]
    report.listings += _listings(ctx, listings, ids)
    commitments = [(plan, item) for plan in plans for item in plan.commitments if item.agency in ctx.staff]
    report.commitments += _commitments(ctx, commitments)
    touched = [plan.facts.pk for plan in plans]
    report.touched += len(touched)
    enterprise_changed(touched)
    return touched


# --- Records ------------------------------------------------------------------------------------


def _records(
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


def _rare_steps(ctx: SeedContext, plans: list[EnterprisePlan], ids: dict[tuple[int, int], int]) -> int:
    """Corrections, revocations, objections and repair applications: through the services."""
    steps = 0
    for plan in plans:
        for item in plan.records:
            if not (item.then or item.objection or item.repair):
                continue
            record_id = ids.get((plan.facts.pk, item.n))
            if record_id is None:
                continue
            record = CreditRecord.objects.select_related("agency").get(pk=record_id)
            enterprise = Enterprise.objects.get(pk=plan.facts.pk)
            record_aftermath(ctx, enterprise=enterprise, record=record, plan=item)
            steps += 1
    return steps


# --- Listings -----------------------------------------------------------------------------------


def _listings(
    ctx: SeedContext, items: list[tuple[EnterprisePlan, ListingPlan]], ids: dict[tuple[int, int], int]
) -> int:
    """Listings decided by a clerk and published by another reviewer, some removed since; checked
    by ``listing_clean`` as the service checks them, written in bulk, one audit entry per agency."""
    if not items:
        return 0
    kinds = {kind.pk: kind for kind in ListKind.objects.all()}
    now, today = timezone.now(), ctx.today
    by_agency: dict[str, list[tuple[EnterprisePlan, ListingPlan]]] = defaultdict(list)
    for plan, item in items:
        by_agency[item.agency].append((plan, item))
    total = 0
    for code, group in sorted(by_agency.items()):
        agency = ctx.agency(code)
        clerk, reviewer = ctx.staff[code]
        ensure_can_edit(clerk, agency)
        ensure_can_review(reviewer, agency)
        listings, cites = [], []
        for plan, item in group:
            kind = kinds.get(item.list_kind)
            if kind is None or not kind.active:
                continue
            cleaned = listing_clean(list_kind=kind, data=item.data)
            if cleaned["end_date"] and cleaned["end_date"] <= today:
                continue  # its term has ended: it could not be published today
            listing = Listing(
                agency=agency,
                enterprise_id=plan.facts.pk,
                list_kind=kind,
                created_by=clerk,
                status=ListingStatus.ACTIVE,
                published_by=reviewer,
                published_at=now,
                **cleaned,
            )
            if item.remove and _removable(kind, listing, item.remove, today):
                listing.status = ListingStatus.REMOVED
                listing.removed_at = now
                listing.removal_reason = item.remove
                listing.removal_note = item.note
            listings.append(listing)
            cites.append([ids[(plan.facts.pk, n)] for n in item.cites if (plan.facts.pk, n) in ids])
        if not listings:
            continue
        Listing.objects.bulk_create(listings)
        through = Listing.records.through
        through.objects.bulk_create(
            [
                through(listing_id=listing.pk, creditrecord_id=rid)
                for listing, rids in zip(listings, cites, strict=True)
                for rid in rids
            ]
        )
        audit_write(
            actor=reviewer,
            action="listing.publish.bulk",
            target=("sanctions.listing", "bulk", f"{len(listings)} listings of {agency.name}"),
            after={
                "author": clerk.get_username(),
                "columns": [
                    "listing_id",
                    "list_kind",
                    "enterprise_id",
                    "document_number",
                    "start_date",
                    "end_date",
                    "status",
                ],
                "listings": [
                    [
                        x.pk,
                        x.list_kind_id,
                        x.enterprise_id,
                        x.document_number,
                        x.start_date,
                        x.end_date,
                        x.status,
                    ]
                    for x in listings
                ],
            },
        )
        notifications_create(listings=listings, event=NotificationEvent.ENTERED)
        notifications_create(
            listings=[x for x in listings if x.status == ListingStatus.REMOVED and x.start_date <= today],
            event=NotificationEvent.LEFT,
        )
        total += len(listings)
    return total


def _removable(kind: ListKind, listing: Listing, reason: str, today: dt.date) -> bool:
    """``listing_remove``'s rule: after repair only once the list allows an early removal."""
    if reason == RemovalReason.REVOKED:
        return True
    months = kind.early_removal_after_months
    return months is not None and add_months(listing.start_date, months) <= today


# --- Commitments ----------------------------------------------------------------------------------


def _commitments(ctx: SeedContext, items: list[tuple[EnterprisePlan, CommitmentPlan]]) -> int:
    """Commitments recorded by the clerk, kept ones confirmed by the reviewer: in bulk, one audit
    entry per agency; broken ones through the services (each creates its dishonesty record)."""
    if not items:
        return 0
    now, total = timezone.now(), 0
    by_agency: dict[str, list[tuple[EnterprisePlan, CommitmentPlan]]] = defaultdict(list)
    for plan, item in items:
        if item.outcome == CommitmentStatus.BREACHED:
            enterprise = Enterprise.objects.get(pk=plan.facts.pk)
            commitment_new(ctx, enterprise=enterprise, plan=item)
            total += 1
        else:
            by_agency[item.agency].append((plan, item))
    for code, group in sorted(by_agency.items()):
        agency = ctx.agency(code)
        clerk, reviewer = ctx.staff[code]
        ensure_can_edit(clerk, agency)
        commitments = []
        for plan, item in group:
            # commitment_record's rules
            if not item.content.strip() or not item.legal_basis.strip() or item.signed_on > ctx.today:
                raise ValidationError(
                    f"A generated commitment of {plan.facts.uscc} breaks the commitment rules."
                )
            if item.due_date and item.due_date < item.signed_on:
                raise ValidationError(
                    f"A generated commitment of {plan.facts.uscc} is due before it was signed."
                )
            fulfilled = item.outcome == CommitmentStatus.FULFILLED
            commitments.append(
                Commitment(
                    enterprise_id=plan.facts.pk,
                    agency=agency,
                    kind=item.kind,
                    content=item.content,
                    legal_basis=item.legal_basis,
                    signed_on=item.signed_on,
                    due_date=item.due_date,
                    status=item.outcome,
                    recorded_by=clerk,
                    decided_by=reviewer if fulfilled else None,
                    decided_at=now if fulfilled else None,
                    decision_note=item.note if fulfilled else "",
                )
            )
        Commitment.objects.bulk_create(commitments)
        audit_write(
            actor=clerk,
            action="commitment.record.bulk",
            target=("sanctions.commitment", "bulk", f"{len(commitments)} commitments to {agency.name}"),
            after={
                "fulfilled_confirmed_by": reviewer.get_username(),
                "columns": ["commitment_id", "enterprise_id", "kind", "signed_on", "due_date", "status"],
                "commitments": [
                    [c.pk, c.enterprise_id, c.kind, c.signed_on, c.due_date, c.status] for c in commitments
                ],
            },
        )
        total += len(commitments)
    return total
