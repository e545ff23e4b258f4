"""The subscribers' signing secrets at rest: sealed with AES-256-GCM, opened only to sign a delivery.

Tokens and developer keys are stored as SHA-256 hashes, since the registry only has to recognise
them. A webhook secret is different: the registry signs every delivery with it (HMAC-SHA256), so it
must be read back. It is therefore encrypted under a key that is not in the database —
``WEBHOOK_SECRET_KEYS`` (base64 of 32 bytes; the first seals, every one opens, so keys can be
rotated), or without it a key derived from ``SECRET_KEY`` — the way the backups seal the signing
keys (``registry/backup/keys.py``). A database dump or backup alone does not reveal any secret.

A sealed value is ``v1.<key id>.<nonce>.<ciphertext>`` (base64url); the key id is the start of the
key's SHA-256, so the right key is found without trying each.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets as random

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret
_AAD = b"credit-registry webhook secret"


class SecretUnreadable(Exception):
    """The sealed secret was sealed under a key this process does not have (or was altered)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derived_key(secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"webhook-secrets").derive(
        secret_key.encode()
    )


def _keys() -> tuple[bytes, ...]:
    return _keys_for(tuple(settings.WEBHOOK_SECRET_KEYS), settings.SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _keys_for(configured: tuple[str, ...], secret_key: str) -> tuple[bytes, ...]:
    keys = []
    for text in configured:
        try:
            key = base64.b64decode(text, validate=True)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ImproperlyConfigured("Each WEBHOOK_SECRET_KEYS entry is the base64 of 32 random bytes.")
        keys.append(key)
    keys.append(_derived_key(secret_key))  # opens what was sealed before WEBHOOK_SECRET_KEYS was set
    return tuple(keys)


def _key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def secret_new() -> str:
    """A new signing secret: ``whsec_`` and 32 random bytes."""
    return SECRET_PREFIX + random.token_urlsafe(32)


def seal(secret: str) -> str:
    key = _keys()[0]
    nonce = random.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), _AAD)
    return f"v1.{_key_id(key)}.{_b64(nonce)}.{_b64(sealed)}"


def unseal(value: str) -> str:
    try:
        version, key_id, nonce, sealed = value.split(".")
    except ValueError:
        raise SecretUnreadable("not a sealed secret") from None
    if version != "v1":
        raise SecretUnreadable(f"unknown sealing {version!r}")
    for key in _keys():
        if _key_id(key) == key_id:
            try:
                return AESGCM(key).decrypt(_unb64(nonce), _unb64(sealed), _AAD).decode()
            except (InvalidTag, ValueError):
                raise SecretUnreadable("the sealed secret does not open with its key") from None
    raise SecretUnreadable(f"no key {key_id} in WEBHOOK_SECRET_KEYS")
