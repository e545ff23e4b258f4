"""The upsert pass: the staging table's good rows written by USCC, chunk by chunk, with one audit
entry per enterprise created or changed.
"""

# The SQL below is assembled only from this package's constants (table and column names); every
# value from the file travels through COPY or query parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from registry.audit import PendingEntry, audit_write_many
from registry.cache import enterprise_changed
from registry.changes import enterprises_change_emit
from registry.choices import ChangeKind, DataSource, EnterpriseStatus
from registry.details.changes import field_changes
from registry.models import Enterprise, EnterpriseChange

from .report import ImportReport, ProgressCallback
from .staging import DATA_FIELDS, STAGING

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_CHUNK = 20_000


def _changed_sql() -> str:
    return " OR ".join(
        f"(t.{name} IS NOT NULL AND t.{name} IS DISTINCT FROM e.{name})" for name in DATA_FIELDS
    )


def _defaults() -> dict[str, Any]:
    """The model's defaults for a new enterprise, as plain values (choices are str subclasses)."""
    values = {name: Enterprise._meta.get_field(name).get_default() for name in DATA_FIELDS}
    return {name: str(value) if isinstance(value, str) else value for name, value in values.items()}


_AFTER_FIELDS = [
    "uscc",
    *DATA_FIELDS,
    "division_code",
    "is_legacy_code",
    "source",
]


def _repr(name: str, code: str) -> str:
    return f"{name} ({code})"


def _upsert_chunk(
    cursor, *, actor: User, low: int, high: int, today: dt.date
) -> tuple[list[PendingEntry], int, int]:
    chunk = "t.ok AND t.rownum >= %(low)s AND t.rownum < %(high)s"
    params = {"low": low, "high": high, "today": today}
    changed = _changed_sql()
    old_new = ", ".join(f"e.{name}, t.{name}" for name in DATA_FIELDS)
    cursor.execute(
        f"""
        SELECT * FROM (
            SELECT e.id, e.uscc, COALESCE(t.name, e.name) AS current_name, ({changed}) AS changed, {old_new},
                ARRAY(
                    SELECT DISTINCT fn FROM unnest(t.former_names) fn
                    WHERE fn <> COALESCE(t.name, e.name)
                      AND NOT EXISTS (SELECT 1 FROM registry_enterpriseformername f
                                      WHERE f.enterprise_id = e.id AND f.name = fn)
                    ORDER BY fn
                ) AS new_former
            FROM {STAGING} t JOIN registry_enterprise e ON e.uscc = t.uscc
            WHERE {chunk}
        ) c WHERE c.changed OR cardinality(c.new_former) > 0
        ORDER BY c.uscc
        """,
        params,
    )
    entries = []
    for row in cursor.fetchall():
        pk, code, current_name, _changed, *pairs, new_former = row
        before, after = {}, {}
        for i, name in enumerate(DATA_FIELDS):
            old, new = pairs[2 * i], pairs[2 * i + 1]
            if new is not None and new != old:
                before[name], after[name] = old, new
        if new_former:
            after["former_names"] = new_former
        entries.append(
            PendingEntry(
                actor,
                "enterprise.import_update",
                "registry.enterprise",
                str(pk),
                _repr(current_name, code),
                before,
                after,
            )
        )
    updated = len(entries)
    if updated:
        # The change history (变更记录) of each field an import changes, a new name included.
        EnterpriseChange.objects.bulk_create(
            [
                change
                for entry in entries
                for change in field_changes(int(entry.target_id), entry.before, entry.after, changed_on=today)
            ]
        )
        # As with a single update: a new name keeps the old one as a former name.
        cursor.execute(
            f"""
            INSERT INTO registry_enterpriseformername (enterprise_id, name, used_from, used_until)
            SELECT e.id, e.name, NULL, %(today)s FROM {STAGING} t JOIN registry_enterprise e ON e.uscc = t.uscc
            WHERE {chunk} AND t.name IS NOT NULL AND t.name <> e.name
            ON CONFLICT (enterprise_id, name) DO NOTHING
            """,
            params,
        )
        assignments = ", ".join(f"{name} = COALESCE(t.{name}, e.{name})" for name in DATA_FIELDS)
        assignments += (
            ", search_name = COALESCE(t.search_name, e.search_name)"
            ", search_vector = COALESCE(t.search_vector::tsvector, e.search_vector)"
            ", search_pinyin = COALESCE(t.search_pinyin::tsvector, e.search_pinyin)"
        )
        cursor.execute(
            f"""
            UPDATE registry_enterprise e SET {assignments}, updated_at = now()
            FROM {STAGING} t WHERE e.uscc = t.uscc AND {chunk} AND ({changed})
            """,
            params,
        )
    defaults = _defaults()
    insert_columns = ", ".join(DATA_FIELDS)
    insert_values = ", ".join(f"COALESCE(t.{name}, %(default_{name})s)" for name in DATA_FIELDS)
    params.update({f"default_{name}": value for name, value in defaults.items()})
    params["source"] = DataSource.IMPORT.value
    cursor.execute(
        f"""
        INSERT INTO registry_enterprise (uscc, {insert_columns}, division_code, is_legacy_code, legacy_reason,
                                         source, created_at, updated_at, search_name, search_vector,
                                         search_pinyin)
        SELECT t.uscc, {insert_values}, substr(t.uscc, 3, 6), false, '', %(source)s, now(), now(),
               COALESCE(t.search_name, ''), t.search_vector::tsvector, t.search_pinyin::tsvector
        FROM {STAGING} t
        WHERE {chunk} AND NOT EXISTS (SELECT 1 FROM registry_enterprise e WHERE e.uscc = t.uscc)
        ORDER BY t.rownum
        ON CONFLICT (uscc) DO NOTHING
        RETURNING id, {", ".join(_AFTER_FIELDS)}
        """,
        params,
    )
    created_rows = cursor.fetchall()
    cursor.execute(
        f"""
        INSERT INTO registry_enterpriseformername (enterprise_id, name, used_from, used_until)
        SELECT e.id, fn, NULL, NULL
        FROM {STAGING} t JOIN registry_enterprise e ON e.uscc = t.uscc CROSS JOIN LATERAL unnest(t.former_names) fn
        WHERE {chunk} AND fn <> e.name
        ON CONFLICT (enterprise_id, name) DO NOTHING
        """,
        params,
    )
    former_by_code: dict[str, list[str]] = {}
    if created_rows:
        cursor.execute(
            f"""
            SELECT t.uscc, t.former_names FROM {STAGING} t
            WHERE {chunk} AND t.former_names IS NOT NULL AND cardinality(t.former_names) > 0
            """,
            params,
        )
        former_by_code = dict(cursor.fetchall())
    for pk, *values in created_rows:
        after = dict(zip(_AFTER_FIELDS, values, strict=True))
        names = [n for n in former_by_code.get(after["uscc"], []) if n != after["name"]]
        if names:
            after["former_names"] = names
        entries.append(
            PendingEntry(
                actor,
                "enterprise.import_create",
                "registry.enterprise",
                str(pk),
                _repr(after["name"], after["uscc"]),
                None,
                after,
            )
        )
    return entries, len(created_rows), updated


def _change_kind(entry: PendingEntry) -> str:
    """The change-feed kind of an enterprise the import created or changed."""
    if entry.action == "enterprise.import_create":
        return ChangeKind.ENTERPRISE_REGISTERED
    if (entry.after or {}).get("status") == EnterpriseStatus.DEREGISTERED:
        return ChangeKind.ENTERPRISE_DEREGISTERED
    return ChangeKind.ENTERPRISE_CHANGED


def upsert(
    cursor, *, actor: User, last_row: int, report: ImportReport, progress: ProgressCallback | None
) -> None:
    cursor.execute(f"CREATE INDEX ON {STAGING} (rownum)")
    cursor.execute(f"ANALYZE {STAGING}")
    # Imports do not interleave with other writers, so the before/after they record is exact.
    cursor.execute("LOCK TABLE registry_enterprise IN SHARE ROW EXCLUSIVE MODE")
    today = timezone.localdate()
    for low in range(2, last_row + 1, _CHUNK):
        high = low + _CHUNK
        entries, created, updated = _upsert_chunk(cursor, actor=actor, low=low, high=high, today=today)
        audit_write_many(entries)
        enterprises_change_emit({int(e.target_id): _change_kind(e) for e in entries})
        enterprise_changed([int(e.target_id) for e in entries if e.action == "enterprise.import_update"])
        report.created += created
        report.updated += updated
        if progress:
            progress("write", min(high, last_row + 1) - 2, last_row - 1)
