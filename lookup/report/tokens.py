"""The signed token a credit report's QR code carries.

Payload: ``CR1:`` + report number + ``|`` + the 32 raw bytes of the content checksum. The ``CR1:``
prefix keeps report tokens apart from anything else signed with the same keys (badges): a genuine
badge token is never a genuine report token.
"""

from __future__ import annotations

from lookup.signing import BadSignature, sign, verify

TOKEN_DOMAIN = b"CR1:"


def report_token(number: str, sha256_hex: str) -> str:
    return sign(TOKEN_DOMAIN + number.encode() + b"|" + bytes.fromhex(sha256_hex))


def report_token_read(token: str) -> tuple[str, str, str]:
    """(key id, report number, content checksum) of a genuine report token; else BadSignature."""
    if len(token) > 400:
        raise BadSignature("too long")
    kid, payload = verify(token)
    if not payload.startswith(TOKEN_DOMAIN):
        raise BadSignature("not a report token")
    # The checksum is the last 32 raw bytes, which may themselves contain "|": split by position.
    body = payload[len(TOKEN_DOMAIN) :]
    number, sep, digest = body[:-33], body[-33:-32], body[-32:]
    if sep != b"|" or len(digest) != 32 or not number:
        raise BadSignature("malformed report token")
    try:
        return kid, number.decode(), digest.hex()
    except UnicodeDecodeError:
        raise BadSignature("malformed report number") from None
