"""What a credit report shows, as plain JSON values, and the checksum of it that the token signs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from lookup.masking import public_sections
from registry.models import Enterprise
from registry.selectors import division_describe
from sanctions.lists.standing import enterprise_standing

FORMAT = "credit-report/1"


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def enterprise_facts(enterprise: Enterprise) -> dict[str, Any]:
    """The registration facts the credit page shows, as plain JSON values."""
    division = division_describe(enterprise.division_code)
    return {
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "status": enterprise.status,
        "entity_type": enterprise.entity_type,
        "legal_representative": enterprise.legal_representative,
        "registered_capital": (
            None
            if enterprise.registered_capital is None
            else format(enterprise.registered_capital.normalize(), "f")
        ),
        "established_on": _iso(enterprise.established_on),
        "domicile": enterprise.domicile,
        "registration_authority": enterprise.registration_authority,
        "industry": enterprise.industry,
        "division_code": enterprise.division_code,
        "division_name": division["name"] if division else None,
        "former_names": [f.name for f in enterprise.former_names.all()],
        "registration_number": enterprise.registration_number,
        "organization_code": enterprise.organization_code,
        "tax_number": enterprise.tax_number,
        "is_legacy_code": enterprise.is_legacy_code,
        "source": enterprise.source,
        "updated_at": _iso(enterprise.updated_at),
    }


def report_content(
    *, enterprise: Enterprise, number: str, issued_at: dt.datetime, language: str
) -> dict[str, Any]:
    """Everything the report shows, in the form whose checksum is signed."""
    standing = enterprise_standing(enterprise=enterprise)
    return {
        "format": FORMAT,
        "number": number,
        "issued_at": issued_at.isoformat(),
        "language": language,
        "enterprise": enterprise_facts(enterprise),
        "standing": {"level": standing.level, "label": standing.label, "reasons": list(standing.reasons)},
        "records": public_sections(enterprise=enterprise),
    }


def canonical_json(content: dict[str, Any]) -> bytes:
    """One spelling per content: sorted keys, no spaces, UTF-8 (what the checksum is taken of)."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()
