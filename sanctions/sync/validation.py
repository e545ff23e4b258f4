"""What a partner's event must look like before anything of it is stored.

A partner is another administration's server: its events are input like any other, and a broken or
hostile one must not get in. Each check raises ``EventRejected`` with a reason code (the admin lists
them) and a message naming the field. Text is stored as text: markup in it is not removed but shown
escaped, as every page of the portal escapes what it prints.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import models

from registry.choices import ChangeKind
from registry.validation import clean_uscc
from sanctions.choices import LicenceCategory, LicenceStatus, PartyCategory, RecordKind, Severity
from sanctions.models import CreditRecord, Listing

# Free text longer than this is refused, whatever the column would hold.
MAX_TEXT = 20_000
MAX_RAW_KEPT = 4_000
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class Reason(models.TextChoices):
    """Why an event was refused (``SyncRejection.reason``)."""

    MALFORMED = "malformed", "malformed"
    UNKNOWN_KIND = "unknown_kind", "unknown_kind"
    FORGED_PROVENANCE = "forged_provenance", "forged_provenance"
    BAD_USCC = "bad_uscc", "bad_uscc"
    MISSING_FIELD = "missing_field", "missing_field"
    OVERSIZED_FIELD = "oversized_field", "oversized_field"
    BAD_VALUE = "bad_value", "bad_value"
    UNKNOWN_LIST_KIND = "unknown_list_kind", "unknown_list_kind"
    UNKNOWN_DIVISION = "unknown_division", "unknown_division"
    NOT_APPLICABLE = "not_applicable", "not_applicable"


class EventRejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


RECORD_KINDS = {
    ChangeKind.RECORD_PUBLISHED,
    ChangeKind.RECORD_CORRECTED,
    ChangeKind.RECORD_WITHDRAWN,
    ChangeKind.RECORD_REVOKED,
    ChangeKind.RECORD_EXPIRED,
    ChangeKind.RECORD_REPAIRED,
}
LISTING_KINDS = {ChangeKind.LISTING_ENTERED, ChangeKind.LISTING_REMOVED}
ENTERPRISE_KINDS = {
    ChangeKind.ENTERPRISE_REGISTERED,
    ChangeKind.ENTERPRISE_CHANGED,
    ChangeKind.ENTERPRISE_DEREGISTERED,
}
# Kinds that concern only the platform that issued them (its own badges): read and passed over.
IGNORED_KINDS = {ChangeKind.BADGE_REVOKED}


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length or MAX_TEXT


def text(data: dict, name: str, *, model=CreditRecord, column: str | None = None, required=False) -> str:
    """A text field of the payload: a string no longer than its column (or MAX_TEXT)."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise EventRejected(Reason.MISSING_FIELD, f"payload.{name} is required")
        return ""
    if not isinstance(value, str):
        raise EventRejected(Reason.BAD_VALUE, f"payload.{name} must be text")
    limit = min(_max_length(model, column or name), MAX_TEXT)
    if len(value) > limit:
        raise EventRejected(
            Reason.OVERSIZED_FIELD, f"payload.{name} has {len(value)} characters, at most {limit}"
        )
    if "\x00" in value:
        raise EventRejected(Reason.BAD_VALUE, f"payload.{name} contains a NUL character")
    return value


def uscc(value: Any, field: str) -> str:
    """A USCC that passes its check character (GB 32100-2015)."""
    if not isinstance(value, str) or not value:
        raise EventRejected(Reason.MISSING_FIELD, f"{field} is required")
    try:
        code, _legacy = clean_uscc(value)
    except ValueError as exc:
        raise EventRejected(Reason.BAD_USCC, f"{field} {value[:40]!r} is not a valid USCC: {exc}") from None
    return code


def date(data: dict, name: str, *, required: bool = False) -> dt.date | None:
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise EventRejected(Reason.MISSING_FIELD, f"payload.{name} is required")
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise EventRejected(Reason.BAD_VALUE, f"payload.{name} is not a date (YYYY-MM-DD)") from None


def amount(data: dict, name: str) -> Decimal | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise EventRejected(Reason.BAD_VALUE, f"payload.{name} is not a number") from None
    if not number.is_finite() or number < 0 or number >= Decimal(10) ** 8:
        raise EventRejected(Reason.BAD_VALUE, f"payload.{name} is out of range")
    return number.quantize(Decimal("0.000001"))


def choice(data: dict, name: str, choices, *, required: bool = False) -> str:
    value = data.get(name) or ""
    if not value:
        if required:
            raise EventRejected(Reason.MISSING_FIELD, f"payload.{name} is required")
        return ""
    if value not in choices.values:
        raise EventRejected(Reason.BAD_VALUE, f"payload.{name} {str(value)[:40]!r} is not one of ours")
    return value


def record_key(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise EventRejected(Reason.BAD_VALUE, "subject is not a record key (a UUID)") from None


def version(data: dict) -> int:
    value = data.get("version")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 32767:
        raise EventRejected(Reason.MISSING_FIELD, "payload.version is required (a whole number)")
    return value


def envelope(event: Any, *, partner_code: str, relayed: set[str]) -> dict[str, Any]:
    """The event's common fields checked: a mapping with a known kind, a payload and a source
    platform that this partner may speak for (its own code, or one it is registered to relay)."""
    if not isinstance(event, dict):
        raise EventRejected(Reason.MALFORMED, "an event must be a JSON object")
    kind = event.get("kind")
    if not isinstance(kind, str) or kind not in ChangeKind.values:
        raise EventRejected(Reason.UNKNOWN_KIND, f"unknown event kind {str(kind)[:64]!r}")
    if not isinstance(event.get("payload"), dict):
        raise EventRejected(Reason.MISSING_FIELD, "payload is required (a JSON object)")
    subject = event.get("subject")
    if not isinstance(subject, str) or not subject or len(subject) > 64:
        raise EventRejected(Reason.MISSING_FIELD, "subject is required (at most 64 characters)")
    source = event.get("source_platform")
    if not isinstance(source, str) or not _CODE.match(source):
        raise EventRejected(Reason.MISSING_FIELD, "source_platform is required (a platform code)")
    if source != partner_code and source != settings.PLATFORM_CODE and source not in relayed:
        raise EventRejected(
            Reason.FORGED_PROVENANCE,
            f"the event claims to come from {source!r}, but it was read from {partner_code!r}, "
            "which is not registered to relay that platform",
        )
    agency = event.get("agency")
    if agency is not None and not isinstance(agency, str):
        raise EventRejected(Reason.BAD_VALUE, "agency must be a USCC or null")
    return event


def record_fields(payload: dict, kind: str) -> dict[str, Any]:
    """A published or corrected record's payload as CreditRecord columns (the public fields only)."""
    record_kind = choice(payload, "kind", RecordKind, required=True)
    if record_kind != kind:
        raise EventRejected(Reason.BAD_VALUE, "payload.kind changed: a record keeps its kind")
    party_category = choice(payload, "party_category", PartyCategory, required=True)
    fields: dict[str, Any] = {
        "kind": record_kind,
        "document_number": text(payload, "document_number", required=True),
        "document_name": text(payload, "document_name"),
        "party_name": text(payload, "party_name", required=True),
        "party_category": party_category,
        "party_uscc": "",
        "legal_representative": text(payload, "legal_representative"),
        "content": text(payload, "content"),
        "decision_date": date(payload, "decision_date", required=True),
        "publicity_end": date(payload, "publicity_end"),
        "authority_name": text(payload, "authority_name", required=True),
        "authority_uscc": uscc(payload.get("authority_uscc"), "payload.authority_uscc"),
        "source_unit_name": text(payload, "source_unit_name", required=True),
        "source_unit_uscc": uscc(payload.get("source_unit_uscc"), "payload.source_unit_uscc"),
        "severity": choice(payload, "severity", Severity),
        "is_exempt": payload.get("is_exempt") is True,
    }
    if payload.get("party_uscc") and party_category != PartyCategory.NATURAL_PERSON:
        fields["party_uscc"] = uscc(payload["party_uscc"], "payload.party_uscc")
    if fields["is_exempt"]:
        fields["exemption_reason"] = "豁免（来源平台）"
    if record_kind == RecordKind.PENALTY:
        categories = payload.get("penalty_categories") or []
        if not isinstance(categories, list) or len(categories) > 20:
            raise EventRejected(Reason.BAD_VALUE, "payload.penalty_categories must be a short list")
        for category in categories:
            if not isinstance(category, str) or not _CODE.match(category):
                raise EventRejected(Reason.BAD_VALUE, "payload.penalty_categories holds codes only")
        fields.update(
            violation_type=text(payload, "violation_type"),
            violation_facts=text(payload, "violation_facts"),
            legal_basis=text(payload, "legal_basis"),
            penalty_categories=categories,
            fine_amount=amount(payload, "fine_amount"),
            confiscated_amount=amount(payload, "confiscated_amount"),
            suspended_licence=text(payload, "suspended_licence"),
        )
    elif record_kind == RecordKind.LICENCE:
        fields.update(
            licence_category=choice(payload, "licence_category", LicenceCategory),
            certificate_name=text(payload, "certificate_name"),
            certificate_number=text(payload, "certificate_number"),
            licence_status=choice(payload, "licence_status", LicenceStatus),
            valid_from=date(payload, "valid_from"),
            valid_to=date(payload, "valid_to"),
        )
    return fields


def listing_fields(payload: dict) -> dict[str, Any]:
    """A listing's payload as Listing columns."""
    start = date(payload, "start_date", required=True)
    end = date(payload, "end_date")
    if end is not None and end <= start:
        raise EventRejected(Reason.BAD_VALUE, "payload.end_date must be after start_date")
    return {
        "document_number": text(payload, "document_number", model=Listing, required=True),
        "grounds": text(payload, "grounds", model=Listing, required=True),
        "legal_basis": text(payload, "legal_basis", model=Listing, required=True),
        "removal_conditions": text(payload, "removal_conditions", model=Listing),
        "start_date": start,
        "end_date": end,
    }


def raw_excerpt(event: Any) -> str:
    """The event as received, truncated, for the rejection log."""
    import json

    try:
        text_ = json.dumps(event, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text_ = repr(event)
    return text_[:MAX_RAW_KEPT] + ("…" if len(text_) > MAX_RAW_KEPT else "")
