"""A public credit record as anyone may see it: the one builder of its fields, shared by the credit
page, the PDF report, the public API, the badges (through ``lookup.masking``) and the change feed's
event payloads (``record_change_payload``), so that what is shown and masked is decided once.

The masking policy is described in ``lookup.masking``; which records are public at all is decided by
``sanctions.records.selectors.public_records``, never here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings

from registry.changes import REMOVAL_KINDS, change_emit, change_emit_many
from sanctions.choices import PartyCategory, RecordKind
from sanctions.models import CreditRecord
from sanctions.records.personal_data import (
    public_legal_representative,
    public_party_name,
    record_text_masker,
)
from sanctions.records.selectors import public_records


def record_masker(record: CreditRecord) -> Callable[[str | None], str]:
    """The masking of one record's free text: its natural-person party's name and its identity
    document number, besides any ID or phone number (which persons: ``sanctions.records.personal_data``)."""
    return record_text_masker(record)


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def public_record_fields(record: CreditRecord) -> dict[str, Any]:
    """The fields of a public record as anyone may see them: plain JSON values, personal data masked.

    Expects ``agency`` and ``publicity_rule`` loaded with the record (the selector does that).
    """
    natural_person = record.party_category == PartyCategory.NATURAL_PERSON
    mask = record_masker(record)
    rule = record.publicity_rule
    fields: dict[str, Any] = {
        "id": record.pk,
        "record_key": str(record.record_key),
        "version": record.version,
        "kind": record.kind,
        "document_number": record.document_number,
        "document_name": mask(record.document_name),
        "party_name": public_party_name(record),
        "party_category": record.party_category,
        "party_uscc": "" if natural_person else record.party_uscc,
        "legal_representative": public_legal_representative(record),
        "content": mask(record.content),
        "decision_date": _date(record.decision_date),
        "publicity_end": _date(record.publicity_end),
        "authority_name": record.authority_name,
        "authority_uscc": record.authority_uscc,
        "source_unit_name": record.source_unit_name,
        "source_unit_uscc": record.source_unit_uscc,
        "agency_name": record.agency.name,
        "agency_uscc": record.agency.uscc,
        "source_platform": record.source_platform or settings.PLATFORM_CODE,
        "source_platform_name": record.source_platform_name,
        "source_platform_name_en": record.source_platform_name_en,
        "severity": record.severity,
        "is_exempt": record.is_exempt,
        "rule_name": rule.name if rule else "",
        "rule_legal_basis": rule.legal_basis if rule else "",
    }
    if record.kind == RecordKind.PENALTY:
        fields.update(
            {
                "violation_type": mask(record.violation_type),
                "violation_facts": mask(record.violation_facts),
                "legal_basis": mask(record.legal_basis),
                "penalty_categories": list(record.penalty_categories or []),
                "fine_amount": _amount(record.fine_amount),
                "confiscated_amount": _amount(record.confiscated_amount),
                "suspended_licence": mask(record.suspended_licence),
            }
        )
    elif record.kind == RecordKind.LICENCE:
        fields.update(
            {
                "licence_category": record.licence_category,
                "certificate_name": mask(record.certificate_name),
                "certificate_number": mask(record.certificate_number),
                "licence_status": record.licence_status,
                "valid_from": _date(record.valid_from),
                "valid_to": _date(record.valid_to),
            }
        )
    return fields


def record_is_public(record: CreditRecord) -> bool:
    """Whether anyone may see this version now (the one visibility selector, inside the caller's
    transaction, so its own uncommitted change counts)."""
    return public_records().filter(pk=record.pk).exists()


def record_removal_payload(record: CreditRecord) -> dict[str, Any]:
    """What a removal event says of a record: only what identifies it, so a mirror can delete it."""
    return {
        "record_key": str(record.record_key),
        "version": record.version,
        "document_number": record.document_number,
        "agency_uscc": record.agency.uscc,
    }


def record_change_emit(*, kind: str, record: CreditRecord) -> None:
    """Write the change-feed event of a record in the current transaction: its public fields for
    publication and correction, its identifiers for a removal."""
    payload = record_removal_payload(record) if kind in REMOVAL_KINDS else public_record_fields(record)
    change_emit(
        kind=kind,
        enterprise_uscc=record.enterprise.uscc,
        subject=str(record.record_key),
        payload=payload,
        agency_code=record.agency.uscc,
        source_platform=record.source_platform or None,
    )


def records_removal_emit(*, kind: str, records: list[CreditRecord]) -> int:
    """The removal events of many records (a batch of the expiry) in one multi-row INSERT. Expects
    ``agency`` and ``enterprise`` loaded."""
    return change_emit_many(
        {
            "kind": kind,
            "enterprise_uscc": r.enterprise.uscc,
            "subject": str(r.record_key),
            "payload": record_removal_payload(r),
            "agency_code": r.agency.uscc,
            "source_platform": r.source_platform or None,
        }
        for r in records
    )
