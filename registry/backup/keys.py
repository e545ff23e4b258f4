"""The signing key set a backup carries: read from the configuration, encrypted under a
passphrase (AES-256-GCM, key from scrypt) and decrypted again."""

from __future__ import annotations

import base64
import json
import secrets
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.utils.translation import gettext as _

from .layout import BackupError

KEYS_FORMAT = "credit-registry-keys/1"
ENCRYPTION = "scrypt+aes-256-gcm"
PASSPHRASE_ENV = "BACKUP_PASSPHRASE"  # noqa: S105 - the variable's name, not a passphrase
MIN_PASSPHRASE = 12
# scrypt at 2**15 × 8: 32 MiB and a tenth of a second per try on a server, costly to guess at scale.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


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
