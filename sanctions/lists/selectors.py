"""Reads for lists: the listings in force (public), the listings a member of staff works on, and an
agency's subscriptions and notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from registry.models import Agency, Enterprise, StaffRole
from sanctions.choices import ListingStatus
from sanctions.models import Listing, ListKind, ListSubscription, Notification
from sanctions.permissions import REVIEW_ROLES, get_for_staff, restrict_to_staff


def active_listings(*, today: dt.date | None = None) -> QuerySet[Listing]:
    """Listings in force: published, started, and not past their end (which needs no job to run)."""
    today = today or timezone.localdate()
    return (
        Listing.objects.filter(status=ListingStatus.ACTIVE, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .select_related("list_kind", "agency")
    )


def active_listings_for(*, enterprise: Enterprise, today: dt.date | None = None) -> QuerySet[Listing]:
    return active_listings(today=today).filter(enterprise=enterprise)


def listings_starting(*, today: dt.date | None = None) -> list[int]:
    """Enterprises whose published listing starts today: their rating changes today."""
    today = today or timezone.localdate()
    return list(
        Listing.objects.filter(status=ListingStatus.ACTIVE, start_date=today)
        .values_list("enterprise_id", flat=True)
        .distinct()
    )


def list_kinds_public(*, today: dt.date | None = None) -> QuerySet[ListKind]:
    """The lists in use, each with how many enterprises are on it today."""
    today = today or timezone.localdate()
    in_force = Q(listings__status=ListingStatus.ACTIVE, listings__start_date__lte=today) & (
        Q(listings__end_date__isnull=True) | Q(listings__end_date__gt=today)
    )
    return ListKind.objects.filter(active=True).annotate(current=Count("listings", filter=in_force))


def listings_on(*, list_kind: ListKind, today: dt.date | None = None) -> QuerySet[Listing]:
    """Who is on a list today: public information."""
    return (
        active_listings(today=today)
        .filter(list_kind=list_kind)
        .select_related("enterprise")
        .order_by("-start_date", "-id")
    )


# --- Staff ---------------------------------------------------------------------------------------------


def _staff_listings() -> QuerySet[Listing]:
    return Listing.objects.select_related("list_kind", "enterprise", "agency", "created_by")


def listings_for_staff(*, user: User) -> QuerySet[Listing]:
    """The listings of the agencies the user works for (registry administrators: all)."""
    return restrict_to_staff(_staff_listings(), user)


def listing_get_for_staff(*, user: User, pk: int) -> Listing:
    """The listing if the user's agency owns it; otherwise 404, so that others' drafts stay unknown."""
    return get_for_staff(_staff_listings(), user, pk=pk)


def listing_review_queue(*, user: User) -> QuerySet[Listing]:
    """Submitted listings of the agencies the user reviews for, except the user's own (four eyes)."""
    agency_ids = StaffRole.objects.filter(user=user, role__in=REVIEW_ROLES).values_list(
        "agency_id", flat=True
    )
    return (
        _staff_listings()
        .filter(agency_id__in=agency_ids, status=ListingStatus.SUBMITTED)
        .exclude(created_by=user)
        .order_by("updated_at")
    )


# --- An agency's subscriptions and notifications ---------------------------------------------------------
# These belong to the agency that follows an enterprise, not to the agency that decided a listing:
# only that agency's own staff see them, registry administrators included.


def subscriptions_of(*, agencies: Iterable[Agency]) -> QuerySet[ListSubscription]:
    return (
        ListSubscription.objects.filter(agency__in=list(agencies))
        .select_related("agency", "enterprise", "list_kind")
        .order_by("enterprise__name", "list_kind")
    )


def subscription_get(*, agencies: Iterable[Agency], pk: int) -> ListSubscription:
    """One subscription of the given agencies, or 404."""
    subscription = subscriptions_of(agencies=agencies).filter(pk=pk).first()
    if subscription is None:
        raise Http404
    return subscription


def notifications_of(*, agencies: Iterable[Agency]) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(agency__in=list(agencies))
        .select_related("agency", "listing__enterprise", "listing__list_kind")
        .order_by("-created_at", "-id")
    )


def listings_expiry_due_count(*, today: dt.date | None = None) -> int:
    """Listings in force whose term ended on or before ``today``, not yet removed (the expiry job's
    total, for its progress): read from the partial index ``listing_term_due``."""
    today = today or timezone.localdate()
    return Listing.objects.filter(
        status=ListingStatus.ACTIVE, end_date__isnull=False, end_date__lte=today
    ).count()
