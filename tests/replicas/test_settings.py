"""DATABASE_REPLICA_URLS in the settings, and nothing routed without it (registry/db_router.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import MiddlewareNotUsed

from tests.faults.servers import ROOT

# The settings module as Django reads it (no app needs loading for these two values).
_SHOW = (
    "import json; from config.settings import test as settings; "
    "print(json.dumps({'databases': settings.DATABASES, 'routers': settings.DATABASE_ROUTERS}, default=str))"
)


def settings_with(**env: str) -> dict:
    environment = {name: value for name, value in os.environ.items() if name != "DATABASE_REPLICA_URLS"}
    environment |= env
    done = subprocess.run(
        [sys.executable, "-c", _SHOW], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_each_replica_url_is_an_alias_with_the_default_databases_options():
    shown = settings_with(
        DATABASE_URL="postgresql://registry@primary:5432/registry",
        DATABASE_REPLICA_URLS="postgresql://registry@standby-a:5432/registry, "
        "postgresql://reader:secret@standby-b:6432/registry?sslmode=require",
        REPLICA_CONNECT_TIMEOUT="3",
    )
    databases = shown["databases"]
    assert list(databases) == ["default", "replica_1", "replica_2"]
    first, second = databases["replica_1"], databases["replica_2"]
    assert (first["HOST"], first["NAME"], second["HOST"], second["PORT"]) == (
        "standby-a",
        "registry",
        "standby-b",
        6432,
    )
    assert second["USER"] == "reader" and second["PASSWORD"] == "secret"
    assert second["OPTIONS"] == {
        "connect_timeout": 3,
        "sslmode": "require",
        "prepare_threshold": 5,
        "options": "-c plan_cache_mode=force_generic_plan",
    }
    for replica in (first, second):
        assert replica["CONN_MAX_AGE"] == databases["default"]["CONN_MAX_AGE"] == 60
        assert replica["CONN_HEALTH_CHECKS"] is True
        assert replica["TEST"]["MIRROR"] == "default"  # the test runner creates no database for it
    assert shown["routers"] == ["registry.db_router.ReplicaRouter"]


def test_prepared_statements_are_planned_once_and_without_them_nothing_is_asked_of_the_session():
    """Prepared statements get a generic plan (config/settings/base.py); behind a pooler that cannot
    keep them (``DATABASE_PREPARED_STATEMENTS=false``) neither they nor a startup option are used."""
    url = "postgresql://registry@primary:5432/registry"
    options = settings_with(DATABASE_URL=url)["databases"]["default"]["OPTIONS"]
    assert options["prepare_threshold"] == 5
    assert options["options"] == "-c plan_cache_mode=force_generic_plan"
    kept = settings_with(DATABASE_URL=url + "?options=-c%20statement_timeout%3D5000")
    assert kept["databases"]["default"]["OPTIONS"]["options"] == (
        "-c statement_timeout=5000 -c plan_cache_mode=force_generic_plan"
    )
    pooled = settings_with(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="false")
    assert pooled["databases"]["default"]["OPTIONS"] == {"connect_timeout": 5}


def test_without_replicas_there_is_one_database_and_no_router_or_routing_middleware():
    shown = settings_with(DATABASE_URL="postgresql://registry@primary:5432/registry")
    assert list(shown["databases"]) == ["default"] and shown["routers"] == []

    from registry.replica_middleware import ReplicaRoutingMiddleware

    with pytest.raises(MiddlewareNotUsed):  # Django leaves it out of the chain
        ReplicaRoutingMiddleware(lambda request: None)


def test_migrations_run_on_the_primary_only():
    from registry.db_router import ReplicaRouter

    router = ReplicaRouter()
    assert router.allow_migrate("default", "registry") is True
    assert router.allow_migrate("replica_1", "registry") is False
    assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) == "default"  # outside a request: the primary
