"""One run of an import, from its batch's lock to its end: the stored file scanned, the batch
validating then importing, its rows imported (``pipeline``), and the batch done or failed."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Now
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry.audit import audit_write
from sanctions.choices import ImportStatus
from sanctions.models import ImportBatch
from sanctions.records.importing import files, liveness
from sanctions.records.importing.parties import no_database

from .errors import grouped
from .pipeline import _import_rows

# No run continues these; a failed or cancelled import is continued only by a clerk's resume.
FINISHED = {ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED}
RUNNING = {ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.IMPORTING}


@contextmanager
def _local_path(field: FieldFile) -> Iterator[Path]:
    """The stored file as a local path (copied to a temporary file for a remote storage)."""
    try:
        local = Path(field.path)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    suffix = Path(field.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp, field.open("rb") as source:
        shutil.copyfileobj(source, tmp)
        tmp.flush()
        yield Path(tmp.name)


def import_run(batch_id: int) -> ImportBatch:
    """Import (or resume importing) a stored file, chunk by chunk; safe to run twice, even at once:
    a second run while the first holds the batch's lock leaves the batch to it."""
    with liveness.run_lock(batch_id) as held:
        batch = ImportBatch.objects.select_related("agency__division", "uploaded_by").get(pk=batch_id)
        if not held or batch.status in FINISHED:
            return batch
        liveness.beat(batch.pk)
        ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PENDING).update(
            status=ImportStatus.VALIDATING
        )
        try:
            with _local_path(batch.file) as path:
                scan = _scan(batch, path)
                ImportBatch.objects.filter(pk=batch.pk, status__in=RUNNING).update(
                    status=ImportStatus.IMPORTING,
                    total_rows=scan.total,
                    message="\n".join(scan.columns.warnings),
                    heartbeat_at=Now(),
                )
                batch.refresh_from_db()
                if batch.status == ImportStatus.IMPORTING:
                    _import_rows(batch, path, scan)
        except (ValidationError, FileNotFoundError) as exc:
            return _fail(
                batch, " ".join(getattr(exc, "messages", None) or [_("The stored file is missing.")])
            )
        except (OperationalError, InterfaceError):
            raise  # the database went away: the task is retried and resumes
        except Exception:
            batch.refresh_from_db()
            _fail(
                batch,
                _(
                    "The import stopped on an unexpected error after %(rows)s rows; those rows are "
                    "imported. Resume to continue."
                )
                % {"rows": grouped(batch.processed_rows)},
            )
            raise
        return _finish(batch)


def _scan(batch: ImportBatch, path: Path) -> files.Scan:
    """Read the whole file once (``files.scan``) in a helper thread, beating meanwhile: a large file
    takes a while, and its run must not look stuck."""
    language = translation.get_language()

    def scan() -> files.Scan:
        with translation.override(language), no_database():
            return files.scan(path)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-scan") as helper:
        return liveness.wait_beating(helper.submit(scan), batch.pk)


def _fail(batch: ImportBatch, message: str) -> ImportBatch:
    ImportBatch.objects.filter(pk=batch.pk).exclude(status__in=FINISHED).update(
        status=ImportStatus.FAILED, message=message, finished_at=timezone.now()
    )
    batch.refresh_from_db()
    return batch


def _finish(batch: ImportBatch) -> ImportBatch:
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == ImportStatus.IMPORTING and locked.processed_rows >= locked.total_rows:
            locked.status = ImportStatus.DONE
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "finished_at"])
            audit_write(
                actor=locked.uploaded_by,
                action="import.finish",
                target=locked,
                after={
                    "rows": locked.total_rows,
                    "created": locked.created_count,
                    "unchanged": locked.unchanged_count,
                    "errors": locked.error_count,
                },
            )
    batch.refresh_from_db()
    return batch
