"""Reads of credit records. What the public may see is decided here, in ``public_records``, only."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from registry.models import Enterprise
from registry.permissions import is_registry_admin

from .choices import RecordStatus, UsageScope
from .models import CreditRecord, RecordEvent
from .permissions import agencies_of


def public_records(*, today: dt.date | None = None) -> QuerySet[CreditRecord]:
    """Records anyone may see: published, public scope, in their publicity period, not warning-only,
    not ended early by credit repair.

    A record leaves public view by itself when its publicity ends; no job has to run first.
    """
    today = today or timezone.localdate()
    return CreditRecord.objects.filter(
        status=RecordStatus.PUBLISHED,
        is_current=True,
        usage_scope=UsageScope.PUBLIC,
        never_published=False,
        repaired_at__isnull=True,
        decision_date__lte=today,
    ).filter(Q(publicity_end__isnull=True) | Q(publicity_end__gt=today))


def public_records_for(*, enterprise: Enterprise, today: dt.date | None = None) -> QuerySet[CreditRecord]:
    return (
        public_records(today=today).filter(enterprise=enterprise).select_related("agency", "publicity_rule")
    )


def records_for_staff(*, user) -> QuerySet[CreditRecord]:
    """Every version of the records of the agencies the user works for (registry admins: all)."""
    qs = CreditRecord.objects.select_related("agency", "enterprise", "created_by", "publicity_rule")
    if is_registry_admin(user):
        return qs
    return qs.filter(agency__in=agencies_of(user))


def record_get_for_staff(*, user, pk: int) -> CreditRecord:
    """The record if the user's agency owns it; otherwise 404, so that others' drafts stay unknown."""
    record = records_for_staff(user=user).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def review_queue(*, user) -> QuerySet[CreditRecord]:
    from registry.models import StaffRole

    from .permissions import REVIEW_ROLES

    agency_ids = StaffRole.objects.filter(user=user, role__in=REVIEW_ROLES).values_list(
        "agency_id", flat=True
    )
    return (
        CreditRecord.objects.filter(agency_id__in=agency_ids, status=RecordStatus.SUBMITTED)
        .exclude(created_by=user)
        .select_related("agency", "enterprise", "created_by")
        .order_by("submitted_at")
    )


def record_history(*, record: CreditRecord) -> QuerySet[RecordEvent]:
    return (
        RecordEvent.objects.filter(record_key=record.record_key).select_related("record").order_by("at", "id")
    )


def record_versions(*, record: CreditRecord) -> QuerySet[CreditRecord]:
    return CreditRecord.objects.filter(record_key=record.record_key).order_by("version")


def active_listings(*, today: dt.date | None = None) -> QuerySet:
    """Listings in force: published, started, and not past their end (which needs no job to run)."""
    from .choices import ListingStatus
    from .models import Listing

    today = today or timezone.localdate()
    return (
        Listing.objects.filter(status=ListingStatus.ACTIVE, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .select_related("list_kind", "agency")
    )


def active_listings_for(*, enterprise: Enterprise, today: dt.date | None = None) -> QuerySet:
    return active_listings(today=today).filter(enterprise=enterprise)
