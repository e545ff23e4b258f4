"""A transactional test ends with the database as the first one left it, restored from a snapshot.

Django ends every transactional test (``TransactionTestCase``, pytest-django's ``transactional_db``
and ``live_server``) with ``flush``: one TRUNCATE of every table, then the ``post_migrate`` signal,
which writes the content types and permissions again; ``ensure_reference_data`` then reloads the
divisions, the calendar and the sanctions catalogue from Python. That came to about 0.7 s a test on
an idle machine and 2 s under the parallel suite's load, on each of about a hundred tests.

Here the first transactional test of a process ends with that flush and reload, and the tables that
then hold rows are copied out (COPY, binary). Every later one ends by emptying the tables that hold
rows (DELETE, with triggers and foreign-key checks off for the transaction, as a replica applies
changes) and copying the snapshot back in, in one transaction: a few tens of milliseconds. The rows
come back with the ids they had, so the content types cached in the process stay right.

Django's own flush is kept where the snapshot does not fit: a test with ``available_apps`` or
``serialized_rollback``, and a server where the test role may not set ``session_replication_role``
(it needs a superuser, which the tests' servers have).
"""

from __future__ import annotations

from django.db import connections, transaction
from django.db.utils import DatabaseError

# Per database alias: the snapshot's tables and their rows, in COPY's binary format.
_SNAPSHOTS: dict[str, dict[str, bytes]] = {}
# Per database alias: the tables Django flushes.
_TABLES: dict[str, list[str]] = {}
# Aliases where the snapshot cannot be used (the role may not turn triggers off).
_REFUSED: set[str] = set()


def taken(alias: str = "default") -> bool:
    return alias in _SNAPSHOTS


def _tables(alias: str) -> list[str]:
    if alias not in _TABLES:
        connection = connections[alias]
        _TABLES[alias] = sorted(
            connection.introspection.django_table_names(only_existing=True, include_views=False)
        )
    return _TABLES[alias]


def _with_rows(cursor, alias: str) -> list[str]:
    quote = connections[alias].ops.quote_name
    probes = " UNION ALL ".join(
        f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})" for table in _tables(alias)
    )
    cursor.execute(probes, _tables(alias))
    return [table for (table,) in cursor.fetchall()]


def take(alias: str = "default") -> None:
    """Copy out every table that holds rows now."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    snapshot = {}
    with connection.cursor() as cursor:
        for table in _with_rows(cursor, alias):
            with cursor.copy(f"COPY {quote(table)} TO STDOUT (FORMAT binary)") as copy:
                snapshot[table] = b"".join(bytes(block) for block in copy)
    _SNAPSHOTS[alias] = snapshot


def restore(alias: str = "default") -> bool:
    """Empty every table and copy the snapshot back in; False (nothing done) where it cannot be."""
    if alias not in _SNAPSHOTS or alias in _REFUSED:
        return False
    connection = connections[alias]
    quote = connection.ops.quote_name
    snapshot = _SNAPSHOTS[alias]
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            try:
                cursor.execute("SET LOCAL session_replication_role = replica")
            except DatabaseError as error:
                raise _Refused from error
            for table in _with_rows(cursor, alias):
                cursor.execute(f"DELETE FROM {quote(table)}")
            for table, rows in snapshot.items():
                with cursor.copy(f"COPY {quote(table)} FROM STDIN (FORMAT binary)") as copy:
                    copy.write(rows)
    except _Refused:
        _REFUSED.add(alias)
        return False
    return True


class _Refused(Exception):
    """The role may not set ``session_replication_role``."""


def fixture_teardown(django_teardown, ensure_reference_data):
    """``TransactionTestCase._fixture_teardown`` restoring the snapshot where it can, else Django's
    (after which the reference data is loaded again and, the first time, the snapshot taken)."""

    def _fixture_teardown(self):
        aliases = self._databases_names(include_mirrors=False)
        if self.available_apps is not None or self.serialized_rollback:
            return django_teardown(self)
        if all(restore(alias) for alias in aliases):
            return None
        django_teardown(self)
        ensure_reference_data()
        for alias in aliases:
            if alias not in _SNAPSHOTS and alias not in _REFUSED:
                take(alias)
        return None

    return _fixture_teardown
