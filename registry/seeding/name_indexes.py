"""The enterprise table's name indexes (GIN): dropped for a large COPY, built again after it.

A GIN index built in bulk costs a fraction of a million one-by-one insertions into a growing index;
``name_indexes_restore`` also builds those a bulk seed stopped midway left dropped.
"""

from __future__ import annotations

from django.db import connection, transaction

from ..models import Enterprise


def drop_gin_indexes(cursor) -> list[str]:
    """Drop the GIN indexes of the enterprise table (inside the caller's transaction, which holds the
    table locked); returns their definitions, exactly as the migrations made them, to build again."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = 'registry_enterprise' AND indexdef ILIKE '%% USING gin %%'"
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


@transaction.atomic
def name_indexes_restore() -> list[str]:
    """Build again any GIN index of the enterprise table that is missing (a bulk seed in parts drops
    them until its last part; a run stopped before its end leaves them dropped). The definitions are
    the model's own (``Enterprise.Meta.indexes``). Returns the names built."""
    from django.contrib.postgres.indexes import GinIndex

    wanted = [index for index in Enterprise._meta.indexes if isinstance(index, GinIndex)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
            [Enterprise._meta.db_table],
        )
        present = {row[0] for row in cursor.fetchall()}
        missing = [index for index in wanted if index.name not in present]
        if not missing:
            return []
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        with connection.schema_editor(atomic=False) as editor:
            for index in missing:
                editor.add_index(Enterprise, index)
    return [index.name for index in missing]
