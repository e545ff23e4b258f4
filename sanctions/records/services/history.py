"""What a change of a record writes down: the editable fields, their values as the history and
the audit entry show them, and the record's own history event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from registry.audit import snapshot
from sanctions.models import CreditRecord, RecordEvent
from sanctions.records.validation import RECORD_FIELDS

EDITABLE = list(RECORD_FIELDS)


def _record_values(record: CreditRecord) -> dict[str, Any]:
    values = snapshot(record, [f if f != "enterprise" else "enterprise_id" for f in EDITABLE])
    values["status"] = record.status
    return values


def _event(
    record: CreditRecord, *, actor: User, action: str, comment: str = "", changes: dict | None = None
) -> None:
    RecordEvent.objects.create(
        record=record,
        record_key=record.record_key,
        action=action,
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        comment=comment,
        changes=changes or {},
    )
