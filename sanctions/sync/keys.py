"""A partner's developer key kept encrypted at rest: AES-256-GCM under a key derived from this
platform's SECRET_KEY, so a copy of the database alone does not give away the partner's key."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PURPOSE = b"sanctions.sync.partner-key"


def _cipher() -> AESGCM:
    return AESGCM(hashlib.sha256(_PURPOSE + settings.SECRET_KEY.encode()).digest())


def key_seal(key: str) -> str:
    """The key encrypted (nonce + ciphertext, base64); empty for no key."""
    if not key:
        return ""
    nonce = os.urandom(12)
    return base64.b64encode(nonce + _cipher().encrypt(nonce, key.encode(), _PURPOSE)).decode()


def key_unseal(sealed: str) -> str:
    """The key again; empty when none is stored. Raises ValueError when SECRET_KEY changed."""
    if not sealed:
        return ""
    raw = base64.b64decode(sealed)
    try:
        return _cipher().decrypt(raw[:12], raw[12:], _PURPOSE).decode()
    except InvalidTag:
        raise ValueError(
            "the partner's key cannot be decrypted: SECRET_KEY changed; enter it again"
        ) from None
