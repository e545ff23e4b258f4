"""What one event of a partner's feed came to: the outcomes, and a conflict kept for a person."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sanctions.models import SyncConflict

# The package's name, as when this was one module: log lines keep their logger's name.
logger = logging.getLogger(__package__)


# Outcomes of one event.
APPLIED = "applied"
UNCHANGED = "unchanged"  # already applied (a replay), or nothing here to change
SKIPPED = "skipped"  # ours (loop prevention) or not applicable to this platform
REJECTED = "rejected"
CONFLICT = "conflict"


@dataclass
class Applied:
    outcome: str
    detail: str = ""


def _conflict(partner, event, message: str, *, local_record=None, document_number: str = "") -> Applied:
    SyncConflict.objects.create(
        partner=partner,
        kind=event["kind"],
        subject=event["subject"],
        enterprise_uscc=str(event.get("enterprise") or "")[:18],
        document_number=document_number[:100],
        local_record=local_record,
        message=message,
        payload=event,
    )
    logger.warning("sync %s: conflict on %s: %s", partner.code, event["subject"], message)
    return Applied(CONFLICT, message)
