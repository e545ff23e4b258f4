"""Publication: one day's export read in one snapshot, its manifest signed, the folder put in place
by renames, old exports pruned, the run audited (``open_data_export``)."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from registry.audit import audit_write
from registry.models import Enterprise
from registry.services import system_actor

from ...signing import sign_detached
from ..datasets import DATASETS
from .dataset_files import _write_dataset, _write_statistics
from .layout import FORMAT, JWKS_PATH, MANIFEST, SIGNATURE, OpenDataExportFailed, export_folders, export_root

# The package's name, the logger's name before the package was split.
logger = logging.getLogger(__package__)


@dataclass(frozen=True)
class ExportResult:
    """A published export: its folder and what its manifest says."""

    folder: Path
    manifest: dict[str, Any]
    pruned: list[str]


def _snapshot(alias: str, *, own_transaction: bool) -> dt.datetime:
    """Turn the export's transaction into a read-only REPEATABLE READ snapshot (unless it runs inside a
    caller's transaction, whose snapshot it then reads); the time the transaction started."""
    with connections[alias].cursor() as cursor:
        if own_transaction:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def _publish(staging: Path, target: Path) -> None:
    """Put a complete folder in place of the day's export (if any) by renames: never half of one."""
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _prune(root: Path, *, today: dt.date, keep_days: int) -> list[str]:
    """Remove exports older than ``keep_days`` days before ``today`` (never the latest)."""
    folders = export_folders(root)
    oldest_kept = today - dt.timedelta(days=max(keep_days, 1) - 1)
    pruned = []
    for folder in folders[:-1]:
        if dt.date.fromisoformat(folder.name) < oldest_kept:
            shutil.rmtree(folder)
            pruned.append(folder.name)
    return pruned


def _sweep_leftovers(root: Path) -> None:
    """Staging folders of runs that died (killed, machine restarted): never published, removed."""
    for path in root.iterdir():
        if path.is_dir() and (path.name.startswith(".tmp-") or path.name.startswith(".old-")):
            shutil.rmtree(path, ignore_errors=True)


def open_data_export(*, date: dt.date | None = None, out: str | Path | None = None) -> ExportResult:
    """Write the complete public dataset and its delta since the previous export, signed, for ``date``.

    ``date`` (default today) names the folder and is the day publicity periods and listings are
    judged on. Raises OpenDataExportFailed (the previous export left as it was) if anything fails.
    """
    date = date or timezone.localdate()
    root = export_root(out)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OpenDataExportFailed(f"another export is running in {root}") from None
        _sweep_leftovers(root)
        earlier = [p for p in export_folders(root) if p.name < date.isoformat()]
        previous = earlier[-1] if earlier else None
        staging = Path(tempfile.mkdtemp(prefix=f".tmp-{date.isoformat()}-", dir=root))
        try:
            manifest = _write_export(staging, date=date, previous=previous)
            staging.chmod(0o755)  # mkdtemp's 0700 would hide it from a web server serving the files
            _publish(staging, root / date.isoformat())
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            logger.exception("open data export for %s failed; the previous export is unchanged", date)
            if isinstance(exc, OpenDataExportFailed | KeyboardInterrupt | SystemExit):
                raise
            raise OpenDataExportFailed(f"{type(exc).__name__}: {exc}") from exc
        pruned = _prune(root, today=date, keep_days=settings.OPEN_DATA_KEEP_DAYS)
    _audit(date=date, manifest=manifest)
    logger.info(
        "open data export %s published: %s",
        date,
        ", ".join(f"{name} {d['rows']}" for name, d in manifest["datasets"].items()),
    )
    return ExportResult(root / date.isoformat(), manifest, pruned)


def _write_export(folder: Path, *, date: dt.date, previous: Path | None) -> dict[str, Any]:
    alias = router.db_for_read(Enterprise)
    files: list[dict[str, Any]] = []
    datasets: dict[str, Any] = {}
    own_transaction = not connections[alias].in_atomic_block
    with transaction.atomic(using=alias):
        as_of = _snapshot(alias, own_transaction=own_transaction)
        for dataset in DATASETS:
            entries, summary = _write_dataset(dataset, folder=folder, previous=previous, today=date)
            files += entries
            datasets[dataset.name] = summary
        statistics_files, statistics = _write_statistics(folder)
        files += statistics_files
    manifest = {
        "format": FORMAT,
        "date": date.isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "previous": previous.name if previous is not None else None,
        "jwks": JWKS_PATH,
        "signature": SIGNATURE,
        "datasets": datasets,
        "statistics": statistics,
        "files": files,
    }
    body = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    (folder / MANIFEST).write_bytes(body)
    signature = {
        **sign_detached(body),
        "signed_file": MANIFEST,
        "sha256": hashlib.sha256(body).hexdigest(),
        "jwks": JWKS_PATH,
    }
    (folder / SIGNATURE).write_text(json.dumps(signature, indent=2) + "\n")
    return manifest


@transaction.atomic
def _audit(*, date: dt.date, manifest: dict[str, Any]) -> None:
    rows = {name: d["rows"] for name, d in manifest["datasets"].items()}
    audit_write(
        actor=system_actor(),
        action="open_data.export",
        target=("open_data.export", date.isoformat(), f"open data {date.isoformat()}"),
        after={"rows": rows, "as_of": manifest["as_of"], "previous": manifest["previous"]},
    )


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD date, or ValueError naming the expected form."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date of the form YYYY-MM-DD: {text!r}") from None
