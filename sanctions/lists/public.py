"""A listing in force as anyone may see it: the one builder of its fields, shared by the credit
page, the report, the public API (through ``lookup.masking``) and the change feed's events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from registry.changes import change_emit, change_emit_many
from registry.choices import ChangeKind
from registry.models import Enterprise
from sanctions.lists.standing import list_display_name
from sanctions.models import Listing
from sanctions.records.personal_data import public_text


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


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
        "source_platform": entry.source_platform or settings.PLATFORM_CODE,
        "source_platform_name": entry.source_platform_name,
        "source_platform_name_en": entry.source_platform_name_en,
    }


def listing_removal_payload(entry: Listing) -> dict[str, Any]:
    """What a removal event says of a listing: only what identifies it."""
    return {
        "id": entry.pk,
        "list_kind": entry.list_kind_id,
        "document_number": entry.document_number,
        "agency_uscc": entry.agency.uscc,
    }


def listing_change_emit(*, kind: str, listing: Listing) -> None:
    """Write the change-feed event of a listing in the current transaction."""
    payload = (
        public_listing_fields(listing, enterprise=listing.enterprise)
        if kind == ChangeKind.LISTING_ENTERED
        else listing_removal_payload(listing)
    )
    change_emit(
        kind=kind,
        enterprise_uscc=listing.enterprise.uscc,
        # A partner's listing keeps the id it has at its source, so that every platform following
        # the copies names it alike.
        subject=listing.original_id or str(listing.pk),
        payload=payload,
        agency_code=listing.agency.uscc,
        source_platform=listing.source_platform or None,
    )


def listings_removal_emit(*, listings: list[Listing]) -> int:
    """The removal events of many listings in one multi-row INSERT (``agency``, ``enterprise`` loaded)."""
    return change_emit_many(
        {
            "kind": ChangeKind.LISTING_REMOVED,
            "enterprise_uscc": x.enterprise.uscc,
            "subject": x.original_id or str(x.pk),
            "payload": listing_removal_payload(x),
            "agency_code": x.agency.uscc,
            "source_platform": x.source_platform or None,
        }
        for x in listings
    )
