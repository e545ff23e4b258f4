"""Every import finishes: retries while the database is away, the sweeper, and a clerk's cancel and resume.

- ``import_process`` (the task) retries an import that lost its database with waits that double up
  to ``RECORD_IMPORT_RETRY_MAX_SECONDS``, for ``RECORD_IMPORT_RETRY_FOR_SECONDS`` in all
  (``import_retry_delay``); then the import fails, saying why (``import_gave_up``).
- ``imports_sweep`` (a beat job, and each worker as it starts) queues again an import whose run
  died: no database session holds its lock (``liveness``). A run that keeps its lock with an idle
  session and no heartbeat for ``RECORD_IMPORT_STALE_SECONDS`` is stuck: its session is ended first.
  An import still waiting after ``RECORD_IMPORT_PENDING_SECONDS`` with no sign of work lost its
  message (the broker was away at upload) and is sent again. After ``RECORD_IMPORT_MAX_RUNS`` runs the
  sweeper fails the import instead, saying so.
- ``import_cancel`` stops an import at its next chunk; ``import_resume`` continues a failed or
  cancelled one from its last committed chunk. Both are a clerk's of the agency, and audited.

Every resumed run continues from ``processed_rows``: a chunk's rows and the batch's progress commit
together, so nothing is imported twice (``run.writing._import_chunk``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.audit import audit_write
from registry.background import task_by_name
from registry.services import system_actor
from sanctions import task_names
from sanctions.choices import ImportStatus
from sanctions.models import ImportBatch
from sanctions.permissions import ensure_can_edit
from sanctions.records.importing import liveness
from sanctions.records.importing.run import RUNNING, error_rate_exceeded, grouped

logger = logging.getLogger(__name__)

CANCELLABLE = {*RUNNING, ImportStatus.FAILED}
RESUMABLE = {ImportStatus.FAILED, ImportStatus.CANCELLED}


def _seconds(value: float) -> float:
    return max(0.0, float(value))


# --- What a clerk may do with an import ------------------------------------------------------------
def can_cancel(batch: ImportBatch) -> bool:
    """A waiting, running or failed import can be cancelled (a failed one: to leave it so)."""
    return batch.status in CANCELLABLE


def can_resume(batch: ImportBatch) -> bool:
    """A failed or cancelled import can be resumed, unless it stopped for its share of bad rows (it
    would stop again at once: the file needs correcting)."""
    if batch.status not in RESUMABLE:
        return False
    return not (
        batch.status == ImportStatus.FAILED
        and error_rate_exceeded(processed=batch.processed_rows, errors=batch.error_count)
    )


def cancelled_message(batch: ImportBatch, actor) -> str:
    if not batch.processed_rows:
        return _("Cancelled by %(user)s before any row was imported.") % {"user": actor.get_username()}
    return ngettext(
        "Cancelled by %(user)s after %(rows)s of %(total)s rows; %(created)s record created.",
        "Cancelled by %(user)s after %(rows)s of %(total)s rows; %(created)s records created.",
        batch.created_count,
    ) % {
        "user": actor.get_username(),
        "rows": grouped(batch.processed_rows),
        "total": grouped(batch.total_rows),
        "created": grouped(batch.created_count),
    }


@transaction.atomic
def import_cancel(*, batch: ImportBatch, actor) -> ImportBatch:
    """Stop an import at its next chunk; the rows it committed stay, and it may be resumed later."""
    ensure_can_edit(actor, batch.agency)
    # Waits for the chunk being written (it holds this row): the counts below are final.
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if not can_cancel(locked):
        raise ValidationError(
            _("Only a waiting, running or failed import can be cancelled; this one is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    before = {"status": locked.status, "rows": locked.processed_rows}
    locked.status = ImportStatus.CANCELLED
    locked.finished_at = timezone.now()
    locked.message = cancelled_message(locked, actor)
    locked.save(update_fields=["status", "finished_at", "message"])
    audit_write(
        actor=actor,
        action="import.cancel",
        target=locked,
        before=before,
        after={
            "status": locked.status,
            "rows": locked.processed_rows,
            "total": locked.total_rows,
            "created": locked.created_count,
        },
    )
    return locked


@transaction.atomic
def import_resume(*, batch: ImportBatch, actor) -> ImportBatch:
    """Queue a failed or cancelled import again: it continues after its last committed chunk."""
    ensure_can_edit(actor, batch.agency)
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if not can_resume(locked):
        if locked.status in RESUMABLE:
            raise ValidationError(
                _(
                    "This import stopped because most of its rows have errors: it would stop again. "
                    "Correct the file and upload it again."
                )
            )
        raise ValidationError(
            _("Only a failed or cancelled import can be resumed; this one is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    before = {"status": locked.status, "message": locked.message, "rows": locked.processed_rows}
    _requeue(locked, runs=F("runs") + 1)
    locked.refresh_from_db()
    audit_write(
        actor=actor,
        action="import.resume",
        target=locked,
        before=before,
        after={"status": locked.status, "rows": locked.processed_rows, "runs": locked.runs},
    )
    transaction.on_commit(lambda: _send(locked.pk))
    return locked


def _requeue(batch: ImportBatch, **changes) -> None:
    """Back to waiting, with a fresh heartbeat: the sweeper sends it again only if this message is lost."""
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.PENDING, message="", finished_at=None, heartbeat_at=Now(), **changes
    )


def _send(batch_id: int) -> bool:
    """Queue the import's task; False if the broker is away (the sweeper sends it again later)."""
    try:
        # Nobody waits for its result: not kept (a web process never subscribes to the result backend).
        task_by_name(task_names.IMPORT_PROCESS).apply_async((batch_id,), ignore_result=True)
    except Exception:
        logger.warning("import %s: could not queue its task; the sweeper will", batch_id, exc_info=True)
        return False
    return True


# --- The task's retries while the database is away -------------------------------------------------
def import_retry_delay(retries: int) -> float | None:
    """Seconds to wait before the next try of an import that lost its database, after ``retries``
    retries; None once the waits add up to ``RECORD_IMPORT_RETRY_FOR_SECONDS`` (then it fails)."""
    first = max(0.1, float(settings.RECORD_IMPORT_RETRY_FIRST_SECONDS))
    most = max(first, float(settings.RECORD_IMPORT_RETRY_MAX_SECONDS))
    waited, delay = 0.0, first
    for _retry in range(retries):
        waited += delay
        delay = min(most, delay * 2)
    if waited >= float(settings.RECORD_IMPORT_RETRY_FOR_SECONDS):
        return None
    return delay


def retried_seconds(retries: int) -> float:
    """How long the retries waited in all, after ``retries`` of them."""
    waited = 0.0
    for done in range(retries):
        waited += import_retry_delay(done) or 0.0
    return waited


def import_retrying(batch_id: int, *, attempt: int, delay: float) -> None:
    """Say on the import that it waits for the database (if the database takes the note: often it
    cannot, and the desk tells the clerk from the heartbeat's age instead)."""
    message = _(
        "The database could not be reached; the import tries again in %(seconds)s s (attempt %(attempt)d). "
        "The rows imported so far stay."
    ) % {"seconds": formats.number_format(max(1, round(delay))), "attempt": attempt}
    _best_effort(lambda: ImportBatch.objects.filter(pk=batch_id, status__in=RUNNING).update(message=message))


def import_gave_up(batch_id: int, *, retries: int) -> None:
    """After the last retry: fail the import, saying why and that it can be resumed, unless another
    run has it now. If the database is still away, the sweeper resumes the import once it is back."""

    def fail() -> None:
        with liveness.run_lock(batch_id) as held:
            if not held:
                return
            batch = ImportBatch.objects.get(pk=batch_id)
            minutes = max(1, math.ceil(retried_seconds(retries) / 60))
            message = ngettext(
                "The database could not be reached for %(minutes)d minute; %(rows)s of %(total)s rows "
                "are imported. Resume to continue.",
                "The database could not be reached for %(minutes)d minutes; %(rows)s of %(total)s rows "
                "are imported. Resume to continue.",
                minutes,
            ) % {
                "minutes": minutes,
                "rows": grouped(batch.processed_rows),
                "total": grouped(batch.total_rows),
            }
            with transaction.atomic():
                failed = ImportBatch.objects.filter(pk=batch_id, status__in=RUNNING).update(
                    status=ImportStatus.FAILED, message=message, finished_at=timezone.now()
                )
                if failed:
                    audit_write(
                        actor=system_actor(),
                        action="import.fail",
                        target=batch,
                        before={"status": batch.status, "rows": batch.processed_rows},
                        after={
                            "status": ImportStatus.FAILED,
                            "retries": retries,
                            "by": "task: database away",
                        },
                    )

    _best_effort(fail)


def _best_effort(write) -> None:
    try:
        if (
            not connection.in_atomic_block
            and connection.connection is not None
            and not connection.is_usable()
        ):
            connection.close()  # broken by the outage: connect again
        write()
    except DatabaseError:
        logger.info("the database is still away", exc_info=True)


# --- The sweeper ---------------------------------------------------------------------------------
@dataclass
class Swept:
    """What one sweep did, by batch id."""

    sent: list[int] = field(default_factory=list)  # waiting with no sign of work: sent again
    resumed: list[int] = field(default_factory=list)  # their run had died: queued again
    stopped: list[int] = field(default_factory=list)  # stuck runs whose session was ended
    failed: list[int] = field(default_factory=list)  # out of runs: failed, to be resumed by a clerk

    def as_dict(self) -> dict[str, list[int]]:
        return {"sent": self.sent, "resumed": self.resumed, "stopped": self.stopped, "failed": self.failed}


def imports_sweep() -> Swept:
    """Queue again every import that no live run will finish (see the module's docstring)."""
    swept = Swept()
    holders = liveness.run_holders()
    _send_waiting(swept, holders)
    _resume_abandoned(swept, holders)
    return swept


def _older_than(seconds: float):
    return Now() - dt.timedelta(seconds=_seconds(seconds))


def _send_waiting(swept: Swept, holders: dict[int, liveness.Holder]) -> None:
    grace = settings.RECORD_IMPORT_PENDING_SECONDS
    waiting = (
        ImportBatch.objects.filter(status=ImportStatus.PENDING, created_at__lt=_older_than(grace))
        .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=_older_than(grace)))
        .exclude(file="")
        .values_list("pk", "heartbeat_at")
    )
    for pk, heartbeat in waiting:
        if liveness.holder_of(pk, holders):
            continue
        # Claimed by writing the heartbeat: of two sweepers at once, one sends the task.
        if _claim(pk, ImportStatus.PENDING, heartbeat) and _send(pk):
            swept.sent.append(pk)


def _claim(pk: int, observed: str, heartbeat, **changes) -> bool:
    """Change the batch if it is still as the sweep saw it (its status and heartbeat), writing a
    fresh heartbeat: of two sweeps at once, only one changes it."""
    unchanged = Q(heartbeat_at__isnull=True) if heartbeat is None else Q(heartbeat_at=heartbeat)
    changes.setdefault("heartbeat_at", Now())
    return bool(ImportBatch.objects.filter(unchanged, pk=pk, status=observed).update(**changes))


def _resume_abandoned(swept: Swept, holders: dict[int, liveness.Holder]) -> None:
    stale = _seconds(settings.RECORD_IMPORT_STALE_SECONDS)
    now = timezone.now()
    running = (
        ImportBatch.objects.filter(status__in=[ImportStatus.VALIDATING, ImportStatus.IMPORTING])
        .exclude(file="")
        .values_list("pk", "status", "heartbeat_at", "runs")
    )
    for pk, status, heartbeat, runs in running:
        holder = liveness.holder_of(pk, holders)
        if holder is not None:
            quiet = heartbeat is None or (now - heartbeat).total_seconds() > stale
            if not (holder.idle and holder.idle_seconds > stale and quiet):
                continue  # a live run
            # Its worker stopped or was cut off with the session open: end the session, whose lock
            # goes with it, and resume the import at a later sweep (the lock may take a moment).
            if liveness.stop_session(holder.pid):
                logger.warning("import %s: run stuck for %.0f s, its session %s ended", pk, stale, holder.pid)
                swept.stopped.append(pk)
            continue
        if runs >= max(1, int(settings.RECORD_IMPORT_MAX_RUNS)):
            if _give_up(pk, status, heartbeat, runs):
                swept.failed.append(pk)
        elif _resume(pk, status, heartbeat, runs):
            swept.resumed.append(pk)


def _resume(pk: int, status: str, heartbeat, runs: int) -> bool:
    with transaction.atomic():
        if not _claim(pk, status, heartbeat, status=ImportStatus.PENDING, runs=F("runs") + 1):
            return False
        batch = ImportBatch.objects.get(pk=pk)
        audit_write(
            actor=system_actor(),
            action="import.resume",
            target=batch,
            before={"status": status, "rows": batch.processed_rows},
            after={"status": batch.status, "runs": batch.runs, "by": "sweeper: its run had stopped"},
        )
    logger.warning("import %s: its run had stopped after %s rows; queued again", pk, batch.processed_rows)
    _send(pk)
    return True


def _give_up(pk: int, status: str, heartbeat, runs: int) -> bool:
    with transaction.atomic():
        batch = ImportBatch.objects.get(pk=pk)
        message = ngettext(
            "The import stopped %(runs)d time before it finished (its worker stopped or lost the "
            "database); %(rows)s of %(total)s rows are imported. Resume to continue.",
            "The import stopped %(runs)d times before it finished (its worker stopped or lost the "
            "database); %(rows)s of %(total)s rows are imported. Resume to continue.",
            runs,
        ) % {"runs": runs, "rows": grouped(batch.processed_rows), "total": grouped(batch.total_rows)}
        if not _claim(
            pk, status, heartbeat, status=ImportStatus.FAILED, message=message, finished_at=timezone.now()
        ):
            return False
        audit_write(
            actor=system_actor(),
            action="import.fail",
            target=batch,
            before={"status": status, "rows": batch.processed_rows},
            after={"status": ImportStatus.FAILED, "runs": runs, "by": "sweeper: out of runs"},
        )
    logger.warning("import %s: stopped %s times; failed, to be resumed by a clerk", pk, runs)
    return True


def stalled_since(batch: ImportBatch):
    """When a running import last showed a sign of work, if that is longer ago than
    ``RECORD_IMPORT_STALE_SECONDS`` (its worker or its database is away); else None."""
    if batch.status not in RUNNING:
        return None
    last = batch.heartbeat_at or batch.created_at
    if (timezone.now() - last).total_seconds() > _seconds(settings.RECORD_IMPORT_STALE_SECONDS):
        return last
    return None
