"""Reads for lists: the listings in force, for everyone and for one enterprise."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from registry.models import Enterprise
from sanctions.choices import ListingStatus
from sanctions.models import Listing


def active_listings(*, today: dt.date | None = None) -> QuerySet:
    """Listings in force: published, started, and not past their end (which needs no job to run)."""
    today = today or timezone.localdate()
    return (
        Listing.objects.filter(status=ListingStatus.ACTIVE, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .select_related("list_kind", "agency")
    )


def active_listings_for(*, enterprise: Enterprise, today: dt.date | None = None) -> QuerySet:
    return active_listings(today=today).filter(enterprise=enterprise)
