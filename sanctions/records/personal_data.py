"""Personal data in a record's free text: which natural persons a record names, what of them its
free text holds, and the warning the clerk sees at entry (the desk form, the records API) and on
an import's page.

Detection is ``registry.personal_data``'s; this module says, once, which persons and codes of a
record it looks for: the party's name and its legal representative's when the party is a natural
person, the record's identity document number whoever it belongs to, and the record's own codes
(never taken for ID numbers). The public masking (``lookup.masking``) uses the same.

A warning, not an error: the record is saved all the same (the public outputs mask what is
found), but the clerk is told so that the text can say what it must without it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from registry.personal_data import Finding, find_personal_data, mask_person_name, mask_personal_data
from sanctions.choices import ImportStatus, PartyCategory
from sanctions.models import CreditRecord, ImportBatch, RecordEvent

# The free text of a record that the clerk types, in form order.
FREE_TEXT_FIELDS = (
    "document_name",
    "violation_type",
    "violation_facts",
    "legal_basis",
    "content",
    "suspended_licence",
    "certificate_name",
    "exemption_reason",
    "remarks",
)
# The structured fields that say whom the free text may name.
PERSON_FIELDS = (
    "party_category",
    "party_name",
    "legal_representative",
    "legal_rep_id_number",
    "party_uscc",
    "authority_uscc",
    "source_unit_uscc",
)
WARNING_CODE = "personal_data"


@dataclass(frozen=True)
class Persons:
    """Whom a record's free text may name: see the module's docstring."""

    names: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()


def _value(data: Any, name: str) -> str:
    value = data.get(name) if isinstance(data, Mapping) else getattr(data, name, "")
    return "" if value is None else str(value)


def record_persons(data: Any) -> Persons:
    """The persons and codes of a record, or of a record's data as typed (a mapping)."""
    names = (
        (_value(data, "party_name"), _value(data, "legal_representative")) if is_natural_person(data) else ()
    )
    return Persons(
        names=tuple(n for n in names if n),
        identifiers=tuple(i for i in (_value(data, "legal_rep_id_number"),) if i),
        codes=tuple(
            c for c in (_value(data, n) for n in ("party_uscc", "authority_uscc", "source_unit_uscc")) if c
        ),
    )


def is_natural_person(data: Any) -> bool:
    return _value(data, "party_category") == PartyCategory.NATURAL_PERSON


def public_party_name(data: Any) -> str:
    """The party's name as the public sees it: in part (张*丰) for a natural person."""
    name = _value(data, "party_name")
    return mask_person_name(name) if is_natural_person(data) else name


def public_legal_representative(data: Any) -> str:
    """In full, a registration fact; in part when the party is a natural person (docs/domain.md §2)."""
    name = _value(data, "legal_representative")
    return mask_person_name(name) if is_natural_person(data) else name


def public_text(text: str | None, *, codes: tuple[str, ...] = ()) -> str:
    """Free text that names no natural person the registry knows of (a listing's grounds, a
    commitment's content): ID numbers and phone numbers masked."""
    return mask_personal_data(text or "", codes=codes)


def record_text_masker(data: Any) -> Callable[[str | None], str]:
    """Masks one record's free text for the public: see ``lookup.masking``."""
    persons = record_persons(data)

    def mask(text: str | None) -> str:
        return mask_personal_data(
            text or "", names=persons.names, identifiers=persons.identifiers, codes=persons.codes
        )

    return mask


def record_findings(data: Any, *, fields: tuple[str, ...] = FREE_TEXT_FIELDS) -> dict[str, list[Finding]]:
    """Per free-text field, what personal data it holds (only fields that hold some)."""
    persons = record_persons(data)
    found = {}
    for name in fields:
        text = _value(data, name)
        findings = find_personal_data(
            text, names=persons.names, identifiers=persons.identifiers, codes=persons.codes
        )
        if findings:
            found[name] = findings
    return found


def field_label(name: str) -> str:
    return str(CreditRecord._meta.get_field(name).verbose_name)


def finding_kinds(findings: list[Finding]) -> str:
    """ "resident ID number, phone number": each kind once, in the order found."""
    labels = list(dict.fromkeys(f.label for f in findings))
    return _(", ").join(labels)


def warning_message(findings: list[Finding]) -> str:
    return _(
        "This text holds personal data (%(kinds)s). Public pages, the API and the credit report "
        "will show it masked; remove it unless the decision needs it."
    ) % {"kinds": finding_kinds(findings)}


def personal_data_warnings(data: Any) -> list[dict[str, str]]:
    """The warnings for a record or its data: ``{"field", "label", "message", "code"}``, one per field."""
    return [
        {
            "field": name,
            "label": field_label(name),
            "message": warning_message(findings),
            "code": WARNING_CODE,
        }
        for name, findings in record_findings(data).items()
    ]


# --- Imports ---------------------------------------------------------------------------------------

# A first sieve in the database: text that may hold an ID or phone number (a run of 7 or more
# digits, full-width ones too) or that holds the natural-person party's name. The rows it lets
# through are then checked exactly.
_DIGITS = r"[0-9０-９]([ -]?[0-9０-９]){6,}"


def _candidates(batch: ImportBatch) -> QuerySet[CreditRecord]:
    text = Q()
    for name in FREE_TEXT_FIELDS:
        text |= Q(**{f"{name}__regex": _DIGITS})
    return CreditRecord.objects.filter(import_batch=batch).filter(
        text | Q(party_category=PartyCategory.NATURAL_PERSON) | ~Q(legal_rep_id_number="")
    )


@dataclass(frozen=True)
class ImportRowWarning:
    row: int | None
    record: CreditRecord
    field: str
    label: str
    kinds: str


def import_personal_data(batch: ImportBatch, *, limit: int = 100) -> tuple[list[ImportRowWarning], int]:
    """(The warnings of the first ``limit`` rows, the number of rows with any): the rows of an
    import whose free text holds personal data, in file order, from the records the import created
    (as they are now: a draft the clerk has cleaned no longer shows). Nothing while it runs."""
    if batch.status != ImportStatus.DONE:
        return [], 0
    records = _candidates(batch).only(
        "id",
        "document_number",
        *FREE_TEXT_FIELDS,
        *(f for f in PERSON_FIELDS if f not in FREE_TEXT_FIELDS),
    )
    found = []
    for record in records.iterator(chunk_size=2000):
        fields = record_findings(record)
        if fields:
            found.append((record, fields))
    rows = dict(
        RecordEvent.objects.filter(record_id__in=[r.pk for r, _f in found], action="create").values_list(
            "record_id", "changes__row"
        )
    )
    found.sort(key=lambda item: (rows.get(item[0].pk) or 0, item[0].pk))
    warnings = [
        ImportRowWarning(rows.get(record.pk), record, name, field_label(name), finding_kinds(findings))
        for record, fields in found[:limit]
        for name, findings in fields.items()
    ]
    return warnings, len(found)
