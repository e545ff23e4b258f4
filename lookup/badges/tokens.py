"""The compact payload a badge's QR code carries, signed with Ed25519 (``lookup.signing``).

Binary, 27 bytes, so that the whole URL fits a QR code of version 9–11 that phones read off a
sticker: version (1), serial (6), USCC in base 36 (12), staff id or 0 (4), issue and expiry dates
as days since 2020-01-01 (2 + 2). The key id travels in the signed envelope. A token only says
what was true at issue: the verification page looks up everything live.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass

from lookup import signing

VERSION = 1
EPOCH = dt.date(2020, 1, 1)
_FORMAT = ">B6s12sIHH"
SIZE = struct.calcsize(_FORMAT)
_USCC_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: read aloud, typed by people
MAX_SERIAL = 2**48 - 1


class PayloadError(ValueError):
    """A signed payload this code cannot read (another version, impossible values)."""


@dataclass(frozen=True)
class BadgePayload:
    serial: int
    uscc: str
    staff_id: int | None
    issued_on: dt.date
    expires_on: dt.date


def _uscc_pack(uscc: str) -> bytes:
    number = 0
    for char in uscc:
        number = number * 36 + _USCC_ALPHABET.index(char)
    return number.to_bytes(12, "big")


def _uscc_unpack(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(18):
        number, rest = divmod(number, 36)
        chars.append(_USCC_ALPHABET[rest])
    if number:
        raise PayloadError("USCC out of range")
    return "".join(reversed(chars))


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def pack(payload: BadgePayload) -> bytes:
    if not (0 < payload.serial <= MAX_SERIAL):
        raise ValueError("serial out of range")
    if len(payload.uscc) != 18 or any(c not in _USCC_ALPHABET for c in payload.uscc):
        raise ValueError("a USCC has 18 characters 0-9, A-Z")
    return struct.pack(
        _FORMAT,
        VERSION,
        payload.serial.to_bytes(6, "big"),
        _uscc_pack(payload.uscc),
        payload.staff_id or 0,
        _days(payload.issued_on),
        _days(payload.expires_on),
    )


def unpack(data: bytes) -> BadgePayload:
    if len(data) != SIZE:
        raise PayloadError("wrong payload length")
    version, serial, uscc, staff_id, issued, expires = struct.unpack(_FORMAT, data)
    if version != VERSION:
        raise PayloadError("unknown payload version")
    return BadgePayload(
        serial=int.from_bytes(serial, "big"),
        uscc=_uscc_unpack(uscc),
        staff_id=staff_id or None,
        issued_on=EPOCH + dt.timedelta(days=issued),
        expires_on=EPOCH + dt.timedelta(days=expires),
    )


def token_issue(payload: BadgePayload) -> tuple[str, str]:
    """(token, key id) for a badge, signed with the current key."""
    token = signing.sign(pack(payload))
    return token, token_read(token)[0]


# Tokens that verified, by the key ring they verified under: a badge is scanned again and again,
# and an Ed25519 check costs about a quarter of a millisecond. Only successes are kept, at most
# _MEMO_SIZE of them, and all are forgotten when the key ring is rebuilt (keys rotated or retired).
_MEMO_SIZE = 20_000
_memo: dict[str, tuple[str, BadgePayload]] = {}
_memo_ring: list = [None]


def token_read(token: str) -> tuple[str, BadgePayload]:
    """(key id, payload) of a genuine badge token; raises ``signing.BadSignature`` otherwise."""
    if not token or len(token) > 300:
        raise signing.BadSignature("no token or too long")
    ring = signing.keyring()
    if _memo_ring[0] is not ring:
        _memo.clear()
        _memo_ring[0] = ring
    found = _memo.get(token)
    if found is not None:
        return found
    kid, data = signing.verify(token)
    try:
        found = kid, unpack(data)
    except PayloadError as exc:
        raise signing.BadSignature(str(exc)) from None
    if len(_memo) >= _MEMO_SIZE:
        _memo.clear()
    _memo[token] = found
    return found


def serial_display(serial: int) -> str:
    """A 48-bit serial as ten Crockford base-32 characters in two groups: ``7K2Q9-MX4TB``."""
    chars = []
    for _ in range(10):
        serial, rest = divmod(serial, 32)
        chars.append(_SERIAL_ALPHABET[rest])
    text = "".join(reversed(chars))
    return f"{text[:5]}-{text[5:]}"


def serial_parse(text: str) -> int | None:
    """The serial of a displayed serial number, or None."""
    cleaned = text.replace("-", "").strip().upper()
    if len(cleaned) != 10 or any(c not in _SERIAL_ALPHABET for c in cleaned):
        return None
    number = 0
    for char in cleaned:
        number = number * 32 + _SERIAL_ALPHABET.index(char)
    return number
