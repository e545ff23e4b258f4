"""Databases of a test's own on the tests' PostgreSQL server, beside the test database.

They are created and dropped from the server's maintenance database (``postgres``) on a connection
of their own, closed at once: a connection left open to the test database (as one made through
Django's ``connection`` outside a database test was) keeps pytest-django from dropping it at the
end of the run, and every run then leaves a ``test_credit_registry_<pid>`` behind.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
from psycopg import sql


def _settings() -> dict:
    from django.db import connection

    return connection.settings_dict


def server_params(dbname: str) -> dict:
    """psycopg's keyword arguments for ``dbname`` on the tests' server."""
    db = _settings()
    return {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db.get("PASSWORD") or None,
        "dbname": dbname,
    }


def server_url(dbname: str) -> str:
    """``dbname`` on the tests' server as a ``DATABASE_URL`` (for a subprocess)."""
    db = _settings()
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = db["PORT"] or 5432
    auth = quote(db["USER"], safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{host}:{port}/{dbname}"


def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(**server_params("postgres"), autocommit=True) as admin:
        admin.execute(statement)


def database_create(name: str) -> None:
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_drop(name: str) -> None:
    """Drop ``name`` if it exists, even if something still uses it."""
    _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def scratch_database(prefix: str) -> Iterator[tuple[str, str]]:
    """A new, empty database (name, URL), dropped afterwards even if something still uses it."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    database_create(name)
    try:
        yield name, server_url(name)
    finally:
        database_drop(name)


def left_on(names: set[str], *, keep: set[int]) -> list[tuple[int, str]]:
    """The sessions on the databases ``names`` other than the backends ``keep``, each with its last
    statement, once they have been terminated."""
    with psycopg.connect(**server_params("postgres"), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid, left(query, 200), pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = ANY(%s) AND pid <> pg_backend_pid() AND NOT (pid = ANY(%s))",
            [sorted(names), sorted(keep)],
        ).fetchall()
    return [(pid, query) for pid, query, _terminated in rows]
