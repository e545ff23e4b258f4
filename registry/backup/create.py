"""Backup: the database dump, the media archive and the signing keys into a new directory,
written under a hidden name and renamed when complete."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from .keys import PASSPHRASE_ENV, KeySet, keys_encrypt, keyset_configured, passphrase_check
from .layout import (
    DATABASE_FILE,
    FORMAT,
    KEYS_FILE,
    MANIFEST_FILE,
    MEDIA_FILE,
    PLAINTEXT_KEYS_FILE,
    PUBLIC_KEYS_FILE,
    BackupError,
    _sha256,
    _write_private,
    operator,
)
from .pg_tools import _run, _server_major, pg_tool, tool_major


@dataclass
class BackupResult:
    path: Path
    manifest: dict


def _media_archive(target: Path) -> tuple[int, int]:
    """Every file under MEDIA_ROOT into a gzip'd tar, by path relative to it; (files, bytes)."""
    root = Path(settings.MEDIA_ROOT)
    files = size = 0
    with tarfile.open(target, "w:gz") as archive:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=str(path.relative_to(root)), recursive=False)
                    files += 1
                    size += path.stat().st_size
    return files, size


def backup_create(
    *, root: Path, passphrase: str | None, plaintext_keys: bool = False, now: dt.datetime | None = None
) -> BackupResult:
    """Write a complete backup into a new directory under ``root``, named by the UTC time.

    The database is dumped before the files are copied, so every file a dumped row names is in the
    archive. The signing keys are encrypted with ``passphrase``; they are written in clear only when
    ``plaintext_keys`` says so.
    """
    keys = keyset_configured()
    if keys is not None and not plaintext_keys:
        if not passphrase:
            raise BackupError(
                _(
                    "A passphrase is needed to encrypt the signing keys: set %(env)s or run the command in a terminal."
                )
                % {"env": PASSPHRASE_ENV}
            )
        passphrase_check(passphrase)
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    final = root / stamp
    if final.exists():
        raise BackupError(
            _("%(path)s exists already: wait a second and run the backup again.") % {"path": final}
        )
    staging = root / f".{stamp}.partial"
    staging.mkdir(mode=0o700)
    try:
        manifest = _backup_into(staging, keys=keys, passphrase=passphrase, plaintext_keys=plaintext_keys)
        manifest["name"] = stamp
        manifest["created_at"] = now.isoformat()
        _write_private(staging / MANIFEST_FILE, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BackupResult(final, manifest)


def _backup_into(
    directory: Path, *, keys: KeySet | None, passphrase: str | None, plaintext_keys: bool
) -> dict:
    server = _server_major()
    pg_dump = pg_tool("pg_dump", at_least=server)
    dump = directory / DATABASE_FILE
    _run([str(pg_dump), "--format=custom", "--file", str(dump)], _("The database dump"))
    dump.chmod(0o600)
    manifest: dict = {
        "format": FORMAT,
        "database": {
            "file": DATABASE_FILE,
            "name": connection.settings_dict["NAME"],
            "server_major": server,
            "pg_dump_major": tool_major(pg_dump),
            "bytes": dump.stat().st_size,
            "sha256": _sha256(dump),
        },
        "run_by": operator(),
    }
    media = directory / MEDIA_FILE
    files, size = _media_archive(media)
    media.chmod(0o600)
    manifest["media"] = {"file": MEDIA_FILE, "files": files, "bytes": size, "sha256": _sha256(media)}
    if keys is None:
        manifest["keys"] = None
        return manifest
    if plaintext_keys:
        name, text = PLAINTEXT_KEYS_FILE, json.dumps(keys.as_json(), indent=2, sort_keys=True)
    else:
        name, text = KEYS_FILE, json.dumps(keys_encrypt(keys, passphrase or ""), indent=2, sort_keys=True)
    _write_private(directory / name, text + "\n")
    public = {"current_kid": keys.current_kid, "keys": keys.public_keys()}
    _write_private(directory / PUBLIC_KEYS_FILE, json.dumps(public, indent=2, sort_keys=True) + "\n")
    manifest["keys"] = {
        "file": name,
        "encrypted": not plaintext_keys,
        "key_ids": sorted(keys.private),
        "retired_key_ids": sorted(keys.public),
        "current_kid": keys.current_kid,
        "sha256": _sha256(directory / name),
    }
    manifest["public_keys"] = {"file": PUBLIC_KEYS_FILE, "sha256": _sha256(directory / PUBLIC_KEYS_FILE)}
    return manifest
