"""Background work for credit records. Tasks are thin: they load by id and call a service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from registry.context import request_context

from .importing import import_run
from .services import records_expire as _records_expire


@shared_task(
    name="sanctions.tasks.import_process",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def import_process(batch_id: int) -> dict:
    """Import (or resume) a file of records; safe to deliver twice: finished chunks are skipped."""
    with request_context(prefix="task:import_process:"):
        batch = import_run(batch_id)
    return {
        "status": batch.status,
        "rows": batch.total_rows,
        "created": batch.created_count,
        "unchanged": batch.unchanged_count,
        "errors": batch.error_count,
    }


@shared_task(name="sanctions.tasks.records_expire")
def records_expire() -> int:
    """Daily: mark published records whose publicity period has ended (5,000 per transaction)."""
    total = 0
    with request_context(prefix="task:records_expire:"):
        while count := _records_expire():
            total += count
    return total
