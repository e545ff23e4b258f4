"""``partner_event_import``: one event of a partner's feed checked, applied (or logged as refused)
and the partner's stored position moved past it, in one transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sanctions.models import PartnerPlatform, SyncRejection
from sanctions.sync import validation as v
from sanctions.sync.validation import EventRejected, Reason

from .enterprises import _enterprise_event
from .listings import _listing_event
from .outcomes import REJECTED, SKIPPED, Applied
from .records import _record_event

# The package's name, as when this was one module: log lines keep their logger's name.
logger = logging.getLogger(__package__)


class SyncOutOfStep(Exception):
    """The partner's stored position is not where this run expected: another run moved it."""


@transaction.atomic
def partner_event_import(
    *, partner: PartnerPlatform, event: Any, page_cursor: str, index: int, next_cursor: str | None
) -> Applied:
    """Import one event of the partner's feed (the ``index``-th of the page read after
    ``page_cursor``) and move the partner's stored position past it, in one transaction.
    ``next_cursor`` is the page's ``next`` when this is its last event."""
    locked = PartnerPlatform.objects.select_for_update().get(pk=partner.pk)
    if (locked.last_cursor, locked.page_offset) != (page_cursor, index):
        raise SyncOutOfStep(
            f"{partner.code}: stored position {(locked.last_cursor, locked.page_offset)} is not "
            f"{(page_cursor, index)}: another sync of this partner is running"
        )
    try:
        with transaction.atomic():  # a savepoint: a refused event leaves nothing behind
            result = _apply(locked, event)
    except EventRejected as exc:
        result = _reject(locked, event, exc.reason, exc.message)
    except (ValidationError, IntegrityError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc).splitlines()[0]
        result = _reject(locked, event, Reason.BAD_VALUE, message)
    if next_cursor is not None:
        locked.last_cursor, locked.page_offset = next_cursor, 0
    else:
        locked.page_offset = index + 1
    locked.events_imported += 1
    locked.save(update_fields=["last_cursor", "page_offset", "events_imported"])
    partner.last_cursor, partner.page_offset = locked.last_cursor, locked.page_offset
    partner.events_imported = locked.events_imported
    return result


def _reject(partner: PartnerPlatform, event: Any, reason: str, message: str) -> Applied:
    kind = event.get("kind") if isinstance(event, dict) else ""
    subject = event.get("subject") if isinstance(event, dict) else ""
    SyncRejection.objects.create(
        partner=partner,
        kind=str(kind or "")[:64],
        subject=str(subject or "")[:64],
        reason=reason,
        message=message[:2000],
        raw=v.raw_excerpt(event),
    )
    logger.warning("sync %s: event rejected (%s): %s", partner.code, reason, message)
    return Applied(REJECTED, f"{reason}: {message}")


def _apply(partner: PartnerPlatform, event: Any) -> Applied:
    event = v.envelope(event, partner_code=partner.code, relayed=partner.relayed)
    kind = event["kind"]
    if event["source_platform"] == settings.PLATFORM_CODE:
        # Our own data coming back through a partner: never imported again (no loops).
        return Applied(SKIPPED, "this platform's own event")
    if kind in v.IGNORED_KINDS:
        return Applied(SKIPPED, f"{kind} concerns only its platform")
    if kind in v.RECORD_KINDS:
        return _record_event(partner, event)
    if kind in v.LISTING_KINDS:
        return _listing_event(partner, event)
    return _enterprise_event(partner, event)
