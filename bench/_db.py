"""Point Django at a database of its own for benchmarks, so that a bench never touches dev data.

Call ``use_bench_database()`` before anything else touches Django: it picks the settings (local by
default), renames the default database to ``credit_registry_bench`` (on the embedded server or on
the server of ``DATABASE_URL``), creates it if missing, runs ``django.setup()`` and migrates it.
"""

from __future__ import annotations

import os

BENCH_DATABASE = "credit_registry_bench"


def _ensure_database(db: dict, name: str) -> None:
    import psycopg
    from psycopg import sql

    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        **db.get("OPTIONS", {}),
    }
    with psycopg.connect(
        dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def use_bench_database(name: str = BENCH_DATABASE, *, migrate: bool = True) -> str:
    """Configure Django on the bench database (created and migrated if needed); returns its name."""
    if not name.endswith("_bench"):
        raise ValueError(
            "a bench database name ends with _bench, so that dev data is never emptied by mistake"
        )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    from django.conf import settings

    db = settings.DATABASES["default"]
    db["NAME"] = name
    _ensure_database(db, name)

    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    return name
