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
never here. The builders themselves live with what they present (``sanctions.records.public``,
``sanctions.lists.public``), where the services that write change-feed events use them too.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from registry.language import in_reader_language
from registry.models import Enterprise
from registry.personal_data import mask_person_name
from sanctions.choices import LicenceCategory, LicenceStatus, PartyCategory, RecordKind, Severity
from sanctions.lists.public import public_listing_fields
from sanctions.records.personal_data import public_text
from sanctions.records.public import public_record_fields, record_masker
from sanctions.records.selectors import public_records_for

__all__ = [
    "mask_person_name",
    "public_listing_fields",
    "public_record_fields",
    "public_text",
    "record_masker",
]


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
    if fields.get("source_platform_name"):
        # A partner platform's copy: its source named in the reader's language when it has that name.
        out["source_platform_display"] = in_reader_language(
            fields["source_platform_name"], fields.get("source_platform_name_en")
        )
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
