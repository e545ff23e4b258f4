"""docker-compose.yml cannot run here (no Docker engine): check that it refers to real things."""

import importlib
import importlib.util
import re
from pathlib import Path

import pytest
import yaml

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
    missing = sorted(v for v in read - {"DJANGO_SETTINGS_MODULE"} if v not in example)
    assert missing == []
