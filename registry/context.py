"""Where a write comes from: the request id travels with the request (or command, or task)."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def get_request_id() -> str:
    return _request_id.get()


@contextmanager
def request_context(request_id: str | None = None, *, prefix: str = "") -> Iterator[str]:
    """Run a block with a request id (a fresh one unless given), e.g. for a command or a task."""
    rid = request_id or f"{prefix}{uuid.uuid4().hex}"
    token = _request_id.set(rid)
    try:
        yield rid
    finally:
        _request_id.reset(token)
