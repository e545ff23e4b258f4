"""Storing public profiles (``registry.profiles``): invalidation, the epoch, the versioned write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connections, router, transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import PublicProfile, PublicProfileEpoch, PublicStanding

# Sent once the transaction that invalidated profiles commits, with ``enterprise_ids``: the portal
# queues their rendering again (``lookup.profiles``); this layer does not render pages.
profiles_invalidated = Signal()


def profiles_invalidate(enterprise_ids: Iterable[int]) -> None:
    """Empty these enterprises' profiles and raise their version, in the current transaction; their
    standings' facts too (``PublicStanding``).

    Called by ``registry.cache.enterprise_changed``, which every service that changes what is public
    calls: a profile can never be shown after the change commits, and a builder that read the data
    before the change cannot store what it rendered (``profile_store``). Ids with no enterprise
    (deleted meanwhile) are skipped.

    It runs whether or not ``PUBLIC_PROFILES`` is on (which only turns their reading and building
    off): a deployment that turns them off and on again never reads one that a change made meanwhile
    left behind."""
    ids = sorted({int(i) for i in enterprise_ids})
    if not ids:
        return
    alias = router.db_for_write(PublicProfile)
    table = PublicProfile._meta.db_table
    with connections[alias].cursor() as cursor:
        # In id order, so that two transactions invalidating overlapping sets take the rows' locks
        # in the same order (no deadlock between them).
        cursor.execute(
            f"""
            INSERT INTO {table} (enterprise_id, version)
            SELECT id, 1 FROM registry_enterprise WHERE id = ANY(%s) ORDER BY id
            ON CONFLICT (enterprise_id) DO UPDATE
               SET version = {table}.version + 1, built_version = NULL, body_zh = NULL, body_en = NULL
            """,  # noqa: S608 - the table name is the model's
            [ids],
        )
        # The facts of their standings (``PublicStanding``), the same way: none is read once the
        # change commits, and none built from data read before it is stored.
        standings = PublicStanding._meta.db_table
        cursor.execute(
            f"""
            INSERT INTO {standings} (enterprise_id, version)
            SELECT id, 1 FROM registry_enterprise WHERE id = ANY(%s) ORDER BY id
            ON CONFLICT (enterprise_id) DO UPDATE
               SET version = {standings}.version + 1, built_version = NULL
            """,  # noqa: S608 - the table name is the model's
            [ids],
        )
    _announce_on_commit(alias, ids)


def _announce_on_commit(alias: str, ids: list[int]) -> None:
    """``profiles_invalidated`` once per transaction, with every enterprise it invalidated.

    A bulk change calls ``profiles_invalidate`` many times (a seed chunk of 50,000 enterprises, an
    import's chunks): one signal for all of them lets the portal see the change's whole size (which
    it renders in the background, or not at all without a worker) instead of a run of small ones it
    would render one after the other. The ids gather in the hook this transaction registered; one
    rolled back with its savepoint is no longer registered, and the next call registers another."""
    connection = connections[alias]
    if not connection.in_atomic_block:
        profiles_invalidated.send(sender=PublicProfile, enterprise_ids=ids)
        return
    hook = getattr(connection, "_profiles_hook", None)
    if (
        hook is None
        or hook.spent
        or not any(func is hook for _sids, func, _robust in connection.run_on_commit)
    ):
        hook = _Announcement()
        connection._profiles_hook = hook
        transaction.on_commit(hook, using=alias)
    hook.gathered.update(ids)


class _Announcement:
    """The on-commit hook of one transaction: the enterprises it invalidated, announced once."""

    def __init__(self) -> None:
        self.gathered: set[int] = set()
        self.spent = False

    def __call__(self) -> None:
        self.spent = True  # a later transaction registers a hook of its own
        profiles_invalidated.send(sender=PublicProfile, enterprise_ids=sorted(self.gathered))


def _versions(model, enterprise_ids: Iterable[int]) -> dict[int, int]:
    ids = list(enterprise_ids)
    found = dict(
        model.objects.using(router.db_for_write(model))
        .filter(enterprise_id__in=ids)
        .values_list("enterprise_id", "version")
    )
    return {i: found.get(i, 0) for i in ids}


def profile_versions(enterprise_ids: Iterable[int]) -> dict[int, int]:
    """The current version of each enterprise's profile (0: none yet). Read *before* the page's data."""
    return _versions(PublicProfile, enterprise_ids)


def due(
    model, *, format: str, today: dt.date, after_id: int, limit: int, shard: tuple[int, int] = (0, 1)
) -> list[int]:
    """Enterprises, in id order after ``after_id``, whose row of ``model`` (a ``Precomputed`` table)
    is missing or not current on ``today`` under this deployment's ``format``; with ``shard`` (k, n)
    only those whose id is k modulo n, so that n processes share the work."""
    number, shards = shard
    table = model._meta.db_table
    epoch_table = PublicProfileEpoch._meta.db_table
    with connections[router.db_for_write(model)].cursor() as cursor:
        cursor.execute(
            f"""
            SELECT e.id FROM registry_enterprise e
              LEFT JOIN {table} p ON p.enterprise_id = e.id
             WHERE e.id > %s AND e.id %% %s = %s
               AND (p.enterprise_id IS NULL OR p.built_version IS DISTINCT FROM p.version
                    OR p.format <> %s OR p.valid_until < %s
                    OR p.epoch <> COALESCE((SELECT epoch FROM {epoch_table} WHERE id = 1), 1))
             ORDER BY e.id LIMIT %s
            """,  # noqa: S608 - the models' tables
            [after_id, shards, number, format, today, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def profile_store(
    *,
    enterprise_id: int,
    version: int,
    format: str,
    epoch: int,
    valid_until: dt.date,
    body_zh: bytes,
    body_en: bytes,
) -> bool:
    """Store the bodies rendered from data read at ``version``; False (nothing stored) if the
    enterprise changed since (its version moved on): the change's own refresh renders it again."""
    alias = router.db_for_write(PublicProfile)
    table = PublicProfile._meta.db_table
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table}
                (enterprise_id, version, built_version, format, epoch, built_at, valid_until, body_zh, body_en)
            SELECT id, %(version)s, %(version)s, %(format)s, %(epoch)s, %(now)s, %(valid_until)s,
                   %(body_zh)s, %(body_en)s
              FROM registry_enterprise WHERE id = %(id)s
            ON CONFLICT (enterprise_id) DO UPDATE
               SET built_version = EXCLUDED.built_version, format = EXCLUDED.format,
                   epoch = EXCLUDED.epoch, built_at = EXCLUDED.built_at,
                   valid_until = EXCLUDED.valid_until, body_zh = EXCLUDED.body_zh, body_en = EXCLUDED.body_en
             WHERE {table}.version = EXCLUDED.version
            """,  # noqa: S608 - the table name is the model's
            {
                "id": enterprise_id,
                "version": version,
                "format": format,
                "epoch": epoch,
                "now": timezone.now(),
                "valid_until": valid_until,
                "body_zh": body_zh,
                "body_en": body_en,
            },
        )
        return cursor.rowcount == 1


def standing_versions(enterprise_ids: Iterable[int]) -> dict[int, int]:
    """The current version of each enterprise's standing facts (0: none yet). Read *before* the facts."""
    return _versions(PublicStanding, enterprise_ids)


def standings_store(rows: list[tuple], *, format: str, epoch: int) -> int:
    """Store standing facts worked out from data read at each row's version, in one statement: rows of
    (enterprise id, version, valid until, listings or None, penalties, serious, exempt). A row whose
    enterprise changed since (its version moved on) is not stored; returns how many were."""
    if not rows:
        return 0
    alias = router.db_for_write(PublicStanding)
    table = PublicStanding._meta.db_table
    columns = list(zip(*rows, strict=True))
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table}
                (enterprise_id, version, built_version, format, epoch, valid_until,
                 listings, penalties, serious, exempt)
            SELECT r.id, r.version, r.version, %(format)s, %(epoch)s, r.valid_until,
                   r.listings, r.penalties, r.serious, r.exempt
              FROM unnest(%(ids)s::bigint[], %(versions)s::bigint[], %(until)s::date[],
                          %(listings)s::jsonb[], %(penalties)s::int[], %(serious)s::int[],
                          %(exempt)s::int[])
                   AS r(id, version, valid_until, listings, penalties, serious, exempt)
              JOIN registry_enterprise e ON e.id = r.id
             ORDER BY r.id
            ON CONFLICT (enterprise_id) DO UPDATE
               SET built_version = EXCLUDED.built_version, format = EXCLUDED.format,
                   epoch = EXCLUDED.epoch, valid_until = EXCLUDED.valid_until,
                   listings = EXCLUDED.listings, penalties = EXCLUDED.penalties,
                   serious = EXCLUDED.serious, exempt = EXCLUDED.exempt
             WHERE {table}.version = EXCLUDED.version
            """,  # noqa: S608 - the table name is the model's
            {
                "format": format,
                "epoch": epoch,
                "ids": list(columns[0]),
                "versions": list(columns[1]),
                "until": list(columns[2]),
                "listings": list(columns[3]),
                "penalties": list(columns[4]),
                "serious": list(columns[5]),
                "exempt": list(columns[6]),
            },
        )
        return cursor.rowcount


def profiles_epoch(*, using: str | None = None) -> int:
    """The reference data's epoch (a profile of another epoch is not shown)."""
    alias = using or router.db_for_write(PublicProfileEpoch)
    epoch = PublicProfileEpoch.objects.using(alias).filter(pk=1).values_list("epoch", flat=True).first()
    return epoch or 1


def profiles_epoch_bump() -> None:
    """Reference data a page shows changed (an agency's or a list's name…): no profile built before
    is shown any more. Called in the transaction that makes the change, whether or not
    ``PUBLIC_PROFILES`` is on (as ``profiles_invalidate``)."""
    alias = router.db_for_write(PublicProfileEpoch)
    with connections[alias].cursor() as cursor:
        table = PublicProfileEpoch._meta.db_table
        cursor.execute(
            f"INSERT INTO {table} (id, epoch) VALUES (1, 2) "  # noqa: S608 - the model's table
            f"ON CONFLICT (id) DO UPDATE SET epoch = {table}.epoch + 1"
        )
