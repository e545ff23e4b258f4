"""Synthetic enterprises in bulk: streamed with PostgreSQL COPY, not row by row through the services.

``enterprises_seed_synthetic`` copies generated rows (``synthetic``) with their registration details
(``details``) and records the batch as one audit entry; ``enterprises_seed_synthetic_up_to`` makes
the synthetic enterprises a given number, committing part by part above ``SYNTHETIC_PART_ROWS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import services
from ..audit import audit_write
from ..choices import DataSource
from ..models import Branch, Division, Enterprise, EnterpriseChange, KeyPerson, Shareholder
from ..permissions import ensure_registry_admin
from .details import registration_details_seed
from .guards import _ensure_demo_allowed
from .name_indexes import drop_gin_indexes, name_indexes_restore
from .names import Place, places_from_divisions
from .synthetic import COLUMNS, ORG_PREFIX, seed_index, synthetic_chunks

_SYNTHETIC_LOCK = 0x53454544  # "SEED": one synthetic batch at a time, so indexes never overlap


def seed_places() -> list[Place]:
    """The current county-level divisions that synthetic enterprises are registered in."""
    return places_from_divisions(
        Division.objects.values_list("code", "name", "level", "valid_until", "full_name")
    )


def _next_seed_index(cursor) -> int:
    # The highest index in use, not the number of rows: deleted rows must not make indexes repeat.
    cursor.execute(
        'SELECT max(substr(uscc, 11, 6) COLLATE "C") FROM registry_enterprise '
        "WHERE source = %s AND substr(uscc, 9, 2) = %s",
        [DataSource.SEED, ORG_PREFIX],
    )
    highest = cursor.fetchone()[0]
    return 0 if highest is None else seed_index("0" * 10 + highest) + 1


# Above this many rows, the name indexes (GIN) are dropped and built again after the COPY: a GIN
# index built in bulk costs a fraction of a million one-by-one insertions into a growing index.
BULK_REBUILD_THRESHOLD = 50_000


@transaction.atomic
def enterprises_seed_synthetic(
    *,
    count: int,
    actor=None,
    progress: Callable[[int], Any] | None = None,
    rebuild_indexes: bool = True,
) -> int:
    """Add ``count`` synthetic enterprises with valid, never-repeating codes; returns how many.

    ``rebuild_indexes=False`` (a part of a larger seed, ``enterprises_seed_synthetic_up_to``): the
    name indexes dropped for the COPY stay dropped; the caller builds them after its last part.
    """
    actor = actor or services.system_actor()
    ensure_registry_admin(actor)
    _ensure_demo_allowed()
    if count < 0:
        raise ValidationError({"count": [_("The number of enterprises cannot be negative.")]})
    if count == 0:
        return 0
    places = seed_places()
    if not places:
        raise ValidationError(_("The division table is empty: load the reference data first."))
    timestamp = timezone.now().isoformat()
    first = last = ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SYNTHETIC_LOCK])
        start = _next_seed_index(cursor)
        cursor.execute("SELECT coalesce(max(id), 0) FROM registry_enterprise")
        before_id = cursor.fetchone()[0]
        rebuilt = drop_gin_indexes(cursor) if count >= BULK_REBUILD_THRESHOLD else []
        sql = f"COPY registry_enterprise ({', '.join(COLUMNS)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for chunk in synthetic_chunks(start=start, count=count, places=places, timestamp=timestamp):
                copy.write(chunk.text)
                first = first or chunk.first_uscc
                last = chunk.last_uscc
                if progress:
                    progress(chunk.rows)
        # Statistics of the rows just copied (visible to this transaction): without them the planner
        # takes the table for as small as before and joins the branches to their companies by a
        # nested loop, quadratic in the rows (a 200,000-row part ran for over 20 minutes).
        # Only the columns the details' statements select and join on: the table's size comes with any
        # ANALYZE, and the name and search columns cost most of a whole one (10 s at 300,000 rows).
        cursor.execute(f"ANALYZE {Enterprise._meta.db_table} (id, source, entity_type, name)")
        # Their shareholders, key personnel, branches and changes, set-based (``details``).
        registration_details_seed(
            cursor,
            targets="SELECT id FROM registry_enterprise WHERE id > %(low)s AND source = 'seed'",
            params={"low": before_id},
        )
        # And of the details just made: a server without autovacuum (this machine's) would otherwise
        # plan the credit page's lookups of them blind, such as walking every branch in id order to
        # find the five that name an enterprise (150 ms a page at 10 M enterprises instead of 2).
        details = (Shareholder, KeyPerson, Branch, EnterpriseChange)
        cursor.execute(f"ANALYZE {', '.join(model._meta.db_table for model in details)}")
        if rebuilt and rebuild_indexes:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in rebuilt:
                cursor.execute(definition)
    audit_write(
        actor=actor,
        action="enterprise.seed_synthetic",
        target=("registry.enterprise", "seed", f"{count} synthetic enterprises"),
        after={"count": count, "first_uscc": first, "last_uscc": last},
    )
    return count


def synthetic_enterprises():
    """The synthetic enterprises (``enterprises_seed_synthetic``'s, told by their ``MB`` organisation
    codes from the demo set's, which are seeded too)."""
    return Enterprise.objects.filter(source=DataSource.SEED, uscc__regex=f"^.{{8}}{ORG_PREFIX}")


# A seed of more than this many enterprises commits in parts of this size (each its own
# transaction and audit entry), so that a run stopped midway keeps what it made and the next run
# adds only the rest; the name indexes are dropped by the first part and built after the last.
SYNTHETIC_PART_ROWS = 1_000_000


def enterprises_seed_synthetic_up_to(
    *,
    total: int,
    actor=None,
    progress: Callable[[int], Any] | None = None,
    part_rows: int | None = None,
    on_part: Callable[[int, int], Any] | None = None,
) -> int:
    """Make the synthetic enterprises ``total`` in number, adding only the missing ones; returns how many
    were added (0 when there are that many already: running it again adds nothing).

    Streams: the rows are generated and sent by COPY chunk by chunk, never held as a whole; above
    ``SYNTHETIC_PART_ROWS`` they are committed part by part. ``on_part(added, missing)`` is called
    after each committed part."""
    if total < 0:
        raise ValidationError({"count": [_("The number of enterprises cannot be negative.")]})
    part_rows = part_rows or SYNTHETIC_PART_ROWS
    # The name indexes of a run that stopped before its last part.
    name_indexes_restore()
    missing = total - synthetic_enterprises().count()
    if missing <= 0:
        return 0
    if missing <= part_rows:
        return enterprises_seed_synthetic(count=missing, actor=actor, progress=progress)
    added = 0
    try:
        while added < missing:
            part = min(part_rows, missing - added)
            added += enterprises_seed_synthetic(
                count=part, actor=actor, progress=progress, rebuild_indexes=False
            )
            if on_part:
                on_part(added, missing)
    finally:
        # After the last part, or after a failed one: the committed parts are searchable.
        name_indexes_restore()
    return added
