"""What a backup directory holds and how its files are written: the format's name, the files'
names, the error every step raises, checksums, files only their owner reads, who ran a command."""

from __future__ import annotations

import getpass
import hashlib
import os
import socket
from pathlib import Path

FORMAT = "credit-registry-backup/1"
DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
KEYS_FILE = "signing-keys.enc.json"
PLAINTEXT_KEYS_FILE = "signing-keys.json"
PUBLIC_KEYS_FILE = "public-keys.json"
MANIFEST_FILE = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def operator() -> str:
    """Who runs a command on the server: operating-system user and host."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
