"""The reviewer's side: send a submitted listing back with a comment, or publish it (four eyes)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from registry.audit import audit_write
from registry.cache import enterprise_changed
from registry.choices import ChangeKind
from sanctions.choices import ListingStatus, NotificationEvent
from sanctions.lists.notifications import notifications_create
from sanctions.lists.public import listing_change_emit
from sanctions.models import Listing
from sanctions.permissions import ensure_can_review

from .steps import _locked, _rating_recompute_on_commit, _refuse


@transaction.atomic
def listing_send_back(*, actor: User, listing: Listing, comment: str) -> Listing:
    """Return a submitted listing to its author with the reviewer's comment."""
    listing = _locked(listing)
    ensure_can_review(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.SUBMITTED}, pgettext("cannot be", "sent back"))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Tell the clerk what to change.")]})
    listing.status = ListingStatus.DRAFT
    listing.review_comment = comment
    listing.save(update_fields=["status", "review_comment", "updated_at"])
    audit_write(
        actor=actor,
        action="listing.send_back",
        target=listing,
        before={"status": ListingStatus.SUBMITTED},
        after={"status": ListingStatus.DRAFT, "comment": comment},
    )
    return listing


@transaction.atomic
def listing_publish(*, actor: User, listing: Listing) -> Listing:
    """Approve a submitted listing: the enterprise is on the list from its start date, publicly.

    The reviewer must belong to the listing's agency and must not be its author (four eyes).
    """
    listing = _locked(listing)
    ensure_can_review(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.SUBMITTED}, pgettext("cannot be", "published"))
    if listing.created_by_id == actor.pk:
        raise ValidationError(_("You wrote this listing: another reviewer must approve it (four eyes)."))
    today = timezone.localdate()
    if listing.end_date and listing.end_date <= today:
        raise ValidationError(
            {"end_date": [_("This listing's term has already ended: it cannot be published.")]}
        )
    listing.status = ListingStatus.ACTIVE
    listing.published_by = actor
    listing.published_at = timezone.now()
    listing.review_comment = ""
    listing.save(update_fields=["status", "published_by", "published_at", "review_comment", "updated_at"])
    audit_write(
        actor=actor,
        action="listing.publish",
        target=listing,
        before={"status": ListingStatus.SUBMITTED},
        after={
            "status": ListingStatus.ACTIVE,
            "start_date": listing.start_date,
            "end_date": listing.end_date,
        },
    )
    notifications_create(listings=[listing], event=NotificationEvent.ENTERED)
    # In the change feed once it is in force; a listing that starts later is not public yet.
    if listing.start_date <= today:
        listing_change_emit(kind=ChangeKind.LISTING_ENTERED, listing=listing)
    enterprise_changed(listing.enterprise_id)
    _rating_recompute_on_commit([listing.enterprise_id])
    return listing
