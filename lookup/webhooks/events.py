"""The change feed as the webhooks read it: new events after the dispatcher's cursor, and each
event's body as the feed shows it (``registry.changes``)."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from registry.changes import ChangePage, CursorExpired, changes_after, cursor_encode
from registry.choices import ChangeKind
from registry.models import ChangeEvent

__all__ = ["ChangeKind", "ChangePage", "CursorExpired", "changes_after", "event_body", "feed_end"]


def event_document(event: ChangeEvent) -> dict[str, Any]:
    """An event as ``GET /api/v1/changes/`` lists it."""
    return {
        "id": event.id,
        "kind": event.kind,
        "enterprise_uscc": event.enterprise_uscc,
        "subject": event.subject,
        "agency_code": event.agency_code,
        "source_platform": event.source_platform,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "payload": event.payload,
    }


def event_body(event: ChangeEvent) -> str:
    """The body of a delivery: the event's JSON, UTF-8 text (the signature covers its exact bytes)."""
    return json.dumps(event_document(event), cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def feed_end() -> str:
    """A cursor after the last event a reader can see now (where a new dispatcher starts)."""
    with connection.cursor() as db:
        db.execute(
            "SELECT txid, id FROM registry_changeevent "
            "WHERE txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
            "ORDER BY txid DESC, id DESC LIMIT 1"
        )
        row = db.fetchone()
    return cursor_encode(*row) if row else ""
