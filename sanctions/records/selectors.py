"""Reads of credit records. What the public may see is decided here, in ``public_records``, only."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from registry.models import Enterprise
from sanctions.choices import RecordStatus, UsageScope
from sanctions.models import CreditRecord, RecordEvent
from sanctions.permissions import get_for_staff, restrict_to_staff

PENDING_STATUSES = [RecordStatus.DRAFT, RecordStatus.SUBMITTED]


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


def _staff_records() -> QuerySet[CreditRecord]:
    return CreditRecord.objects.select_related("agency", "enterprise", "created_by", "publicity_rule")


def records_for_staff(*, user) -> QuerySet[CreditRecord]:
    """Every version of the records of the agencies the user works for (registry admins: all)."""
    return restrict_to_staff(_staff_records(), user)


def record_get_for_staff(*, user, pk: int) -> CreditRecord:
    """The record if the user's agency owns it; otherwise 404, so that others' drafts stay unknown."""
    return get_for_staff(_staff_records(), user, pk=pk)


def review_queue(*, user) -> QuerySet[CreditRecord]:
    from registry.models import StaffRole
    from sanctions.permissions import REVIEW_ROLES

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


def is_overdue(record: CreditRecord) -> bool:
    """The same test as ``overdue_q``, for one record in hand."""
    return (
        record.status in PENDING_STATUSES
        and not record.never_published
        and record.publish_deadline is not None
        and record.publish_deadline < timezone.localdate()
    )


def with_overdue(queryset):
    return queryset.annotate(is_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))


def current_or_pending(queryset: QuerySet[CreditRecord]) -> QuerySet[CreditRecord]:
    """The version in force of each record, plus corrections still waiting (draft or submitted)."""
    return queryset.filter(Q(is_current=True) | Q(previous__isnull=False, status__in=PENDING_STATUSES))


def overdue_q(today=None) -> Q:
    """Not yet published although its publish-by deadline has passed (SAMR Order 45: 20 working days)."""
    today = today or timezone.localdate()
    return Q(status__in=PENDING_STATUSES, publish_deadline__lt=today, never_published=False)


def records_expiry_due_count(*, today: dt.date | None = None) -> int:
    """Published records whose publicity ended on or before ``today``, not yet marked expired (the
    expiry job's total, for its progress): read from the partial index ``record_publicity_due``."""
    today = today or timezone.localdate()
    return CreditRecord.objects.filter(
        status=RecordStatus.PUBLISHED, publicity_end__isnull=False, publicity_end__lte=today
    ).count()
