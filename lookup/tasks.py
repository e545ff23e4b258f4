"""Background work of the public portal. Tasks are thin: they call the same service as the commands."""

from __future__ import annotations

import logging

from celery import shared_task

from registry.context import request_context

from .opendata.export import open_data_export as _open_data_export

logger = logging.getLogger(__name__)


@shared_task(name="lookup.tasks.open_data_export")
def open_data_export() -> dict:
    """Nightly: the day's open data export (docs/open-data.md). A failure is logged by the service and
    raised, so the task shows as failed; the previous export stays published."""
    with request_context(prefix="task:open_data_export:"):
        result = _open_data_export()
    return {
        "folder": str(result.folder),
        "rows": {name: d["rows"] for name, d in result.manifest["datasets"].items()},
        "pruned": result.pruned,
    }
