"""The audit trail: every service writes its entry here, in its own transaction.

Entries are hash-chained: each one's hash covers its content and the previous entry's hash, so
that changing or removing any entry breaks the chain from there on. A transaction-scoped
advisory lock serialises writers so that the chain follows the id order.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from .context import get_request_id
from .db import id_sequence
from .models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 0x41554449  # "AUDI": one advisory lock for the whole chain
_SIMPLE = frozenset({str, int, bool})  # JSON values as they are (_plain)


def _plain(value: Any) -> Any:
    """A JSON value that comes back from jsonb exactly as it went in (no floats)."""
    cls = value.__class__
    if value is None or cls is str or cls is int or cls is bool:
        return value
    if cls is dict:
        return {
            k if k.__class__ is str else str(k): v if v is None or v.__class__ in _SIMPLE else _plain(v)
            for k, v in value.items()
        }
    if cls is list or cls is tuple:
        return [v if v is None or v.__class__ in _SIMPLE else _plain(v) for v in value]
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | float):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def snapshot(instance: models.Model, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model instance, for the before/after of an entry."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: _plain(getattr(instance, name)) for name in names}


@dataclass
class PendingEntry:
    actor: Any
    action: str
    target_type: str
    target_id: str
    target_repr: str
    before: dict | None
    after: dict | None


def _actor_fields(actor) -> tuple[int | None, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    return actor.pk, actor.get_username()


@dataclass(slots=True)
class AuditRow:
    """An entry as written (cheaper than a model instance when an import writes thousands)."""

    id: int
    created_at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    target_type: str
    target_id: str
    target_repr: str
    before: Any
    after: Any
    request_id: str
    prev_hash: str
    hash: str = ""


def _payload(entry: AuditEntry | AuditRow) -> bytes:
    body = {
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_repr": entry.target_repr,
        "before": entry.before,
        "after": entry.after,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(entry: AuditEntry | AuditRow) -> str:
    return hashlib.sha256(_payload(entry)).hexdigest()


def _target(target: models.Model | tuple[str, str, str]) -> tuple[str, str, str]:
    if isinstance(target, tuple):
        return target
    return target._meta.label_lower, str(target.pk), str(target)[:300]


def audit_write(
    *,
    actor,
    action: str,
    target: models.Model | tuple[str, str, str],
    before: dict | None = None,
    after: dict | None = None,
) -> AuditRow:
    """Append one entry to the audit trail (inside the caller's transaction)."""
    target_type, target_id, target_repr = _target(target)
    return audit_write_many(
        [PendingEntry(actor, action, target_type, target_id, target_repr, before, after)]
    )[0]


def audit_write_many(pending: Iterable[PendingEntry]) -> list[AuditRow]:
    """Append many entries at once, chained in order (used by bulk imports)."""
    request_id = get_request_id()
    actors: dict[int, tuple[int | None, str]] = {}
    prepared = [audit_prepare(p, request_id=request_id, actors=actors) for p in pending]
    chained = audit_write_prepared(prepared)
    return [
        AuditRow(entry_id, created_at, *p.fields, prev_hash=prev, hash=digest)
        for p, (entry_id, created_at, prev, digest) in zip(prepared, chained, strict=True)
    ]


# The payload that ``_payload`` (json.dumps) gives an entry, built from its parts instead: an entry
# is rendered before its id, time and previous hash are known, and a bulk import renders thousands.
# ``audit_verify`` recomputes every hash with ``_payload`` itself.
_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_string = json.encoder.encode_basestring


@dataclass(slots=True)
class PreparedEntry:
    """An entry rendered ahead of the chain (``audit_prepare``): only its id, time and link are left."""

    fields: (
        tuple  # actor_id, actor_label, action, target_type, target_id, target_repr, before, after, request_id
    )
    head: str  # the payload up to the value of "created_at"
    tail: str  # the payload after the value of "prev_hash"
    columns: str  # its COPY columns from actor_id to request_id


def audit_prepare(
    entry: PendingEntry, *, request_id: str, actors: dict[int, tuple[int | None, str]] | None = None
) -> PreparedEntry:
    """Render an entry without the database (e.g. in a helper thread); ``audit_write_prepared`` writes it."""
    if actors is None:
        actor_id, actor_label = _actor_fields(entry.actor)
    else:
        key = id(entry.actor)
        if key not in actors:
            actors[key] = _actor_fields(entry.actor)
        actor_id, actor_label = actors[key]
    target_repr = entry.target_repr[:300]
    before = None if entry.before is None else _plain(entry.before)
    after = None if entry.after is None else _plain(entry.after)
    before_json = "null" if before is None else _canonical(before)
    after_json = "null" if after is None else _canonical(after)
    actor_json = "null" if actor_id is None else int.__repr__(actor_id)
    # json.dumps(sort_keys=True) order: action, actor_id, actor_label, after, before, created_at,
    # prev_hash, request_id, target_id, target_repr, target_type.
    head = (
        f'{{"action":{_string(entry.action)},"actor_id":{actor_json},"actor_label":{_string(actor_label)},'
        f'"after":{after_json},"before":{before_json},"created_at":'
    )
    tail = (
        f',"request_id":{_string(request_id)},"target_id":{_string(entry.target_id)},'
        f'"target_repr":{_string(target_repr)},"target_type":{_string(entry.target_type)}}}'
    )
    columns = "\t".join(
        [
            "\\N" if actor_id is None else actor_json,
            copy_text(actor_label),
            copy_text(entry.action),
            copy_text(entry.target_type),
            copy_text(entry.target_id),
            copy_text(target_repr),
            "\\N" if before is None else copy_text(before_json),
            "\\N" if after is None else copy_text(after_json),
            copy_text(request_id),
        ]
    )
    fields = (
        actor_id,
        actor_label,
        entry.action,
        entry.target_type,
        entry.target_id,
        target_repr,
        before,
        after,
        request_id,
    )
    return PreparedEntry(fields, head, tail, columns)


def audit_write_prepared(prepared: Sequence[PreparedEntry]) -> list[tuple[int, dt.datetime, str, str]]:
    """Chain and append rendered entries in order; (id, created_at, prev_hash, hash) of each."""
    if not prepared:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_write must run inside the transaction of the write it records")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        # After the lock, in a statement of its own: it must see the previous holder's entries.
        cursor.execute(
            "SELECT (SELECT hash FROM registry_auditentry ORDER BY id DESC LIMIT 1), "
            "array(SELECT nextval(%s::regclass) FROM generate_series(1, %s))",
            [id_sequence(cursor, "registry_auditentry"), len(prepared)],
        )
        last, ids = cursor.fetchone()
        ids.sort()
        now = timezone.now()
        at = now.isoformat()
        at_json = _string(at) + ',"prev_hash":"'
        prev = last or GENESIS
        chained = []
        lines = []
        sha256 = hashlib.sha256
        for entry_id, p in zip(ids, prepared, strict=True):
            digest = sha256(f'{p.head}{at_json}{prev}"{p.tail}'.encode()).hexdigest()
            chained.append((entry_id, now, prev, digest))
            lines.append(f"{entry_id}\t{at}\t{p.columns}\t{prev}\t{digest}\n")
            prev = digest
        # COPY is about 20 times faster than INSERT for the thousands of entries of a bulk import.
        # It is psycopg's own: its errors are made Django's, as those of any other statement.
        with (
            connection.wrap_database_errors,
            cursor.copy(
                f"COPY registry_auditentry ({', '.join(_COLUMNS)}) FROM STDIN"  # noqa: S608 - fixed column names
            ) as copy,
        ):
            copy.write("".join(lines))
    return chained


_COLUMNS = [
    "id",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "request_id",
    "prev_hash",
    "hash",
]
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def copy_text(value: str) -> str:
    """A string as one field of a COPY ... FROM STDIN (FORMAT TEXT) line."""
    # Four substring tests are about twice as fast as a regular expression search, and almost no
    # value needs escaping.
    if "\\" not in value and "\t" not in value and "\n" not in value and "\r" not in value:
        return value
    return _COPY_SPECIAL.sub(lambda m: _COPY_ESCAPES[m.group()], value)


@dataclass
class ChainReport:
    checked: int
    first_broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def audit_verify() -> ChainReport:
    """Walk the chain in id order; name the first entry whose hash or link does not hold."""
    prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=5000):
        if entry.prev_hash != prev:
            return ChainReport(
                checked, entry.pk, "link to the previous entry is broken (an entry was removed or reordered)"
            )
        if compute_hash(entry) != entry.hash:
            return ChainReport(checked, entry.pk, "content does not match its hash (the entry was altered)")
        prev = entry.hash
        checked += 1
    return ChainReport(checked)
