"""Published records whose publicity has ended marked expired, in batches (the daily job, and
``manage.py expire_records`` over millions)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from registry.audit import PendingEntry, audit_write_many
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.choices import ChangeKind
from sanctions import task_names
from sanctions.choices import RecordStatus
from sanctions.models import CreditRecord, RecordEvent
from sanctions.records.public import records_removal_emit

from .visibility import _was_shown


@transaction.atomic
def records_expire(*, today: dt.date | None = None) -> int:
    """Mark published records whose publicity has ended (public view never waits for this), one
    batch of ``settings.EXPIRY_BATCH_ROWS``; returns how many. ``records_expire_batch`` goes on after
    a position, for a job over millions (``manage.py expire_records``)."""
    done = records_expire_batch(today=today)
    return done[0] if done else 0


@transaction.atomic
def records_expire_batch(
    *, today: dt.date | None = None, after: tuple[dt.date, int] | None = None, size: int | None = None
) -> tuple[int, tuple[dt.date, int]] | None:
    """One batch of the expiry: the first ``size`` published records whose publicity ended on or
    before ``today``, in (publicity end, id) order after ``after``, marked expired, each with its
    history event and audit entry, their enterprises' cached pages invalidated and ratings queued.

    Returns (records marked, the position of the last one), or None when none is left after
    ``after``. Found by the partial index ``record_publicity_due``: the cost of a batch does not grow
    with the records already expired. Rows another transaction holds are skipped (the next run takes
    them)."""
    from registry.services import system_actor

    today = today or timezone.localdate()
    size = size or settings.EXPIRY_BATCH_ROWS
    due = (
        CreditRecord.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("agency", "enterprise")
        .filter(status=RecordStatus.PUBLISHED, publicity_end__isnull=False, publicity_end__lte=today)
    )
    if after is not None:
        end, pk = after
        due = due.filter(Q(publicity_end__gt=end) | Q(publicity_end=end, pk__gt=pk))
    due = list(due.order_by("publicity_end", "pk")[:size])
    if not due:
        return None
    actor = system_actor()
    ids = [r.pk for r in due]
    CreditRecord.objects.filter(pk__in=ids).update(status=RecordStatus.EXPIRED, updated_at=timezone.now())
    RecordEvent.objects.bulk_create(
        [
            RecordEvent(
                record=r,
                record_key=r.record_key,
                action="expire",
                actor=actor,
                actor_label="system",
                changes={"publicity_end": r.publicity_end.isoformat()},
            )
            for r in due
        ]
    )
    audit_write_many(
        [
            PendingEntry(
                actor,
                "record.expire",
                r._meta.label_lower,
                str(r.pk),
                str(r)[:300],
                {"status": RecordStatus.PUBLISHED.value},
                {"status": RecordStatus.EXPIRED.value, "publicity_end": r.publicity_end},
            )
            for r in due
        ]
    )
    records_removal_emit(kind=ChangeKind.RECORD_EXPIRED, records=[r for r in due if _was_shown(r)])
    enterprises = sorted({r.enterprise_id for r in due})
    enterprise_changed(enterprises)
    # Their ratings, 500 enterprises a message (one message each cost more than the batch's writes).
    for start in range(0, len(enterprises), 500):
        task_on_commit(task_names.RATINGS_RECOMPUTE_MANY, enterprises[start : start + 500])
    return len(due), (due[-1].publicity_end, due[-1].pk)
