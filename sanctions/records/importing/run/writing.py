"""One chunk written: its records, its row errors (up to the file's cap) and the batch's progress in
one transaction, unless another run already wrote it; the import stopped there if its rows have too
many errors."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import asdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from registry.importing import RowError
from sanctions.choices import ImportStatus
from sanctions.models import ImportBatch, ImportRowError
from sanctions.records.importing import liveness
from sanctions.records.importing.chunks import ChunkImporter

from .errors import error_rate_exceeded, error_rate_message


def _import_chunk(
    batch: ImportBatch, importer: ChunkImporter, chunk: list, start: int, cleaning: Future
) -> bool:
    """Write one chunk and its progress atomically, unless another run already has; False: stop
    (the import was cancelled, or stopped here for its errors)."""
    liveness.wait_beating(cleaning, batch.pk)  # the batch's row is locked only to write
    for attempt in range(3):
        try:
            with transaction.atomic():
                locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
                if locked.status != ImportStatus.IMPORTING:
                    return False
                if locked.processed_rows > start:  # a redelivered task got here first
                    return True
                if locked.processed_rows < start:
                    raise RuntimeError(
                        f"import {batch.pk}: rows {locked.processed_rows}..{start} were skipped"
                    )
                good, errors, bad = importer.finish(cleaning.result())
                # Records already present are looked for only once a chunk met one (or one was
                # entered at the desk meanwhile): then the file is likely imported again.
                written = importer.write(good, check=attempt > 0 or importer.met_present)
                if written.conflicts:
                    # The rows differing from a record present, in the order of the file's rows.
                    errors = sorted([*errors, *written.errors], key=lambda error: error.row)
                stored = _storable(locked, errors)
                processed = start + len(chunk)
                progress = {
                    "processed_rows": processed,
                    "created_count": F("created_count") + written.created,
                    "unchanged_count": F("unchanged_count") + written.present,
                    "error_count": F("error_count") + bad + written.conflicts,
                    "errors_not_stored": F("errors_not_stored") + len(errors) - len(stored),
                    "heartbeat_at": Now(),
                }
                error_rows = locked.error_count + bad + written.conflicts
                stop = error_rate_exceeded(processed=processed, errors=error_rows, total=locked.total_rows)
                if stop:
                    progress.update(
                        status=ImportStatus.FAILED,
                        finished_at=timezone.now(),
                        message=error_rate_message(
                            processed=processed,
                            errors=error_rows,
                            created=locked.created_count + written.created,
                        ),
                    )
                ImportBatch.objects.filter(pk=batch.pk).update(**progress)
                ImportRowError.objects.bulk_create(
                    [ImportRowError(batch_id=batch.pk, **asdict(error)) for error in stored]
                )
            return not stop
        except IntegrityError:
            # One of these decisions is recorded already (or a clerk recorded it at the desk
            # meanwhile): write the chunk again, less what is present.
            importer.met_present = True
            if attempt == 2:
                raise
    return True


def _storable(locked: ImportBatch, errors: list[RowError]) -> list[RowError]:
    """The chunk's errors that are kept: the first ``RECORD_IMPORT_MAX_STORED_ERRORS`` of the file
    are; the rest are only counted (``errors_not_stored``), so that a file of bad rows costs a
    bounded table and report."""
    if not errors:
        return errors
    if locked.errors_not_stored:
        return []  # the cap was reached by an earlier chunk
    room = (
        int(settings.RECORD_IMPORT_MAX_STORED_ERRORS)
        - ImportRowError.objects.filter(batch_id=locked.pk).count()
    )
    return errors[: max(0, room)]
