"""The clerk's side: draft an agency's listing (or send it straight to review), edit a draft, submit it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import pgettext

from registry.audit import audit_write
from registry.models import Agency, Enterprise
from sanctions.choices import ListingStatus
from sanctions.lists.validation import LISTING_FIELDS, cited_records_clean, listing_clean
from sanctions.models import CreditRecord, Listing, ListKind
from sanctions.permissions import ensure_can_edit

from .steps import _locked, _refuse, _save, _values


@transaction.atomic
def listing_create(
    *,
    actor: User,
    agency: Agency,
    enterprise: Enterprise,
    list_kind: ListKind,
    data: dict[str, Any],
    records: Iterable[CreditRecord | int] = (),
    submit: bool = False,
) -> Listing:
    """Draft an agency's decision to put an enterprise on a list (or send it straight to review)."""
    ensure_can_edit(actor, agency)
    cleaned = listing_clean(list_kind=list_kind, data=data)
    cited = cited_records_clean(enterprise=enterprise, records=records)
    listing = Listing(agency=agency, enterprise=enterprise, list_kind=list_kind, created_by=actor, **cleaned)
    if submit:
        listing.status = ListingStatus.SUBMITTED
    _save(listing)
    listing.records.set(cited)
    audit_write(
        actor=actor, action=f"listing.create.{listing.status}", target=listing, after=_values(listing)
    )
    return listing


@transaction.atomic
def listing_update(
    *,
    actor: User,
    listing: Listing,
    data: dict[str, Any],
    records: Iterable[CreditRecord | int] | None = None,
) -> Listing:
    """Edit a draft listing (one sent back by the reviewer is a draft again)."""
    listing = _locked(listing)
    ensure_can_edit(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.DRAFT}, pgettext("cannot be", "edited"))
    before = _values(listing)
    merged = {**{f: getattr(listing, f) for f in LISTING_FIELDS}, **data}
    cleaned = listing_clean(list_kind=listing.list_kind, data=merged)
    for field, value in cleaned.items():
        setattr(listing, field, value)
    _save(listing)
    if records is not None:
        listing.records.set(cited_records_clean(enterprise=listing.enterprise, records=records))
    after = _values(listing)
    changed = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
    if changed:
        audit_write(
            actor=actor,
            action="listing.edit",
            target=listing,
            before={k: v[0] for k, v in changed.items()},
            after={k: v[1] for k, v in changed.items()},
        )
    return listing


@transaction.atomic
def listing_submit(*, actor: User, listing: Listing) -> Listing:
    """Send a draft listing to the agency's reviewers."""
    listing = _locked(listing)
    ensure_can_edit(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.DRAFT}, pgettext("cannot be", "submitted"))
    listing.status = ListingStatus.SUBMITTED
    listing.save(update_fields=["status", "updated_at"])
    audit_write(
        actor=actor,
        action="listing.submit",
        target=listing,
        before={"status": ListingStatus.DRAFT},
        after={"status": ListingStatus.SUBMITTED},
    )
    return listing
