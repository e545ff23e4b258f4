"""The change feed's outbox: every change of public data written as an event in the same
transaction as the change, and read back in an order that never skips one.

Writing. A service that changes what the public sees calls ``change_emit`` (or ``change_emit_many``
for a batch) inside its own ``transaction.atomic`` block. The event commits with the change or not
at all: no event for a change that rolled back, no change without its event. Each row carries the
writing transaction's id (``txid``, PostgreSQL's ``pg_current_xact_id()``, set by the database).

Reading without gaps. Event ids come from a sequence when the row is inserted, not when the
transaction commits: a writer that took id 10 may commit after another that took id 11. A reader
that pages by id alone would read 11, move its cursor past 10, and never see 10. So the feed is
read in (txid, id) order and only up to a horizon: the oldest transaction of this database still
running (``pg_snapshot_xip(pg_current_snapshot())``; with no other database on the server this is
``pg_snapshot_xmin``), or the next transaction id if none is. ``changes_after`` returns only events
whose ``txid`` is below it. Every transaction of this database below the horizon has finished
(committed or rolled back) and is visible to the reading statement's snapshot, and any transaction
that commits later has a ``txid`` at or above the horizon, hence above any cursor handed out: no
event can appear behind a cursor. An event whose transaction is still running, or that began after
an older one still running, waits until that older transaction ends. The cost is latency, not loss:
a long transaction of this database holds the feed back while it runs (any write transaction
counts, not only those that write events).

The cursor is opaque to readers: (txid, id) of the last event returned, base64url-encoded.

Retention. ``changes_prune`` deletes the oldest events, in (txid, id) order, while they are older
than ``CHANGE_FEED_RETENTION_DAYS``, and records how far it went (``ChangeFeedPrune``). A cursor
before that point may have missed deleted events: ``changes_after`` refuses it
(``CursorExpired``), and the reader starts again from the bulk open-data files.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone, translation

from .choices import ChangeKind, EnterpriseStatus, EntityType, Industry
from .models import ChangeEvent, ChangeFeedPrune, Enterprise, EnterpriseFormerName

# The kinds that take something out of public view: their payload is only the identifiers, so that
# a mirror can delete what it holds and nothing more is said.
REMOVAL_KINDS = frozenset(
    {
        ChangeKind.RECORD_WITHDRAWN,
        ChangeKind.RECORD_REVOKED,
        ChangeKind.RECORD_EXPIRED,
        ChangeKind.RECORD_REPAIRED,
        ChangeKind.LISTING_REMOVED,
        ChangeKind.BADGE_REVOKED,
    }
)
# The feed is read on the primary: a replica's snapshot horizon is its own.
DATABASE = DEFAULT_DB_ALIAS
_START = (0, 0)
logger = logging.getLogger(__name__)


class InvalidCursor(ValueError):
    """A cursor that this feed did not hand out."""


class CursorExpired(Exception):
    """Events after this cursor have been pruned: the reader must start again from the bulk files."""


# --- Writing ----------------------------------------------------------------------------------


def _event(
    *,
    kind: str,
    enterprise_uscc: str,
    subject: str,
    payload: Mapping[str, Any],
    agency_code: str | None = None,
    source_platform: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> ChangeEvent:
    if kind not in ChangeKind.values:
        raise ValueError(f"unknown change kind {kind!r}")
    event = ChangeEvent(
        kind=kind,
        enterprise_uscc=enterprise_uscc,
        subject=str(subject),
        payload=dict(payload),
        agency_code=agency_code or None,
        source_platform=source_platform or settings.PLATFORM_CODE,
    )
    if occurred_at is not None:
        event.occurred_at = occurred_at
    return event


def _ensure_in_transaction() -> None:
    if not connections[DATABASE].in_atomic_block:
        raise RuntimeError("change_emit must be called inside the service's transaction.atomic block")
    transaction.on_commit(_signal_commit, using=DATABASE)


# Waiting readers (``GET /api/v1/changes/?wait=``) watch this counter in the cache (Redis) instead
# of asking the database again and again: it moves after each commit that wrote events. Only a hint:
# a reader still asks the database now and then (an event can be held back by an older transaction
# that wrote none), and with Redis down it asks the database at every check.
COMMITS_KEY = "change-feed:commits"


def _signal_commit() -> None:
    try:
        try:
            cache.incr(COMMITS_KEY)
        except ValueError:
            cache.set(COMMITS_KEY, 1, None)
    except Exception:  # noqa: BLE001 - a hint only: readers fall back to asking the database
        logger.warning("change feed: could not signal a commit to waiting readers", exc_info=True)


def commits_seen() -> int | None:
    """The commit counter, or None when the cache cannot be read."""
    try:
        return int(cache.get(COMMITS_KEY) or 0)
    except Exception:  # noqa: BLE001
        return None


def change_emit(
    *,
    kind: str,
    enterprise_uscc: str,
    subject: str,
    payload: Mapping[str, Any],
    agency_code: str | None = None,
    source_platform: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> None:
    """Write one event in the current transaction (the outbox): it commits with the change."""
    _ensure_in_transaction()
    _event(
        kind=kind,
        enterprise_uscc=enterprise_uscc,
        subject=subject,
        payload=payload,
        agency_code=agency_code,
        source_platform=source_platform,
        occurred_at=occurred_at,
    ).save(using=DATABASE)


_COPY_COLUMNS = ["kind", "enterprise_uscc", "subject", "agency_code", "source_platform", "payload"]


def change_emit_many(events: Iterable[Mapping[str, Any]]) -> int:
    """Write many events (each a mapping of ``change_emit``'s arguments) in the current transaction
    with COPY, for the batch paths (expiry jobs, imports); returns how many. The database sets each
    row's ``txid`` (and ``occurred_at`` when not given) as for ``change_emit``."""
    _ensure_in_transaction()
    platform = settings.PLATFORM_CODE
    kinds = set(ChangeKind.values)
    untimed, timed = [], []
    for event in events:
        if event["kind"] not in kinds:
            raise ValueError(f"unknown change kind {event['kind']!r}")
        row = [
            str(event["kind"]),
            event["enterprise_uscc"],
            str(event["subject"]),
            event.get("agency_code") or None,
            event.get("source_platform") or platform,
            json.dumps(event["payload"], cls=DjangoJSONEncoder, ensure_ascii=False),
        ]
        if event.get("occurred_at") is not None:
            timed.append([*row, event["occurred_at"]])
        else:
            untimed.append(row)
    # Rows with and without an explicit time go in separate statements: one COPY has one column list.
    with connections[DATABASE].cursor() as cursor:
        for columns, rows in ((_COPY_COLUMNS, untimed), ([*_COPY_COLUMNS, "occurred_at"], timed)):
            if rows:
                with cursor.cursor.copy(
                    f"COPY registry_changeevent ({', '.join(columns)}) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
    return len(untimed) + len(timed)


# --- The public payload of an enterprise ---------------------------------------------------------


def _iso_datetime(value: dt.datetime | None) -> str | None:
    # As DRF's DateTimeField gives it: in the current time zone, ISO 8601, UTC as "Z".
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _iso_date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@functools.lru_cache(maxsize=512)
def _label_in(language: str, choices: type, value: str) -> str:
    with translation.override(language):
        try:
            return str(choices(value).label)
        except ValueError:
            return value


def _label(choices: type, value: str) -> str:
    return _label_in(translation.get_language() or settings.LANGUAGE_CODE, choices, value)


def enterprise_public_payload(
    enterprise: Enterprise, *, former_names: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An enterprise exactly as ``GET /api/v1/enterprises/{uscc}/`` shows it
    (``registry.api.serializers.EnterpriseSerializer``), labels in the platform's language: the one
    builder of an enterprise's event payload, in plain Python because imports write it for every
    enterprise they touch (a test holds it equal to the API's answer). ``former_names`` as
    ``_former_names`` reads them for many enterprises at once; else they are read here."""
    from .api.serializers import division_ref

    capital = enterprise.registered_capital
    division = division_ref(enterprise.division_code)
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "status": enterprise.status,
            "status_display": _label(EnterpriseStatus, enterprise.status),
            "entity_type": enterprise.entity_type,
            "entity_type_display": _label(EntityType, enterprise.entity_type),
            "legal_representative": enterprise.legal_representative,
            "registered_capital": None
            if capital is None
            else format(capital.quantize(Decimal("0.0001")), "f"),
            "established_on": _iso_date(enterprise.established_on),
            "domicile": enterprise.domicile,
            "registration_authority": enterprise.registration_authority,
            "authority": {"code": enterprise.uscc[0], "name": enterprise.authority_name},
            "category": {"code": enterprise.uscc[1], "name": enterprise.category_name},
            "division": {**division, "abolished_after": _json_value(division["abolished_after"])},
            "industry": enterprise.industry,
            "industry_display": _label(Industry, enterprise.industry),
            "registration_number": enterprise.registration_number,
            "organization_code": enterprise.organization_code,
            "tax_number": enterprise.tax_number,
            "is_legacy_code": enterprise.is_legacy_code,
            "legacy_reason": enterprise.legacy_reason,
            "former_names": (
                former_names
                if former_names is not None
                else _former_names([enterprise.pk]).get(enterprise.pk, [])
            ),
            "updated_at": _iso_datetime(enterprise.updated_at),
        }


def _former_names(enterprise_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The former names of these enterprises as the API lists them (the model's order), one query."""
    found: dict[int, list[dict[str, Any]]] = {}
    rows = (
        EnterpriseFormerName.objects.filter(enterprise_id__in=enterprise_ids)
        .order_by("enterprise_id", *EnterpriseFormerName._meta.ordering)
        .values_list("enterprise_id", "name", "used_from", "used_until")
    )
    for enterprise_id, name, used_from, used_until in rows:
        found.setdefault(enterprise_id, []).append(
            {"name": name, "used_from": _iso_date(used_from), "used_until": _iso_date(used_until)}
        )
    return found


def enterprises_change_emit(kinds: Mapping[int, str]) -> int:
    """The events of many enterprises ({enterprise id: kind}) in the current transaction, payloads
    as ``enterprise_public_payload`` builds them, written with one COPY (the import's chunks)."""
    if not kinds:
        return 0
    enterprises = list(Enterprise.objects.filter(pk__in=list(kinds)).order_by("pk"))
    former = _former_names([e.pk for e in enterprises])
    with translation.override(settings.LANGUAGE_CODE):
        return change_emit_many(
            {
                "kind": kinds[e.pk],
                "enterprise_uscc": e.uscc,
                "subject": e.uscc,
                "payload": enterprise_public_payload(e, former_names=former.get(e.pk, [])),
            }
            for e in enterprises
        )


# --- Reading ----------------------------------------------------------------------------------


def cursor_encode(txid: int, event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{txid}.{event_id}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> tuple[int, int]:
    """(txid, id) of a cursor; the start of the feed for none. Raises ``InvalidCursor``."""
    if not cursor:
        return _START
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        txid, event_id = (int(part) for part in text.split("."))
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidCursor(cursor) from None
    if txid < 0 or event_id < 0 or txid >= 2**63 or event_id >= 2**63:
        raise InvalidCursor(cursor)
    return txid, event_id


@dataclass(frozen=True)
class ChangePage:
    events: list[ChangeEvent]
    next: str


_FIELDS = [
    "id",
    "txid",
    "kind",
    "enterprise_uscc",
    "subject",
    "agency_code",
    "source_platform",
    "occurred_at",
    "recorded_at",
    "payload",
]
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
_HORIZON = """
least(%s::bigint, (
    SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
    WHERE NOT x::text::bigint = ANY(%s::bigint[])
))
"""
_READ = (
    """
SELECT id, txid, kind, enterprise_uscc, subject, agency_code, source_platform, occurred_at, recorded_at,
    payload
FROM registry_changeevent
WHERE (txid, id) > (%s, %s) AND txid < """
    + _HORIZON
    + """
ORDER BY txid, id
LIMIT %s
"""
)


_PRUNE_HEAD = (
    """
SELECT txid, id, recorded_at < %s FROM registry_changeevent
WHERE txid < """
    + _HORIZON
    + """
ORDER BY txid, id
LIMIT %s
"""
)


def _others(db) -> tuple[int, list[int]]:
    db.execute(_OTHERS)
    next_id, others = db.fetchone()
    return next_id, list(others or [])


def _pruned_through() -> tuple[int, int] | None:
    last = (
        ChangeFeedPrune.objects.using(DATABASE)
        .order_by("-through_txid", "-through_id")
        .values_list("through_txid", "through_id")
        .first()
    )
    return tuple(last) if last else None


def changes_after(cursor: str | None, limit: int) -> ChangePage:
    """The events after ``cursor`` (the start for none), at most ``limit``, in commit-safe order:
    only those of transactions older than every transaction still running (see the module's
    docstring), by (txid, id). ``next`` is the cursor to ask with next time (the same one when
    nothing is new). Raises ``InvalidCursor``, or ``CursorExpired`` when events after the cursor
    have been pruned."""
    position = cursor_decode(cursor)
    pruned = _pruned_through()
    if cursor and pruned is not None and position < pruned:
        raise CursorExpired(cursor)
    # The reading statement's snapshot both decides the horizon and reads the rows, so every event
    # below the horizon that will ever exist is visible to it.
    with connections[DATABASE].cursor() as db:
        next_id, others = _others(db)
        db.execute(_READ, [position[0], position[1], next_id, others, limit])
        rows = db.fetchall()
    events = [ChangeEvent(**dict(zip(_FIELDS, row, strict=True))) for row in rows]
    for event in events:
        if isinstance(event.payload, str):
            event.payload = json.loads(event.payload)
    last = (events[-1].txid, events[-1].id) if events else position
    return ChangePage(events=events, next=cursor_encode(*last) if last != _START else "")


def changes_prune(*, retention_days: int | None = None, batch: int = 5000) -> int:
    """Delete events older than the retention, oldest first in (txid, id) order, ``batch`` per
    transaction; returns how many. Only a prefix of the feed is deleted, and only below the
    horizon of running transactions, so ``ChangeFeedPrune`` says exactly which cursors are stale."""
    days = settings.CHANGE_FEED_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = timezone.now() - dt.timedelta(days=days)
    total = 0
    while True:
        with transaction.atomic(using=DATABASE):
            with connections[DATABASE].cursor() as db:
                next_id, others = _others(db)
                db.execute(_PRUNE_HEAD, [cutoff, next_id, others, batch])
                head = db.fetchall()
                old = []
                for txid, event_id, is_old in head:
                    if not is_old:
                        break
                    old.append((txid, event_id))
                if not old:
                    return total
                through = old[-1]
                db.execute(
                    "DELETE FROM registry_changeevent WHERE (txid, id) <= (%s, %s)",
                    [through[0], through[1]],
                )
                deleted = db.rowcount
            ChangeFeedPrune.objects.using(DATABASE).create(
                through_txid=through[0], through_id=through[1], deleted=deleted
            )
        total += deleted
        if len(old) < batch:
            return total
