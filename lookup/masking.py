"""What of a credit record the public sees: one presentation shared by the credit page, the PDF
report, the public API and the badges, so that masking is decided once.

The policy (``docs/domain.md`` §2, "Personal data on public pages"):

- Registration facts are public as the enterprise publicity rules publish them: the legal
  representative (or operator, or person in charge) of a registered entity is shown in full, in
  the registration block and in a record's party block alike — the double-publicity format
  publishes CF_FRDB — and a natural person's ID number (CF_FRDB_ZJHM) never.
- A natural person who is a record's party is shown masked (张*丰), wherever the name occurs,
  and the party's codes are left out.
- Free text (facts, basis, content, grounds, commitments …) is passed through
  ``registry.personal_data``: resident ID numbers and phone numbers, whoever's, are masked
  wherever they occur, as are the record's own identity document number and its natural-person
  party's name.

Which records are public at all is decided by ``sanctions.records.selectors.public_records_for``,
never here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from registry.models import Enterprise
from registry.personal_data import mask_person_name
from sanctions.choices import LicenceCategory, LicenceStatus, PartyCategory, RecordKind, Severity
from sanctions.lists.standing import list_display_name
from sanctions.models import CreditRecord
from sanctions.records.personal_data import (
    public_legal_representative,
    public_party_name,
    public_text,
    record_text_masker,
)
from sanctions.records.selectors import public_records_for

__all__ = [
    "mask_person_name",
    "public_listing_fields",
    "public_record_fields",
    "public_text",
    "record_masker",
]


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


def public_listing_fields(entry, *, enterprise: Enterprise | None = None) -> dict[str, Any]:
    """A listing in force as anyone may see it (its grounds masked like any free text).

    Expects ``list_kind`` and ``agency`` loaded with it (``active_listings_for`` does that).
    """
    codes = (enterprise.uscc,) if enterprise is not None else ()
    return {
        "id": entry.pk,
        "list_kind": entry.list_kind_id,
        "list_name": entry.list_kind.name,
        "list_name_display": list_display_name(entry.list_kind.name, entry.list_kind.name_en),
        "nature": entry.list_kind.nature,
        "agency": entry.agency.name,
        "agency_uscc": entry.agency.uscc,
        "document_number": entry.document_number,
        "grounds": public_text(entry.grounds, codes=codes),
        "legal_basis": public_text(entry.legal_basis, codes=codes),
        "start_date": _date(entry.start_date),
        "end_date": _date(entry.end_date),
        "removal_conditions": entry.removal_conditions,
    }


_LABELS = {
    "kind": RecordKind,
    "party_category": PartyCategory,
    "severity": Severity,
    "licence_category": LicenceCategory,
    "licence_status": LicenceStatus,
}


# Labels by language and field: a choice's ``label`` is a lazy translation, which costs a catalogue
# lookup each time it is made a string (a page makes some thirty).
_LABEL_MAPS: dict[tuple[str | None, str], dict[str, str]] = {}


def _label_map(name: str) -> dict[str, str]:
    key = (translation.get_language(), name)
    labels = _LABEL_MAPS.get(key)
    if labels is None:
        labels = _LABEL_MAPS[key] = {choice.value: str(choice.label) for choice in _LABELS[name]}
    return labels


def with_labels(fields: dict[str, Any]) -> dict[str, Any]:
    """The same fields plus ``<name>_display`` labels in the active language, for pages and the PDF."""
    out = dict(fields)
    for name in _LABELS:
        value = fields.get(name)
        if value:
            out[f"{name}_display"] = _label_map(name).get(value, value)
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
