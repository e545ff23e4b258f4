"""What of a credit record the public sees: one presentation shared by the credit page, the PDF
report and the public API, so that masking is decided once.

Personal data rules: an ID number is never shown; a natural person's name keeps its first and
last character (张*明; a two-character name keeps the first: 张*); a natural person's party
codes are left out. Which records are public at all is decided by
``sanctions.selectors.public_records_for``, never here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from registry.models import Enterprise
from sanctions.choices import LicenceCategory, LicenceStatus, PartyCategory, RecordKind, Severity
from sanctions.models import CreditRecord
from sanctions.records.selectors import public_records_for

MASK = "*"


def mask_person_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*, 欧阳小明 → 欧**明; a name of one character becomes *."""
    text = "".join((name or "").split()) if _is_cjk(name) else " ".join((name or "").split())
    if not text:
        return ""
    if len(text) == 1:
        return MASK
    if len(text) == 2:
        return text[0] + MASK
    return text[0] + MASK * (len(text) - 2) + text[-1]


def _is_cjk(text: str | None) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text or "")


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def public_record_fields(record: CreditRecord) -> dict[str, Any]:
    """The fields of a public record as anyone may see them: plain JSON values, personal data masked.

    Expects ``agency`` and ``publicity_rule`` loaded with the record (the selector does that).
    """
    natural_person = record.party_category == PartyCategory.NATURAL_PERSON
    rule = record.publicity_rule
    fields: dict[str, Any] = {
        "id": record.pk,
        "record_key": str(record.record_key),
        "version": record.version,
        "kind": record.kind,
        "document_number": record.document_number,
        "document_name": record.document_name,
        "party_name": mask_person_name(record.party_name) if natural_person else record.party_name,
        "party_category": record.party_category,
        "party_uscc": "" if natural_person else record.party_uscc,
        "legal_representative": mask_person_name(record.legal_representative),
        "content": record.content,
        "decision_date": _date(record.decision_date),
        "publicity_end": _date(record.publicity_end),
        "authority_name": record.authority_name,
        "authority_uscc": record.authority_uscc,
        "source_unit_name": record.source_unit_name,
        "source_unit_uscc": record.source_unit_uscc,
        "agency_name": record.agency.name,
        "agency_uscc": record.agency.uscc,
        "severity": record.severity,
        "is_exempt": record.is_exempt,
        "rule_name": rule.name if rule else "",
        "rule_legal_basis": rule.legal_basis if rule else "",
    }
    if record.kind == RecordKind.PENALTY:
        fields.update(
            {
                "violation_type": record.violation_type,
                "violation_facts": record.violation_facts,
                "legal_basis": record.legal_basis,
                "penalty_categories": list(record.penalty_categories or []),
                "fine_amount": _amount(record.fine_amount),
                "confiscated_amount": _amount(record.confiscated_amount),
                "suspended_licence": record.suspended_licence,
            }
        )
    elif record.kind == RecordKind.LICENCE:
        fields.update(
            {
                "licence_category": record.licence_category,
                "certificate_name": record.certificate_name,
                "certificate_number": record.certificate_number,
                "licence_status": record.licence_status,
                "valid_from": _date(record.valid_from),
                "valid_to": _date(record.valid_to),
            }
        )
    return fields


_LABELS = {
    "kind": RecordKind,
    "party_category": PartyCategory,
    "severity": Severity,
    "licence_category": LicenceCategory,
    "licence_status": LicenceStatus,
}


def with_labels(fields: dict[str, Any]) -> dict[str, Any]:
    """The same fields plus ``<name>_display`` labels in the active language, for pages and the PDF."""
    out = dict(fields)
    for name, choices in _LABELS.items():
        value = fields.get(name)
        if value:
            try:
                out[f"{name}_display"] = str(choices(value).label)
            except ValueError:
                out[f"{name}_display"] = value
    return out


SECTION_KINDS = (RecordKind.LICENCE, RecordKind.PENALTY, RecordKind.REWARD)


def section_title(kind: str) -> str:
    return str(
        {
            RecordKind.LICENCE: _("Administrative licences"),
            RecordKind.PENALTY: _("Administrative penalties"),
            RecordKind.REWARD: _("Rewards and commendations"),
        }[kind]
    )


def public_sections(*, enterprise: Enterprise) -> dict[str, list[dict[str, Any]]]:
    """The enterprise's public records by kind (licences, penalties, rewards), newest first, masked.

    One query, through the one visibility selector.
    """
    return sections_of(public_records_for(enterprise=enterprise).order_by("-decision_date", "-id"))


def sections_of(records) -> dict[str, list[dict[str, Any]]]:
    """Public records (from ``public_records_for``, in the order shown) by kind, masked."""
    sections: dict[str, list[dict[str, Any]]] = {kind.value: [] for kind in SECTION_KINDS}
    for record in records:
        sections.setdefault(record.kind, []).append(public_record_fields(record))
    return sections
