"""Small PostgreSQL helpers shared by the bulk writers (audit trail, record import)."""

from __future__ import annotations

_sequences: dict[tuple[str, str, str], str] = {}


def id_sequence(cursor, table: str) -> str:
    """The sequence behind ``table``'s id, for ``nextval(%s::regclass)``.

    Looked up once per process and database: ``pg_get_serial_sequence`` inside a query that draws
    thousands of ids would be evaluated again for every one of them.
    """
    key = (cursor.db.alias, cursor.db.settings_dict["NAME"], table)
    name = _sequences.get(key)
    if name is None:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        name = _sequences[key] = cursor.fetchone()[0]
    return name
