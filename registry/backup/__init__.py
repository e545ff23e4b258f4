"""Backups of everything a restored registry needs, and their restore (docs/operations.md, "Backups").

A backup is one directory ``backups/<UTC timestamp>/`` (mode 0700) holding:

- ``database.dump``: ``pg_dump -Fc`` of the whole database;
- ``media.tar.gz``: every file under ``MEDIA_ROOT`` (import files, repair materials, evidence);
- ``signing-keys.enc.json``: the signing key set (private keys, current key id, retired public keys),
  encrypted with AES-256-GCM under a key derived by scrypt from a passphrase; only with
  ``--plaintext-keys`` is it ``signing-keys.json`` in clear instead;
- ``public-keys.json``: every public key, in clear (they are published anyway);
- ``manifest.json``: what the files are and their SHA-256, checked before anything is restored.

The directory is written under a hidden name and renamed when complete, so a backup directory that
exists is whole. Without the signing keys a restored registry would call every report and badge it
ever issued "not genuine": that is why they travel with the data, and why they are encrypted.

- ``layout``: the format and file names, ``BackupError``, checksums, private files, ``operator``;
- ``keys``: the signing key set (``KeySet``), its encryption under the passphrase;
- ``pg_tools``: PostgreSQL's client programs (``pg_tool``) and how they are run;
- ``create``: ``backup_create``;
- ``restore``: ``backup_open``, ``backup_restore``.
"""

from .create import BackupResult, backup_create
from .keys import (
    ENCRYPTION,
    KEYS_FORMAT,
    MIN_PASSPHRASE,
    PASSPHRASE_ENV,
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
    KeySet,
    keys_decrypt,
    keys_encrypt,
    keyset_configured,
    passphrase_check,
)
from .layout import (
    DATABASE_FILE,
    FORMAT,
    KEYS_FILE,
    MANIFEST_FILE,
    MEDIA_FILE,
    PLAINTEXT_KEYS_FILE,
    PUBLIC_KEYS_FILE,
    BackupError,
    operator,
)
from .pg_tools import pg_tool, tool_major
from .restore import KeysInstalled, OpenedBackup, RestoreResult, backup_open, backup_restore

__all__ = [
    "DATABASE_FILE",
    "ENCRYPTION",
    "FORMAT",
    "KEYS_FILE",
    "KEYS_FORMAT",
    "MANIFEST_FILE",
    "MEDIA_FILE",
    "MIN_PASSPHRASE",
    "PASSPHRASE_ENV",
    "PLAINTEXT_KEYS_FILE",
    "PUBLIC_KEYS_FILE",
    "SCRYPT_N",
    "SCRYPT_P",
    "SCRYPT_R",
    "BackupError",
    "BackupResult",
    "KeySet",
    "KeysInstalled",
    "OpenedBackup",
    "RestoreResult",
    "backup_create",
    "backup_open",
    "backup_restore",
    "keys_decrypt",
    "keys_encrypt",
    "keyset_configured",
    "operator",
    "passphrase_check",
    "pg_tool",
    "tool_major",
]
