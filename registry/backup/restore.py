"""Restore: a backup's files checked against its manifest, then the database, MEDIA_ROOT and the
signing keys restored, the audit chain checked and the restore recorded in it."""

from __future__ import annotations

import datetime as dt
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from ..audit import ChainReport, audit_verify, audit_write
from ..services import system_actor
from .keys import PASSPHRASE_ENV, KeySet, keys_decrypt
from .layout import FORMAT, MANIFEST_FILE, BackupError, _sha256, _write_private, operator
from .pg_tools import _run, _server_major, pg_tool


@dataclass
class OpenedBackup:
    path: Path
    manifest: dict

    @property
    def keys_encrypted(self) -> bool:
        return bool(self.manifest.get("keys") and self.manifest["keys"]["encrypted"])

    def keys(self, passphrase: str | None) -> KeySet | None:
        """The backup's key set, decrypted; None when the backup holds none."""
        entry = self.manifest.get("keys")
        if not entry:
            return None
        data = json.loads((self.path / entry["file"]).read_text())
        if not entry["encrypted"]:
            return KeySet.from_json(data)
        if not passphrase:
            raise BackupError(
                _(
                    "The signing keys in this backup are encrypted: set %(env)s (or run the command in a terminal to be asked for it). Nothing was restored."
                )
                % {"env": PASSPHRASE_ENV}
            )
        return keys_decrypt(data, passphrase)


def backup_open(path: Path) -> OpenedBackup:
    """A backup directory whose manifest holds and whose files match their checksums."""
    path = Path(path)
    manifest_path = path / MANIFEST_FILE
    if not manifest_path.is_file():
        raise BackupError(
            _("%(path)s is not a backup: it has no %(file)s.") % {"path": path, "file": MANIFEST_FILE}
        )
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s is a backup in a format this version cannot read.") % {"path": path})
    for part in ("database", "media", "keys", "public_keys"):
        entry = manifest.get(part)
        if not entry:
            continue
        file = path / entry["file"]
        if not file.is_file() or _sha256(file) != entry["sha256"]:
            raise BackupError(
                _(
                    "%(file)s is missing or damaged (its checksum differs from the manifest): nothing was restored."
                )
                % {"file": file}
            )
    return OpenedBackup(path, manifest)


def _user_tables() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%%'"
        )
        return cursor.fetchone()[0]


@dataclass
class KeysInstalled:
    """What became of the key set: written to the development key file, already configured, or to
    be set in the environment (``env_lines``)."""

    written_to: Path | None = None
    already_configured: bool = False
    env_lines: list[str] = field(default_factory=list)
    replaced_file: Path | None = None
    configured_differs: bool = False


@dataclass
class RestoreResult:
    database: str
    media_files: int
    keys: KeySet | None
    keys_installed: KeysInstalled
    audit: ChainReport


def _keys_install(keys: KeySet | None, *, replace: bool) -> KeysInstalled:
    if keys is None:
        return KeysInstalled()
    configured = dict(settings.SIGNING_KEYS or {})
    if configured or settings.SIGNING_REQUIRE_CONFIGURED_KEYS:
        # Production: the keys live in the environment (a secret store), which a command cannot set.
        current = settings.SIGNING_CURRENT_KID or (sorted(configured)[-1] if configured else "")
        public = dict(settings.SIGNING_PUBLIC_KEYS or {})
        same = configured == keys.private and public == keys.public and current == keys.current_kid
        if same:
            return KeysInstalled(already_configured=True)
        return KeysInstalled(env_lines=keys.env_lines(), configured_differs=bool(configured))
    path = Path(settings.SIGNING_KEYS_FILE)
    installed = KeysInstalled(written_to=path)
    if path.exists():
        if json.loads(path.read_text()) == keys.private:
            installed.written_to = None
            installed.already_configured = True
        elif not replace:
            raise BackupError(
                _(
                    "%(path)s holds other signing keys. Move it away, or pass --replace (it is kept beside, renamed). Nothing was restored."
                )
                % {"path": path}
            )
    # Beyond the private keys the development key file holds nothing: a current key other than the
    # last id, and retired public keys, go in the environment.
    extra = [line for line in keys.env_lines() if not line.startswith("SIGNING_KEYS=")]
    installed.env_lines = [
        line for line in extra if not (line.startswith("SIGNING_CURRENT_KID=") and keys.default_current)
    ]
    return installed


def _keys_write(keys: KeySet, installed: KeysInstalled) -> None:
    path = installed.written_to
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        kept = path.with_name(f"{path.name}.replaced-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}")
        os.replace(path, kept)
        installed.replaced_file = kept
    _write_private(path, json.dumps(keys.private))


def backup_restore(opened: OpenedBackup, *, passphrase: str | None, replace: bool = False) -> RestoreResult:
    """Restore a backup (``backup_open``'s, its files' checksums checked) into the configured database
    (empty, unless ``replace``), MEDIA_ROOT and the signing keys, then check the audit chain and
    record the restore in it.

    Everything that can be checked is checked before anything is written: the files' checksums, the
    passphrase, an empty database and MEDIA_ROOT, where the keys go.
    """
    keys = opened.keys(passphrase)
    tables = _user_tables()
    name = connection.settings_dict["NAME"]
    if tables and not replace:
        raise BackupError(
            _(
                "The database %(name)s is not empty (%(count)d tables). Restore into a new, empty database, or pass --replace to overwrite it. Nothing was restored."
            )
            % {"name": name, "count": tables}
        )
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir() and any(media_root.iterdir()) and not replace:
        raise BackupError(
            _(
                "MEDIA_ROOT (%(path)s) is not empty. Restore into an empty directory, or pass --replace to overwrite the files it shares with the backup. Nothing was restored."
            )
            % {"path": media_root}
        )
    installed = _keys_install(keys, replace=replace)
    database = opened.manifest["database"]
    pg_restore = pg_tool("pg_restore", at_least=max(_server_major(), int(database.get("pg_dump_major") or 0)))
    connection.close()
    # One transaction: a restore that fails leaves the database as it was.
    _run(
        [
            str(pg_restore),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            name,
            str(opened.path / database["file"]),
        ],
        _("The database restore"),
    )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(opened.path / opened.manifest["media"]["file"], "r:gz") as archive:
        archive.extractall(media_root, filter="data")
    if keys is not None:
        _keys_write(keys, installed)
    report = audit_verify()
    with transaction.atomic():
        audit_write(
            actor=system_actor(),
            action="backup.restore",
            target=(
                "registry.backup",
                opened.manifest.get("name", ""),
                f"backup {opened.manifest.get('name', '')}",
            ),
            after={
                "backup": opened.manifest.get("name", ""),
                "created_at": opened.manifest.get("created_at", ""),
                "media_files": opened.manifest["media"]["files"],
                "key_ids": sorted(keys.private) if keys else [],
                "audit_chain_ok": report.ok,
                "run_by": operator(),
            },
        )
    return RestoreResult(name, opened.manifest["media"]["files"], keys, installed, report)
