"""The change feed as the webhooks read it: new events after the dispatcher's cursor, and each
event's body as the feed shows it (``registry.changes``)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import translation
from rest_framework.utils.encoders import JSONEncoder

from registry.changes import ChangePage, CursorExpired, changes_after, cursor_encode
from registry.choices import ChangeKind
from registry.models import ChangeEvent

logger = logging.getLogger(__name__)

__all__ = ["ChangeKind", "ChangePage", "CursorExpired", "changes_after", "event_body", "feed_end"]


def event_document(event: ChangeEvent) -> dict[str, Any]:
    """An event exactly as ``GET /api/v1/changes/`` lists it, in the platform's language."""
    from ..api.changes import ChangeEventSerializer

    with translation.override(settings.LANGUAGE_CODE):
        return ChangeEventSerializer(event).data


def event_body(event: ChangeEvent) -> str:
    """The body of a delivery: the event's JSON as the API renders it (UTF-8, compact); the
    signature covers its exact bytes.

    An event whose payload the feed's presenter cannot render (an outbox row written by an older
    version, say) goes out with its payload as stored, and the error is logged: one odd event must
    not hold up every delivery after it.
    """
    try:
        document = event_document(event)
    except Exception:  # noqa: BLE001 - whatever the presenter raises, the dispatcher must go on
        logger.exception(
            "webhooks: event %s (%s) could not be presented; sent as stored", event.id, event.kind
        )
        document = {
            "kind": event.kind,
            "occurred_at": event.occurred_at,
            "enterprise": event.enterprise_uscc,
            "subject": event.subject,
            "agency": event.agency_code,
            "source_platform": event.source_platform,
            "payload": event.payload,
        }
    return json.dumps(document, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))


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
