"""A listing's term, the daily job: listings published ahead of their start date put in the change
feed once in force, and listings whose term has ended marked removed, in batches (``manage.py
expire_listings`` over millions)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from registry.audit import PendingEntry, audit_write_many
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.choices import ChangeKind
from registry.models import ChangeEvent
from registry.services import system_actor
from sanctions import task_names
from sanctions.choices import ListingStatus, NotificationEvent, RemovalReason
from sanctions.lists.notifications import notifications_create
from sanctions.lists.public import listing_change_emit, listings_removal_emit
from sanctions.models import Listing


@transaction.atomic
def listings_started_emit(*, today: dt.date | None = None) -> int:
    """Write ``listing.entered`` for listings published ahead of their start date that are in force
    now and not yet in the change feed (they were not public when published); returns how many.
    Run daily (``sanctions.tasks.listings_expire``); a day missed is caught up, within the feed's
    retention, and a run repeated writes nothing twice."""
    today = today or timezone.localdate()
    # A partner's listing is named in the feed by its id at the source (``listing_change_emit``).
    subject = Coalesce(
        NullIf(OuterRef("original_id"), Value("")), Cast(OuterRef("pk"), output_field=CharField())
    )
    entered = ChangeEvent.objects.filter(kind=ChangeKind.LISTING_ENTERED, subject=subject)
    due = list(
        Listing.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("list_kind", "agency", "enterprise")
        .filter(
            status=ListingStatus.ACTIVE,
            start_date__lte=today,
            start_date__gt=today - dt.timedelta(days=settings.CHANGE_FEED_RETENTION_DAYS),
            published_at__date__lt=F("start_date"),
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .exclude(Exists(entered))
        .order_by("pk")
    )
    for listing in due:
        listing_change_emit(kind=ChangeKind.LISTING_ENTERED, listing=listing)
    return len(due)


@transaction.atomic
def listings_expire(*, today: dt.date | None = None) -> int:
    """Mark in-force listings whose term has ended as removed (term ended), ``settings.EXPIRY_BATCH_ROWS`` at a time.

    Public view never waits for this: ``active_listings`` already stops showing them on their end date.
    ``listings_expire_batch`` goes on after a position, for a job over millions (``manage.py expire_listings``).
    """
    done = listings_expire_batch(today=today)
    return done[0] if done else 0


@transaction.atomic
def listings_expire_batch(
    *, today: dt.date | None = None, after: tuple[dt.date, int] | None = None, size: int | None = None
) -> tuple[int, tuple[dt.date, int]] | None:
    """One batch: the first ``size`` listings in force whose term ended on or before ``today``, in
    (end date, id) order after ``after``, removed with their audit entries and notifications, their
    enterprises' cached pages invalidated and ratings queued. Returns (listings removed, the position
    of the last one), or None when none is left. Found by the partial index ``listing_term_due``."""
    today = today or timezone.localdate()
    size = size or settings.EXPIRY_BATCH_ROWS
    due = Listing.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        status=ListingStatus.ACTIVE, end_date__isnull=False, end_date__lte=today
    )
    if after is not None:
        end, pk = after
        due = due.filter(Q(end_date__gt=end) | Q(end_date=end, pk__gt=pk))
    due = list(due.select_related("list_kind", "enterprise", "agency").order_by("end_date", "pk")[:size])
    if not due:
        return None
    actor = system_actor()
    now = timezone.now()
    Listing.objects.filter(pk__in=[x.pk for x in due]).update(
        status=ListingStatus.REMOVED, removed_at=now, removal_reason=RemovalReason.TERM_ENDED, updated_at=now
    )
    audit_write_many(
        [
            PendingEntry(
                actor,
                f"listing.remove.{RemovalReason.TERM_ENDED.value}",
                Listing._meta.label_lower,
                str(x.pk),
                str(x)[:300],
                {"status": ListingStatus.ACTIVE},
                {"status": ListingStatus.REMOVED, "reason": RemovalReason.TERM_ENDED, "end_date": x.end_date},
            )
            for x in due
        ]
    )
    notifications_create(listings=due, event=NotificationEvent.LEFT)
    listings_removal_emit(listings=[x for x in due if x.start_date <= today])
    enterprises = sorted({x.enterprise_id for x in due})
    enterprise_changed(enterprises)
    # Their ratings, 500 enterprises a message.
    for start in range(0, len(enterprises), 500):
        task_on_commit(task_names.RATINGS_RECOMPUTE_MANY, enterprises[start : start + 500])
    return len(due), (due[-1].end_date, due[-1].pk)
