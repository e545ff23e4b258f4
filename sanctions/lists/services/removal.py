"""Early removal: whether a list allows it after repair yet, and a listing taken off a list before
its term ends (after credit repair, or because the decision was revoked)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from registry.audit import audit_write
from registry.cache import enterprise_changed
from registry.choices import ChangeKind
from registry.permissions import is_registry_admin
from sanctions.choices import ListingStatus, NotificationEvent, RemovalReason
from sanctions.lists.notifications import notifications_create
from sanctions.lists.public import listing_change_emit
from sanctions.models import Listing
from sanctions.permissions import ensure_can_correct
from sanctions.records.publicity import add_months

from .steps import _locked, _rating_recompute_on_commit, _refuse


def can_remove_early(listing: Listing, *, today: dt.date | None = None) -> bool:
    """Whether the list's published rules allow early removal after repair on this date."""
    months = listing.list_kind.early_removal_after_months
    if months is None:
        return False
    return add_months(listing.start_date, months) <= (today or timezone.localdate())


@transaction.atomic
def listing_remove(*, actor: User, listing: Listing, reason: str, note: str = "") -> Listing:
    """Take an enterprise off a list before its term ends: after credit repair, or because the
    listing decision was revoked. A term that ends needs no removal (``listings_expire`` marks it).
    """
    listing = _locked(listing)
    if not is_registry_admin(actor):  # the credit platform decides some repairs itself
        ensure_can_correct(actor, listing.agency)
    if reason not in (RemovalReason.REPAIRED, RemovalReason.REVOKED):
        raise ValidationError(
            {
                "reason": [
                    _(
                        "A listing is removed early after credit repair, or revoked; "
                        "it ends by itself when its term ends."
                    )
                ]
            }
        )
    _refuse(listing.status, {ListingStatus.ACTIVE}, pgettext("cannot be", "removed"))
    note = (note or "").strip()
    if reason == RemovalReason.REVOKED and not note:
        raise ValidationError({"note": [_("Say why the listing decision was revoked.")]})
    today = timezone.localdate()
    if listing.end_date and listing.end_date <= today:
        raise ValidationError(_("This listing's term has already ended: it is no longer in force."))
    if reason == RemovalReason.REPAIRED and not can_remove_early(listing, today=today):
        if listing.list_kind.early_removal_after_months is None:
            raise ValidationError({"reason": [_("This list allows no early removal after repair.")]})
        raise ValidationError(
            {
                "reason": [
                    _("Early removal from this list is possible from %(date)s.")
                    % {
                        "date": add_months(
                            listing.start_date, listing.list_kind.early_removal_after_months
                        ).isoformat()
                    }
                ]
            }
        )
    listing.status = ListingStatus.REMOVED
    listing.removed_at = timezone.now()
    listing.removal_reason = reason
    listing.removal_note = note
    listing.save(update_fields=["status", "removed_at", "removal_reason", "removal_note", "updated_at"])
    audit_write(
        actor=actor,
        action=f"listing.remove.{reason}",
        target=listing,
        before={"status": ListingStatus.ACTIVE},
        after={"status": ListingStatus.REMOVED, "reason": reason, "note": note},
    )
    # A listing that had not started yet was never visible: nobody saw the enterprise enter.
    if listing.start_date <= today:
        notifications_create(listings=[listing], event=NotificationEvent.LEFT)
        listing_change_emit(kind=ChangeKind.LISTING_REMOVED, listing=listing)
    enterprise_changed(listing.enterprise_id)
    _rating_recompute_on_commit([listing.enterprise_id])
    return listing
