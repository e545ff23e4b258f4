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
- every enterprise touched has its cache generation bumped, and each chunk's enterprises are rated
  by ``ratings_recompute_bulk`` (restricted to the chunk's ids).

Synthetic enterprises are taken in chunks of ids, one transaction each; each chunk ends with an
audit entry ``demo.credit_seed.synthetic`` naming the last enterprise it covered, so a run that stops
resumes after it and running it again creates nothing twice. Memory stays flat: one chunk is in
memory at a time. The demo set's other enterprises (those that show no named situation) get their
plans the same way, in one transaction that ends with ``demo.credit_seed.demo_set``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, reset_queries, transaction

from registry.audit import audit_write
from registry.cache import enterprise_changed
from registry.models import AuditEntry, Enterprise
from registry.seeding import demo_lock, synthetic_enterprises
from sanctions.models import CreditRecord, EnterpriseRating, Listing, RecordEvent
from sanctions.records.services import records_expire

from .context import SeedContext
from .decisions import Facts
from .lifecycle import record_aftermath
from .lists_bulk import commitments_bulk, listings_bulk
from .plans import EnterprisePlan, RecordPlan, plan_enterprise
from .records_bulk import BulkReport, records_import

CHUNK_ENTERPRISES = 50_000  # enterprises per transaction
WATERMARK_ACTION = "demo.credit_seed.synthetic"
DEMO_SET_ACTION = "demo.credit_seed.demo_set"


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
    on_chunk: Callable[[ChunkDone], Any] | None = None,
) -> BulkReport:
    """Credit data for every synthetic enterprise not covered yet (see the module's docstring).

    ``progress(n)`` after each chunk with its number of enterprises; ``on_chunk(ChunkDone)`` with
    the chunk's ids, time and the totals so far (for a progress line with an ETA)."""
    ctx = SeedContext.load(actor=actor, today=today)
    report = BulkReport()
    with demo_lock():
        _synthetic(ctx, report, chunk=chunk, progress=progress, on_chunk=on_chunk)
    return report


@dataclass(frozen=True)
class ChunkDone:
    """One committed chunk of ``credit_seed_synthetic``: its enterprise ids and the totals so far."""

    first_id: int
    last_id: int
    enterprises: int
    seconds: float
    report: BulkReport


def remaining_synthetic(after_id: int | None = None) -> int:
    """Synthetic enterprises the synthetic credit seed has not covered yet (one index range count)."""
    return synthetic_enterprises().filter(pk__gt=watermark() if after_id is None else after_id).count()


def _stale_statistics(table_rows: dict[str, int], written: dict[str, int]) -> list[str]:
    """The tables that grew by a fifth since their statistics were taken (ANALYZE reads a sample of
    the same size whatever the table's size, but is not free: taken as the tables grow geometrically,
    a run of N chunks analyses each table O(log N) times, not N)."""
    return [table for table, rows in written.items() if rows and rows >= table_rows.get(table, 0) / 5]


def _synthetic(ctx: SeedContext, report: BulkReport, *, chunk: int, progress, on_chunk=None) -> None:
    from sanctions.lists.ratings_bulk import ratings_recompute_bulk

    last = watermark()
    enterprises = synthetic_enterprises().order_by("pk").values_list(*_FACT_FIELDS)
    tables = [Enterprise, CreditRecord, Listing, EnterpriseRating, RecordEvent]
    analysed: dict[str, int] = {}  # rows each table had when last analysed (this run)
    written: dict[str, int] = {m._meta.db_table: 0 for m in tables}
    written[Enterprise._meta.db_table] = 1  # analysed once, at the first chunk: it does not grow here
    while True:
        started = time.perf_counter()
        # One chunk in memory at a time: its facts, plans and rows, dropped before the next.
        rows = list(enterprises.filter(pk__gt=last)[:chunk])
        if not rows:
            break
        first_id, last_id = rows[0][0], rows[-1][0]
        before = (report.records, report.listings)
        with transaction.atomic():
            chunk_seed(ctx, _facts(rows), report, label=f"{first_id}-{last_id}")
            written[CreditRecord._meta.db_table] += report.records - before[0]
            written[Listing._meta.db_table] += report.listings - before[1]
            written[RecordEvent._meta.db_table] += 3 * (report.records - before[0])
            written[EnterpriseRating._meta.db_table] += len(rows)
            stale = _stale_statistics(analysed, written)
            if stale:
                # Fresh statistics for what was just written (visible to this transaction), or the
                # planner takes the tables for as small as they were and the ratings' queries crawl.
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {', '.join(stale)}")
                    for table in stale:
                        cursor.execute(
                            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table]
                        )
                        analysed[table] = max(cursor.fetchone()[0], 1)
                        written[table] = 0
            # The chunk's ratings (base grade in SQL for the clean, the engine for the others).
            report.ratings += ratings_recompute_bulk(
                today=ctx.today, between=(first_id, last_id), analyze=False
            ).base_rows
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
        count = len(rows)
        report.enterprises += count
        report.chunks += 1
        del rows
        reset_queries()  # under DEBUG, Django keeps the last 9,000 queries' text: not ours to keep
        if progress:
            progress(count)
        if on_chunk:
            on_chunk(ChunkDone(first_id, last_id, report.enterprises, time.perf_counter() - started, report))
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
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CreditRecord._meta.db_table}, {Listing._meta.db_table}")
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
        ids.update(records_import(ctx, code, kind, items, label, report))
    report.rare_steps += _rare_steps(ctx, plans, ids)
    listings = [(plan, item) for plan in plans for item in plan.listings if item.agency in ctx.staff]
    report.listings += listings_bulk(ctx, listings, ids)
    commitments = [(plan, item) for plan in plans for item in plan.commitments if item.agency in ctx.staff]
    report.commitments += commitments_bulk(ctx, commitments)
    # A broken commitment's record, published through the services, may be past its publicity: what
    # the daily job does, done now (the bulk path marks its own records as it publishes them).
    while expired := records_expire(today=ctx.today):
        report.expired_by_job += expired
    touched = [plan.facts.pk for plan in plans]
    report.touched += len(touched)
    enterprise_changed(touched)
    return touched


# --- Records ------------------------------------------------------------------------------------


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


# --- Commitments ----------------------------------------------------------------------------------
