"""Every enterprise's ratings at once (``ratings_recompute --all``, or after a change of the rules).

Works in chunks of enterprise ids, one transaction each: enterprises with no public record and no
listing in force get the model's base grade in one INSERT … SELECT per chunk; the others are
evaluated in Python (``ratings.evaluate_many``), three queries per batch.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone

from registry.batches import run_in_batches
from registry.cache import enterprise_changed
from registry.models import Enterprise
from sanctions.lists.ratings import Engine, Outcome, evaluate_many, lock_enterprises, rating_models_in_force
from sanctions.lists.selectors import active_listings
from sanctions.models import EnterpriseRating, RatingModel
from sanctions.records.selectors import public_records

CHUNK = 20_000  # enterprise ids per bulk transaction
EVALUATE_CHUNK = 500  # enterprises evaluated in Python per transaction


@dataclass
class BulkResult:
    enterprises: int = 0
    base_rows: int = 0
    evaluated: int = 0
    evaluated_rows: int = 0
    chunks: int = 0


def _base_insert(
    *, engine: Engine, outcome: Outcome, low: int, high: int, today: dt.date, only_missing: bool
) -> int:
    """Give the base grade, in SQL, to the enterprises of ids [low, high) with nothing public."""
    candidates = (
        Enterprise.objects.filter(pk__gte=low, pk__lt=high)
        .filter(~Exists(public_records(today=today).filter(enterprise_id=OuterRef("pk"))))
        .filter(~Exists(active_listings(today=today).filter(enterprise_id=OuterRef("pk"))))
    )
    current = EnterpriseRating.objects.filter(
        enterprise_id=OuterRef("pk"), model=engine.model, is_current=True
    )
    if only_missing:
        candidates = candidates.filter(~Exists(current))
    else:
        candidates = candidates.filter(~Exists(current.filter(fingerprint=outcome.fingerprint)))
    select_sql, params = candidates.values("pk").query.sql_with_params()
    table = EnterpriseRating._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS rating_base_ids (id bigint) ON COMMIT DROP")
        cursor.execute("TRUNCATE rating_base_ids")
        cursor.execute(f"INSERT INTO rating_base_ids (id) {select_sql}", params)  # noqa: S608 - ORM-built SQL
        if cursor.rowcount == 0:
            return 0
        cursor.execute("ANALYZE rating_base_ids")  # temporary tables get no statistics otherwise
        cursor.execute(
            f"UPDATE {table} SET is_current = false WHERE model_id = %s AND is_current "  # noqa: S608
            "AND enterprise_id IN (SELECT id FROM rating_base_ids)",
            [engine.model.pk],
        )
        cursor.execute(
            f"INSERT INTO {table} (enterprise_id, model_id, grade, points, explanation, fingerprint, is_current, "  # noqa: S608
            "computed_at) SELECT id, %s, %s, %s, %s::jsonb, %s, true, %s FROM rating_base_ids "
            "ON CONFLICT (enterprise_id, model_id) WHERE is_current DO NOTHING RETURNING enterprise_id",
            [
                engine.model.pk,
                outcome.grade,
                outcome.points,
                json.dumps(outcome.explanation),
                outcome.fingerprint,
                timezone.now(),
            ],
        )
        changed = [row[0] for row in cursor.fetchall()]
    # The grade is on the credit page and in its cache, as for the ratings the engine stores.
    enterprise_changed(changed)
    return len(changed)


def _with_inputs(low: int, high: int, today: dt.date) -> list[int]:
    ids = set(
        public_records(today=today)
        .filter(enterprise_id__gte=low, enterprise_id__lt=high)
        .values_list("enterprise_id", flat=True)
        .distinct()
    )
    ids |= set(
        active_listings(today=today)
        .filter(enterprise_id__gte=low, enterprise_id__lt=high)
        .values_list("enterprise_id", flat=True)
        .distinct()
    )
    return sorted(ids)


def ratings_recompute_bulk(
    *,
    today: dt.date | None = None,
    only_missing: bool = False,
    chunk: int = CHUNK,
    models: Sequence[RatingModel] | None = None,
    progress=None,
    between: tuple[int, int] | None = None,
    analyze: bool = True,
) -> BulkResult:
    """Recompute every enterprise's ratings, chunk by chunk of ids (one transaction per chunk).

    ``only_missing``: only enterprises that have no current rating yet under a model.
    ``between``: only enterprises whose ids lie between these two, both included.
    ``analyze=False``: the caller keeps the statistics fresh (the synthetic seed, chunk after chunk).
    ``progress``: called with a ``registry.batches.BatchProgress`` after each chunk (its ``rows`` are
    enterprise ids covered). A chunk that fails rolls back alone and raises
    ``registry.batches.BatchFailed`` naming it; the chunks before it stay committed.
    """
    today = today or timezone.localdate()
    engines = [
        Engine.load(m) for m in (models if models is not None else rating_models_in_force(today=today))
    ]
    result = BulkResult()
    if not engines:
        return result
    enterprises = (
        Enterprise.objects.all() if between is None else Enterprise.objects.filter(pk__range=between)
    )
    bounds = enterprises.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return result
    base = {engine.model.pk: engine.base_outcome() for engine in engines}
    if analyze:
        with connection.cursor() as cursor:
            # Fresh statistics, or the planner may take a table that just grew by a million rows for empty.
            cursor.execute(f"ANALYZE {Enterprise._meta.db_table}, {EnterpriseRating._meta.db_table}")
    first, last = bounds["low"], bounds["high"]

    def step(low: int | None) -> tuple[int, int] | None:
        low = first if low is None else low
        if low > last:
            return None
        high = min(low + chunk, last + 1)
        _chunk(result, engines, base, low=low, high=high, today=today, only_missing=only_missing)
        result.chunks += 1
        result.enterprises = high - first
        return high - low, high

    run_in_batches(step, total=last - first + 1, progress=progress)
    return result


@transaction.atomic
def _chunk(
    result: BulkResult,
    engines: list[Engine],
    base: dict[str, Outcome],
    *,
    low: int,
    high: int,
    today: dt.date,
    only_missing: bool,
) -> None:
    """The enterprises of ids [low, high): one transaction."""
    added_base = added_evaluated = evaluated = 0
    for engine in engines:
        added_base += _base_insert(
            engine=engine,
            outcome=base[engine.model.pk],
            low=low,
            high=high,
            today=today,
            only_missing=only_missing,
        )
    ids = _with_inputs(low, high, today)
    if only_missing and ids:
        rated: dict[int, int] = defaultdict(int)
        for enterprise_id in EnterpriseRating.objects.filter(
            enterprise_id__in=ids, is_current=True, model__in=[e.model for e in engines]
        ).values_list("enterprise_id", flat=True):
            rated[enterprise_id] += 1
        ids = [i for i in ids if rated[i] < len(engines)]
    for start in range(0, len(ids), EVALUATE_CHUNK):
        batch = ids[start : start + EVALUATE_CHUNK]
        lock_enterprises(batch)
        added_evaluated += evaluate_many(batch, engines, today)
    evaluated += len(ids)
    # Counted once the chunk's work is done (a chunk that fails adds nothing).
    result.base_rows += added_base
    result.evaluated_rows += added_evaluated
    result.evaluated += evaluated
