"""Ed25519 signatures for everything the portal hands out to be checked later (reports, badges).

A token is ``<base64url(kid-length, kid, payload)>.<base64url(signature)>``: anyone with the
public keys (published at ``/.well-known/credit-registry-keys.json``) can verify it offline, and
nobody without the private key can forge or alter one. Keys are rotatable: the current key signs;
every key listed (private or public-only, for retired keys) still verifies.

Configuration: ``SIGNING_KEYS`` (JSON ``{"kid": "<base64url 32-byte private key>"}``) and
``SIGNING_CURRENT_KID``; ``SIGNING_PUBLIC_KEYS`` (JSON ``{"kid": "<base64url public key>"}``) for
retired keys. Outside production, a key is generated once into ``.data/signing-keys.json``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class BadSignature(Exception):
    """The token is malformed, signed by an unknown key, or altered."""


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class KeyRing:
    current_kid: str
    private: dict[str, Ed25519PrivateKey]
    public: dict[str, Ed25519PublicKey]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _dev_keys_file() -> dict[str, str]:
    """The development key ring, generated once. Processes that start together (the server and a
    worker, or the suite's parallel workers) may all find no file: each writes a whole file of its
    own and links it into place, so exactly one wins, and none ever reads a half-written file."""
    path = Path(settings.SIGNING_KEYS_FILE)
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    draft = path.with_name(f".{path.name}.{os.getpid()}.{b64encode(os.urandom(6))}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump({"dev1": b64encode(raw)}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process's file is already in place
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return json.loads(path.read_text())


def _key_bytes(kind: str, kid: str, value: object) -> bytes:
    try:
        raw = b64decode(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{kind} {kid!r} is not a base64url Ed25519 key of 32 bytes (make signing-key prints one)."
        )
    return raw


def load_keyring() -> KeyRing:
    """The key ring the settings describe, read afresh; ImproperlyConfigured for anything unusable."""
    configured = settings.SIGNING_KEYS
    if not configured:
        if settings.SIGNING_REQUIRE_CONFIGURED_KEYS:
            raise ImproperlyConfigured('SIGNING_KEYS must be set (JSON {"kid": "base64url private key"}).')
        configured = _dev_keys_file()
    retired = settings.SIGNING_PUBLIC_KEYS or {}
    if not isinstance(configured, dict) or not isinstance(retired, dict):
        raise ImproperlyConfigured('SIGNING_KEYS and SIGNING_PUBLIC_KEYS are JSON objects {"kid": "key"}.')
    private = {
        kid: Ed25519PrivateKey.from_private_bytes(_key_bytes("SIGNING_KEYS", kid, value))
        for kid, value in configured.items()
    }
    public = {kid: key.public_key() for kid, key in private.items()}
    for kid, value in retired.items():
        public.setdefault(
            kid, Ed25519PublicKey.from_public_bytes(_key_bytes("SIGNING_PUBLIC_KEYS", kid, value))
        )
    current = settings.SIGNING_CURRENT_KID or sorted(private)[-1]
    if current not in private:
        raise ImproperlyConfigured(f"SIGNING_CURRENT_KID {current!r} has no private key in SIGNING_KEYS.")
    for kid in public:
        if not (0 < len(kid.encode()) < 32):
            raise ImproperlyConfigured("A signing key id has 1 to 31 characters.")
    return KeyRing(current, private, public)


@lru_cache(maxsize=1)
def keyring() -> KeyRing:
    """The key ring, read once per process (``load_keyring``)."""
    return load_keyring()


def sign(payload: bytes) -> str:
    """A compact token carrying ``payload``, signed with the current key."""
    ring = keyring()
    kid = ring.current_kid.encode()
    body = bytes([len(kid)]) + kid + payload
    return f"{b64encode(body)}.{b64encode(ring.private[ring.current_kid].sign(body))}"


def verify(token: str) -> tuple[str, bytes]:
    """(key id, payload) of a genuine token; raises BadSignature for anything else."""
    try:
        body_text, signature_text = token.split(".")
        body, signature = b64decode(body_text), b64decode(signature_text)
        if b64encode(body) != body_text or b64encode(signature) != signature_text:
            raise ValueError("not canonical base64url")  # one spelling per token, no padding-bit variants
        length = body[0]
        kid = body[1 : 1 + length].decode()
        payload = body[1 + length :]
    except (ValueError, IndexError, UnicodeDecodeError):
        raise BadSignature("malformed token") from None
    key = keyring().public.get(kid)
    if key is None:
        raise BadSignature("unknown key")
    try:
        key.verify(signature, body)
    except InvalidSignature:
        raise BadSignature("bad signature") from None
    return kid, payload


def public_jwks() -> dict:
    """The public keys as a JSON Web Key Set (RFC 8037: OKP, Ed25519)."""
    ring = keyring()
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "kid": kid,
                "use": "sig",
                "alg": "EdDSA",
                "x": b64encode(_raw_public(key)),
                "current": kid == ring.current_kid,
            }
            for kid, key in sorted(ring.public.items())
        ]
    }


def sign_detached(data: bytes) -> dict[str, str]:
    """A detached signature of ``data`` with the current key: ``{"alg", "kid", "signature"}``, the
    signature over the exact bytes (not a token carrying them), for files too large to wrap (the open
    data manifest). Verifiable with the published JWKS alone, or with ``openssl pkeyutl -rawin``."""
    ring = keyring()
    return {
        "alg": "EdDSA",
        "kid": ring.current_kid,
        "signature": b64encode(ring.private[ring.current_kid].sign(data)),
    }


def verify_detached(data: bytes, *, kid: str, signature: str) -> None:
    """Raises BadSignature unless ``signature`` is the key ``kid``'s signature of ``data``."""
    key = keyring().public.get(kid)
    if key is None:
        raise BadSignature("unknown key")
    try:
        raw = b64decode(signature)
    except ValueError:
        raise BadSignature("malformed signature") from None
    try:
        key.verify(raw, data)
    except InvalidSignature:
        raise BadSignature("bad signature") from None
