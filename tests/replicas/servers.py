"""A PostgreSQL primary and a hot standby streaming from it, for the replica tests (no tests here).

Both are clusters of the test's own (``tests.faults.servers.PostgresServer``: a temporary directory,
a free port, killed by pid). The primary is made by ``initdb`` (its default ``pg_hba.conf`` trusts
replication connections from 127.0.0.1; ``wal_level`` is ``replica``); the standby by
``pg_basebackup -R`` from it, started on another port as a hot standby. Both log every statement
with the client's application name first (``portal|LOG:  statement: …``), so a test can tell which
server the portal's queries went to: the portal runs with ``PGAPPNAME=portal``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.faults.servers import PostgresServer

PORTAL_APP = "portal"
_LOGGING = {"log_statement": "all", "log_line_prefix": "%a|", "log_min_messages": "warning"}


class PrimaryServer(PostgresServer):
    # Commits wait for their WAL to be written (not synced): what the standby receives is what
    # committed, so the lag measured is the replication's, not the WAL writer's delay.
    SETTINGS = {
        **PostgresServer.SETTINGS,
        "synchronous_commit": "on",
        "wal_level": "replica",
        "max_wal_senders": "4",
        **_LOGGING,
    }


class StandbyServer(PostgresServer):
    SETTINGS = {**PostgresServer.SETTINGS, "hot_standby": "on", **_LOGGING}

    def init_from(self, primary: PostgresServer) -> StandbyServer:
        """A base backup of the primary, with its standby configuration written (``-R``)."""
        done = subprocess.run(
            [
                str(self.bin_dir / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(self.data),
                "-R",  # standby.signal, and primary_conninfo in postgresql.auto.conf
                "-X",
                "stream",
                "--checkpoint=fast",
                "--no-sync",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            user=self.user,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
        return self


class StatementLog:
    """The statements one server ran for the portal, from a point in its log on."""

    def __init__(self, server: PostgresServer) -> None:
        self.path = Path(server.directory) / "postgres.log"

    def mark(self) -> int:
        return self.path.stat().st_size

    def portal_statements(self, since: int) -> list[str]:
        with self.path.open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        # Simple queries log "statement: …"; prepared ones (the credit page's) "execute <name>: …".
        logged = re.compile(rf"^{re.escape(PORTAL_APP)}\|LOG:  (?:statement|execute [^:]+): (.*)$")
        return [match.group(1) for line in text.splitlines() if (match := logged.match(line))]
