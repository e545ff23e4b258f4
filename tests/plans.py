"""The plans PostgreSQL makes of the statements the application prepares."""

from __future__ import annotations

from django.db import connection, transaction


def explain_generic(sql: str, params: list, *, off: tuple[str, ...] = ("seqscan",)) -> str:
    """The plan PostgreSQL makes of ``sql`` for any values (a generic plan), as the page runs it, with
    the planner's methods ``off`` turned off (``enable_…``): sequential scans by default, since a
    test's tables are too small for an index to pay, and the indexes are under test."""
    import psycopg

    connection.ensure_connection()
    literals = [psycopg.sql.Literal(value).as_string(connection.connection) for value in params]
    with transaction.atomic(), connection.cursor() as cursor:
        for method in off:
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("PREPARE generic_page AS " + sql)  # no parameters: nothing is read as one
        try:
            cursor.execute(f"EXPLAIN EXECUTE generic_page({', '.join(literals)})")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE generic_page")
