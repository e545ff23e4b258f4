"""What a credit report shows, as plain JSON values, and the checksum of it that the token signs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.utils import translation

from lookup.masking import public_listing_fields, sections_of
from registry.annual_reports import rules
from registry.annual_reports.selectors import PAGE_YEARS, annual_reports_public
from registry.details.public import public_registration_details, registration_details_read
from registry.models import Enterprise
from registry.selectors import division_describe
from sanctions.lists.recognition import STANDING, listing_unrecognised, record_unrecognised
from sanctions.lists.selectors import active_listings_for
from sanctions.lists.standing import penalty_counts, standing_from
from sanctions.records.selectors import public_records_for

# 2: the standing with its summary and counts, worded from what the report lists, and the listings
# in force. Reports issued in format 1 keep verifying: the checksum is of the content as stored.
FORMAT = "credit-report/2"


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
    """Everything the report shows, in the form whose checksum is signed, in ``language``.

    The standing is worked out from the very records and listings the report lists (read once),
    so that its summary can never contradict them.
    """
    records = list(
        public_records_for(enterprise=enterprise)
        .annotate(uncounted=record_unrecognised(STANDING))
        .order_by("-decision_date", "-id")
    )
    listings = list(
        active_listings_for(enterprise=enterprise)
        .annotate(uncounted=listing_unrecognised(STANDING))
        .order_by("list_kind__nature", "-start_date")
    )
    with translation.override(language):
        standing = standing_from(enterprise=enterprise, listings=listings, penalties=penalty_counts(records))
        return {
            "format": FORMAT,
            "number": number,
            "issued_at": issued_at.isoformat(),
            "language": language,
            "enterprise": enterprise_facts(enterprise),
            "standing": standing.as_dict() | {"details": standing.details},
            "records": sections_of(records),
            "listings": [public_listing_fields(entry, enterprise=enterprise) for entry in listings],
            # Added within format 2: a report issued before has no such key and renders without it.
            "annual_reports": annual_reports_content(enterprise=enterprise),
            # --- regdetails --- (natural-person shareholders masked, as on the page)
            "registration_details": public_registration_details(registration_details_read(enterprise)),
        }


def annual_reports_content(*, enterprise: Enterprise) -> list[dict[str, Any]]:
    """The latest years' annual reports as the credit page shows them (only the published figures)."""
    return [
        {
            "year": report["year"],
            "first_filed_on": _iso(report["first_filed_on"]),
            "corrected_on": [_iso(day) for day in report["corrected_on"]],
            "is_late": report["is_late"],
            **{name: report[name] for name in (*rules.PUBLIC_FIELDS, *rules.OPTIONAL_FIELDS)},
            "published_fields": report["published_fields"],
        }
        for report in annual_reports_public(enterprise=enterprise)[:PAGE_YEARS]
    ]


def canonical_json(content: dict[str, Any]) -> bytes:
    """One spelling per content: sorted keys, no spaces, UTF-8 (what the checksum is taken of)."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()
