"""The kept connection's health check (config/postgresql/base.py): no round trip while the server has
said nothing, and a connection the server closed is found and replaced before a request uses it."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.db.backends.postgresql import base as django_postgresql

from tests.databases import server_params

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kept(settings, monkeypatch):
    """The default connection as a deployed worker keeps it between requests (CONN_MAX_AGE, health
    checks), and every ``SELECT 1`` Django would have sent."""
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    asked = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        asked.append(1)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    connection.ensure_connection()
    yield asked
    connection.close()


def request_cycle() -> int:
    """What a request does with the connection: Django's checks at its start, then a query."""
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_the_engine_is_djangos_postgresql_with_this_health_check():
    assert connection.settings_dict["ENGINE"] == "config.postgresql"
    assert connection.vendor == "postgresql"


def test_a_quiet_connection_is_used_without_asking_the_server(kept):
    first = request_cycle()
    for _ in range(5):
        assert request_cycle() == first  # the same connection, kept
    assert kept == []  # no SELECT 1 was sent


def test_a_connection_the_server_closed_is_replaced_before_the_request_uses_it(kept):
    first = request_cycle()
    with psycopg.connect(**server_params(connection.settings_dict["NAME"]), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [first])
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:  # the server's word arrives
        time.sleep(0.05)
    second = request_cycle()  # no error: the check found it closed and Django connected again
    assert second != first
    assert kept  # the socket had something on it: Django's own check read it


def test_a_connection_in_a_transaction_is_checked_as_django_checks_it(kept):
    connection.set_autocommit(False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert connection.is_usable()
        assert kept == [1]
    finally:
        connection.rollback()
        connection.set_autocommit(True)


def test_choosing_a_database_asks_the_server_even_when_its_socket_is_quiet(kept, monkeypatch):
    """``registry.db_router.usable`` picks the database a request reads from. A server killed a moment
    ago may not have closed its end of the socket yet: the poll finds it quiet, and the request would
    fail on it (503) instead of reading from another database. The choice asks the server."""
    from config.postgresql import base as engine
    from registry import db_router

    first = request_cycle()
    with psycopg.connect(**server_params(connection.settings_dict["NAME"]), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [first])  # waits for it to be gone
    monkeypatch.setattr(engine, "_quiet", lambda _connection: True)  # the socket not closed yet
    assert connection.is_usable()  # the cheap check is fooled
    assert db_router.usable("default")  # the choice is not: it connected again
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != first
    assert not db_router.is_down("default")
