"""Background work for records, lists and ratings. Tasks are thin: they load by id and call a service.

The services schedule these by name (``sanctions.task_names``), so the services are imported inside
the task bodies: this module sits above every layer of the app.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from registry.context import request_context

from . import task_names


@shared_task(
    name=task_names.IMPORT_PROCESS,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def import_process(batch_id: int) -> dict:
    """Import (or resume) a file of records; safe to deliver twice: finished chunks are skipped."""
    from sanctions.records.importing.run import import_run

    with request_context(prefix="task:import_process:"):
        batch = import_run(batch_id)
    return {
        "status": batch.status,
        "rows": batch.total_rows,
        "created": batch.created_count,
        "unchanged": batch.unchanged_count,
        "errors": batch.error_count,
    }


@shared_task(name=task_names.RECORDS_EXPIRE)
def records_expire() -> int:
    """Daily: mark published records whose publicity period has ended, one batch per transaction."""
    from sanctions.records.services import records_expire as records_expire_batch

    total = 0
    with request_context(prefix="task:records_expire:"):
        while count := records_expire_batch():
            total += count
    return total


@shared_task(
    name=task_names.RATING_RECOMPUTE,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def rating_recompute(enterprise_id: int) -> list[str]:
    """Recompute one enterprise's ratings after a record or listing changed; safe to run twice."""
    from registry.models import Enterprise
    from sanctions.lists.ratings import rating_recompute as ratings_recompute_for

    if not Enterprise.objects.filter(pk=enterprise_id).exists():
        return []
    with request_context(prefix="task:rating_recompute:"):
        ratings = ratings_recompute_for(enterprise_id=enterprise_id)
    return [f"{r.model_id}:{r.grade}" for r in ratings]


@shared_task(name=task_names.LISTINGS_EXPIRE)
def listings_expire() -> int:
    """Daily: mark listings whose term has ended as removed and tell subscribers; recompute the
    ratings of enterprises whose listing starts today (visibility itself never waits for this)."""
    from sanctions.lists.selectors import listings_starting
    from sanctions.lists.services import listings_expire as listings_expire_batch

    total = 0
    with request_context(prefix="task:listings_expire:"):
        while count := listings_expire_batch():
            total += count
        for enterprise_id in listings_starting():
            rating_recompute.delay(enterprise_id)
    return total
