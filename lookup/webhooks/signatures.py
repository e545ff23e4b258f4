"""The signature of a delivery: ``X-Registry-Signature: t=<unix time>,v1=<hex HMAC-SHA256>``.

The HMAC is keyed with the subscriber's secret (the whole ``whsec_…`` string, UTF-8) over
``<t>.<body>``: the timestamp as sent, a dot, and the body's exact bytes. A receiver checks it with
``signature_verify`` (the same logic as the snippets in docs/webhooks.md) and refuses timestamps
older than a few minutes, so a captured delivery cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Registry-Signature"
DELIVERY_HEADER = "X-Registry-Delivery"
EVENT_HEADER = "X-Registry-Event"
EVENT_ID_HEADER = "X-Registry-Event-Id"
TOLERANCE_SECONDS = 300


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def signature_verify(
    *, secret: str, body: bytes, header: str, tolerance: int = TOLERANCE_SECONDS, now: float | None = None
) -> bool:
    """True if ``header`` signs ``body`` with ``secret`` and its time is within ``tolerance`` seconds."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", []))
