"""Background work for records, lists and ratings. Tasks are thin: they load by id and call a service.

The services schedule these by name (``sanctions.task_names``), so the services are imported inside
the task bodies: this module sits above every layer of the app.
"""

from __future__ import annotations

import contextlib
import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from registry.context import request_context

from . import task_names

logger = logging.getLogger(__name__)


@shared_task(bind=True, name=task_names.IMPORT_PROCESS, max_retries=None)
def import_process(self, batch_id: int) -> dict:
    """Import (or resume) a file of records; safe to deliver twice: finished chunks are skipped.

    While the database is away the task tries again, waiting longer each time (5 s, 10 s, 20 s … at
    most a minute apart: ``RECORD_IMPORT_RETRY_*``), for outages of minutes; then the import fails,
    saying so, and can be resumed.
    """
    from sanctions.records.importing.recovery import import_gave_up, import_retry_delay, import_retrying
    from sanctions.records.importing.run import import_run

    with request_context(prefix="task:import_process:"):
        try:
            batch = import_run(batch_id)
        except (OperationalError, InterfaceError) as exc:
            retries = self.request.retries
            delay = import_retry_delay(retries)
            if delay is None:
                import_gave_up(batch_id, retries=retries)
                raise
            import_retrying(batch_id, attempt=retries + 1, delay=delay)
            raise self.retry(exc=exc, countdown=delay) from exc
    return {
        "status": batch.status,
        "rows": batch.total_rows,
        "created": batch.created_count,
        "unchanged": batch.unchanged_count,
        "errors": batch.error_count,
    }


@shared_task(name=task_names.IMPORTS_SWEEP)
def imports_sweep() -> dict[str, list[int]]:
    """Every minute or so (beat), and as a worker starts: queue again the imports no live run will
    finish (their worker died, their message was lost); fail those that stopped too often."""
    from sanctions.records.importing.recovery import imports_sweep as sweep

    with request_context(prefix="task:imports_sweep:"):
        return sweep().as_dict()


@worker_ready.connect
def _sweep_as_a_worker_starts(sender=None, **kwargs) -> None:
    """A worker started after a crash resumes the imports left behind at once, not at the next beat."""
    if imports_sweep.app.conf.task_always_eager:
        return  # no broker to queue it on: it would run here, before the worker takes any task
    consumer = getattr(sender, "task_consumer", None)
    queues = [queue.name for queue in getattr(consumer, "queues", None) or []]
    try:
        # On a queue this worker reads: the sweep runs against its own database.
        imports_sweep.apply_async(queue=queues[0] if queues else None)
    except Exception:  # the broker is away: the beat's next sweep will do
        logger.warning("could not queue the imports' sweep at worker start", exc_info=True)


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


@shared_task(
    name=task_names.RATINGS_RECOMPUTE_MANY,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def ratings_recompute_many(enterprise_ids: list[int]) -> int:
    """Recompute the ratings of a batch of enterprises (queued by a batch of the expiry jobs); safe to
    run twice. Returns the new rating rows."""
    from sanctions.lists.ratings import ratings_recompute_many as recompute

    with request_context(prefix="task:ratings_recompute_many:"):
        return recompute(enterprise_ids=enterprise_ids)


@shared_task(name=task_names.LISTINGS_EXPIRE)
def listings_expire() -> int:
    """Daily: mark listings whose term has ended as removed and tell subscribers; recompute the
    ratings of enterprises whose listing starts today (visibility itself never waits for this), and
    put the listings that started into the change feed."""
    from sanctions.lists.selectors import listings_starting
    from sanctions.lists.services import listings_expire as listings_expire_batch
    from sanctions.lists.services import listings_started_emit

    total = 0
    with request_context(prefix="task:listings_expire:"):
        while count := listings_expire_batch():
            total += count
        for enterprise_id in listings_starting():
            rating_recompute.delay(enterprise_id)
        listings_started_emit()
    return total


@shared_task(
    name=task_names.STATISTICS_REFRESH,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def statistics_refresh() -> dict:
    """Hourly: count the public statistics again and replace the snapshot (idempotent)."""
    from sanctions.statistics.services import statistics_refresh as refresh

    with request_context(prefix="task:statistics_refresh:"):
        snapshot = refresh()
    return {"version": snapshot.version, "duration_ms": snapshot.duration_ms}


@shared_task(name=task_names.ANNUAL_REPORTS_ENFORCE)
def annual_reports_enforce() -> int:
    """Daily: enter the enterprises that have not filed last year's annual report by 30 June into the
    abnormal operations list (nothing before 1 July; idempotent, in batches)."""
    from sanctions.lists.annual_reports import annual_reports_enforce as enforce

    with request_context(prefix="task:annual_reports_enforce:"):
        return enforce()


@shared_task(name=task_names.PARTNERS_SYNC)
def partners_sync() -> dict[str, dict]:
    """Pull every enabled partner platform's change feed (beat, every PARTNER_SYNC_SECONDS). One run
    per partner at a time: a run still going when the next is due is left alone."""
    from django.core.cache import cache

    from sanctions.models import PartnerPlatform
    from sanctions.sync.services import partner_sync

    done: dict[str, dict] = {}
    for partner in PartnerPlatform.objects.filter(enabled=True):
        lock = f"partner-sync:{partner.code}"
        try:
            if not cache.add(lock, 1, timeout=3600):
                continue
        except Exception:  # noqa: BLE001 - without Redis the stored position still keeps runs in step
            logger.warning("partner sync: no lock for %s (cache down)", partner.code)
        try:
            with request_context(prefix=f"task:partners_sync:{partner.code}:"):
                result = partner_sync(partner=partner)
            done[partner.code] = {"events": result.events, "outcomes": result.outcomes, "error": result.error}
        except Exception:
            logger.exception("partner sync of %s failed", partner.code)
            done[partner.code] = {"error": "failed"}
        finally:
            with contextlib.suppress(Exception):  # the lock expires by itself
                cache.delete(lock)
    return done
