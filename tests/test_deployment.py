"""docker-compose.yml cannot run here (no Docker engine): check that it refers to real things."""

import importlib
import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from tests.databases import scratch_database

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_the_production_shape_is_complete():
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(SERVICES)
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert "healthcheck" in SERVICES[name], f"{name} has no health check"


def test_redis_persists():
    assert "--appendonly" in SERVICES["redis"]["command"]
    assert SERVICES["redis"]["command"][SERVICES["redis"]["command"].index("--appendonly") + 1] == "yes"


@pytest.mark.parametrize("name", ["web", "worker", "beat", "migrate"])
def test_settings_module_exists(name):
    module = SERVICES[name]["environment"]["DJANGO_SETTINGS_MODULE"]
    assert importlib.util.find_spec(module) is not None


def test_web_serves_the_wsgi_application_and_checks_readiness():
    command = SERVICES["web"]["command"]
    assert command[0] == "gunicorn"
    module, attribute = command[1].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    assert "/readyz" in " ".join(SERVICES["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_celery_services_point_at_the_celery_app(name):
    command = SERVICES[name]["command"]
    app_module = command[command.index("-A") + 1]
    app = importlib.import_module(app_module).celery_app
    assert app.main == "config"
    assert command[command.index("-A") + 2] == name


def test_migrate_runs_real_commands():
    from django.core.management import get_commands

    commands = re.findall(r"manage\.py (\w+)", " ".join(SERVICES["migrate"]["command"]))
    assert commands and all(c in get_commands() for c in commands)


def test_beat_schedule_names_registered_tasks():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_env_example_lists_every_variable_the_settings_read():
    read = set()
    for path in (ROOT / "config").rglob("*.py"):
        read |= set(re.findall(r"os\.environ(?:\.get)?\(\s*\"([A-Z_]+)\"", path.read_text()))
        read |= set(re.findall(r"env_(?:bool|list)\(\s*\"([A-Z_]+)\"", path.read_text()))
    example = (ROOT / ".env.example").read_text()
    # Set by the test runner for its parallel workers (config/settings/test.py), never by a deployer.
    runner = {"DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER", "TEST_WORKER_ENVIRONMENT"}
    missing = sorted(v for v in read - runner if v not in example)
    assert missing == []


# --- Signing keys: a production without them does not pass the deployment check or /readyz --------


def _generated_key() -> str:
    import base64
    import secrets

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def _deploy_check(**env: str):
    import os
    import subprocess
    import sys

    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SIGNING_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    base.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="test-" + "x" * 60,
        ALLOWED_HOSTS="registry.example.org",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_signing_keys_fails_the_deployment_check():
    missing = _deploy_check()
    assert missing.returncode != 0
    assert "lookup.E001" in missing.stderr and "SIGNING_KEYS is not set" in missing.stderr
    # The same command as CI's (.ci/run), with a key set of the shape production needs, passes.
    configured = _deploy_check(SIGNING_KEYS=f'{{"ci1": "{_generated_key()}"}}', SIGNING_CURRENT_KID="ci1")
    assert configured.returncode == 0, configured.stderr
    unusable = _deploy_check(SIGNING_KEYS='{"ci1": "not-a-key"}')
    assert unusable.returncode != 0 and "lookup.E002" in unusable.stderr


def test_the_deployment_check_passes_before_the_first_migrate():
    """An image build or a new server checks the settings before any table exists: the API schema
    (which names the penalty categories of the catalogue when there is one) must not need them."""
    with scratch_database("deploy_check_empty") as (_name, url):
        check = _deploy_check(
            DATABASE_URL=url, SIGNING_KEYS=f'{{"ci1": "{_generated_key()}"}}', SIGNING_CURRENT_KID="ci1"
        )
    assert check.returncode == 0, check.stderr


def test_ci_passes_a_key_set_to_the_deployment_check():
    run = (ROOT / ".ci" / "run").read_text()
    step = run[run.index('step "Deployment check') :]
    step = step[: step.index("step ", 5)]
    assert "SIGNING_KEYS=" in step and "check --deploy" in step


@pytest.fixture
def fresh_keyring():
    from lookup import signing

    signing.keyring.cache_clear()
    yield
    signing.keyring.cache_clear()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("keys", "current", "expected"),
    [
        ({}, "", "lookup.E001"),
        ({"k1": "AAAA"}, "", "lookup.E002"),  # 3 bytes, not 32
        ({"k1": _generated_key()}, "k2", "lookup.E002"),  # the current key has no private half
        ([_generated_key()], "", "lookup.E002"),  # a list, not {"kid": key}
    ],
    ids=["missing", "too short", "current key absent", "not an object"],
)
def test_readyz_reports_missing_or_unusable_signing_keys(
    client, settings, fresh_keyring, keys, current, expected
):
    from lookup.checks import signing_keys_check

    settings.SIGNING_REQUIRE_CONFIGURED_KEYS = True
    settings.SIGNING_KEYS = keys
    settings.SIGNING_CURRENT_KID = current
    assert [m.id for m in signing_keys_check()] == [expected]
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["checks"]["database"] == "ok"
    assert body["checks"]["signing_keys"].startswith(f"error: {expected}")


@pytest.mark.django_db
def test_readyz_is_ready_with_usable_signing_keys(client, settings, fresh_keyring):
    settings.SIGNING_REQUIRE_CONFIGURED_KEYS = True
    settings.SIGNING_KEYS = {"2026a": _generated_key(), "2025a": _generated_key()}
    settings.SIGNING_CURRENT_KID = "2026a"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["signing_keys"] == "ok"


@pytest.mark.django_db
def test_outside_production_the_development_key_is_a_warning_not_an_outage(client, settings, fresh_keyring):
    settings.SIGNING_REQUIRE_CONFIGURED_KEYS = False
    settings.SIGNING_KEYS = {}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["signing_keys"].startswith("warning: lookup.W001")


def test_web_keeps_threads_for_pages_while_change_feed_readers_wait():
    from django.conf import settings

    command = SERVICES["web"]["command"]
    assert command[command.index("--worker-class") + 1] == "gthread"
    threads = int(command[command.index("--threads") + 1])
    assert threads > settings.CHANGE_FEED_WAITERS_PER_PROCESS


@pytest.mark.parametrize(("redis_url", "level"), [(None, "WARNING"), ("redis://127.0.0.1:6379/9", "NOTSET")])
def test_without_redis_the_inline_tasks_successes_are_not_logged(redis_url, level):
    """`make run` without Redis runs every task inline: a line for each success is noise there (one
    per demo enterprise), not with a worker."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    if redis_url:
        env["REDIS_URL"] = redis_url
    code = (
        "import logging, django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.local'; "
        "django.setup(); print(logging.getLevelName(logging.getLogger('celery.app.trace').level))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == level
