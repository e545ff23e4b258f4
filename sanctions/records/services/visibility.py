"""When and whether the public sees a record: its publicity worked out from the rules and set on
it, and whether it was shown (so that its revocation or expiry goes to the change feed)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from sanctions.choices import RecordStatus, UsageScope
from sanctions.models import CreditRecord
from sanctions.records.publicity import publicity_for


def _apply_publicity(record: CreditRecord) -> None:
    try:
        result = publicity_for(
            kind=record.kind,
            decision_date=record.decision_date,
            categories=record.penalty_categories,
            severity=record.severity,
            regulatory_field=record.regulatory_field,
            province=record.agency.division_id[:2],
            fine=record.fine_amount,
            valid_to=record.valid_to,
            agency_system=record.agency.publicity_system,
            party_category=record.party_category,
        )
    except LookupError as exc:
        raise ValidationError({"decision_date": [str(exc)]}) from None
    record.publicity_rule = result.rule
    record.publicity_end = result.end
    record.earliest_repair_date = result.earliest_repair
    record.early_repair_allowed = result.early_repair_allowed
    record.publish_deadline = result.publish_deadline
    record.never_published = result.never_published


def _was_shown(record: CreditRecord) -> bool:
    """Whether the record, published or expired, was one the public could see in its period: a
    mirror may hold it, so its revocation or expiry goes to the change feed."""
    return (
        record.status in (RecordStatus.PUBLISHED, RecordStatus.EXPIRED)
        and record.is_current
        and record.usage_scope == UsageScope.PUBLIC
        and not record.never_published
        and record.repaired_at is None
    )
