"""The horizon of the change feed: the oldest transaction of this database still running (or the
next transaction id if none is), below which every transaction has finished. Reading and pruning
both stop there (see the package's docstring).
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS

# The feed is read on the primary: a replica's snapshot horizon is its own.
DATABASE = DEFAULT_DB_ALIAS

# The horizon, in two statements. The first notes the next transaction id to be assigned and the
# transactions then running in OTHER databases of the cluster (pg_stat_activity); the second, in its
# own snapshot, takes the oldest transaction still running that is not one of those, bounded by that
# next id. Transaction ids are cluster-wide, so without the first step a long transaction in another
# database (a bench, a backup) would hold this feed back. A running transaction whose database is not
# known (not shown in pg_stat_activity: another role without pg_read_all_stats, a prepared
# transaction) is counted as this database's: the horizon can only be lower, never wrong.
_OTHERS = """
SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
    coalesce(array_agg(backend_xid::text::bigint) FILTER (
        WHERE backend_xid IS NOT NULL
        AND datid IS DISTINCT FROM (SELECT oid FROM pg_database WHERE datname = current_database())
    ), '{}')
FROM pg_stat_activity
"""
# A snapshot never lists its own transaction among those running: a reader that has written in its
# own, still open transaction would otherwise take its own events, which may yet roll back, as
# settled once any later transaction of the cluster had finished. Its own id bounds the horizon too.
_HORIZON = """
least(%s::bigint, pg_current_xact_id_if_assigned()::text::bigint, (
    SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
    WHERE NOT x::text::bigint = ANY(%s::bigint[])
))
"""


def _others(db) -> tuple[int, list[int]]:
    db.execute(_OTHERS)
    next_id, others = db.fetchone()
    return next_id, list(others or [])
