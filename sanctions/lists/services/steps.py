"""The steps the listing writes share: the enterprise's rating recomputed on commit, a listing's
values as its audit entry shows them, the save that names a decision number the agency already
used, the row lock, and a change refused in a status it does not apply to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from registry.audit import snapshot
from registry.background import task_on_commit
from sanctions import task_names
from sanctions.choices import ListingStatus
from sanctions.lists.validation import LISTING_FIELDS
from sanctions.models import Listing


def _rating_recompute_on_commit(enterprise_ids: Iterable[int]) -> None:
    for enterprise_id in sorted(set(enterprise_ids)):
        task_on_commit(task_names.RATING_RECOMPUTE, enterprise_id)


def _values(listing: Listing) -> dict[str, Any]:
    values = snapshot(listing, [*LISTING_FIELDS, "list_kind_id", "enterprise_id", "agency_id", "status"])
    if listing.pk:
        values["records"] = sorted(listing.records.values_list("pk", flat=True))
    return values


def _save(listing: Listing) -> None:
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError as exc:
        if (
            Listing.objects.filter(agency=listing.agency, document_number=listing.document_number)
            .exclude(pk=listing.pk)
            .exists()
        ):
            raise ValidationError(
                {
                    "document_number": [
                        _("Your agency already has a listing with decision number %(number)s.")
                        % {"number": listing.document_number}
                    ]
                }
            ) from None
        raise ValidationError(str(exc)) from None


def _locked(listing: Listing) -> Listing:
    return (
        Listing.objects.select_for_update()
        .select_related("agency", "list_kind", "enterprise")
        .get(pk=listing.pk)
    )


def _refuse(status_now: str, allowed: set[ListingStatus], what: str) -> None:
    if status_now not in allowed:
        raise ValidationError(
            _("A listing that is “%(status)s” cannot be %(what)s.")
            % {"status": ListingStatus(status_now).label, "what": what}
        )
