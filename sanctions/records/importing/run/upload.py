"""A clerk's file accepted: its type and headers checked, stored under a name of ours, its import
queued; the same file twice is imported once."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.background import task_on_commit
from registry.models import Agency
from registry.services import SYSTEM_USERNAME
from sanctions import task_names
from sanctions.choices import ImportStatus
from sanctions.models import ImportBatch
from sanctions.permissions import ensure_can_edit
from sanctions.records.importing import files


@transaction.atomic
def import_start(
    *,
    actor,
    agency: Agency,
    uploaded_file: File | None = None,
    path: str | Path | None = None,
    original_name: str = "",
    submit: bool = False,
    run_by: str = "",
) -> ImportBatch:
    """Accept a file of records from a clerk and queue its import; the same file twice is imported once.

    ``run_by`` names who ran a command on the server (its operating-system user and host); it is
    recorded in the audit. A command may act as the system account (``registry.services.system_actor``)
    for any agency: whoever runs commands on the server is trusted with its data already. Anyone
    else must be a clerk of the agency.
    """
    if not (run_by and is_system_actor(actor)):
        ensure_can_edit(actor, agency)
    if (uploaded_file is None) == (path is None):
        raise TypeError("import_start needs either uploaded_file or path")
    with _opened(uploaded_file, path) as upload:
        name = Path(original_name or upload.name or "").name
        suffix = Path(name).suffix.lower()
        if suffix not in files.SUFFIXES:
            raise ValidationError(
                {"file": [_("Only CSV and XLSX files can be imported, not “%(name)s”.") % {"name": name}]}
            )
        digest = hashlib.sha256()
        for block in upload.chunks():
            digest.update(block)
        sha256 = digest.hexdigest()
        done = (
            ImportBatch.objects.filter(agency=agency, sha256=sha256, status=ImportStatus.DONE)
            .order_by("-created_at")
            .first()
        )
        if done is not None:
            return done
        upload.seek(0)
        _check_columns(upload, path, suffix)  # a file whose headers cannot be read is refused now
        batch = ImportBatch(
            agency=agency, uploaded_by=actor, original_name=name[:255], sha256=sha256, submit=submit, runs=1
        )
        upload.seek(0)
        # Stored under MEDIA_ROOT (never served) by a name of ours, not the uploader's.
        batch.file.save(f"{agency.pk}-{sha256[:16]}{suffix}", upload, save=False)
        batch.save()
    after = {"file": batch.original_name, "sha256": sha256, "submit": submit}
    if run_by:
        after["run_by"] = run_by
    audit_write(actor=actor, action="import.start", target=batch, after=after)
    task_on_commit(task_names.IMPORT_PROCESS, batch.pk)
    return batch


def is_system_actor(actor) -> bool:
    """The system account, which no person signs in as (it has no usable password)."""
    return actor.get_username() == SYSTEM_USERNAME and not actor.has_usable_password()


@contextmanager
def _opened(uploaded_file: File | None, path: str | Path | None) -> Iterator[File]:
    if uploaded_file is not None:
        yield uploaded_file
        return
    with open(path, "rb") as handle:
        yield File(handle, name=Path(path).name)


def _check_columns(upload: File, path: str | Path | None, suffix: str) -> None:
    """Read the file's header row (``files.columns_of``): a file the import cannot read, or whose
    headers miss a required column, is refused at upload, with the reason, and never stored."""
    try:
        if path is not None:
            files.columns_of(Path(path))
        elif hasattr(upload, "temporary_file_path"):
            files.columns_of(Path(upload.temporary_file_path()))
        else:
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                shutil.copyfileobj(upload, tmp)
                tmp.flush()
                files.columns_of(Path(tmp.name))
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    finally:
        upload.seek(0)
