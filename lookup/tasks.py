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


@shared_task(name="lookup.tasks.profiles_refresh")
def profiles_refresh(enterprise_ids: list[int]) -> dict:
    """Render again the public profiles of enterprises that changed (queued on commit)."""
    from .profiles import profiles_build

    result = profiles_build(enterprise_ids)
    return {"stored": result.stored, "changed_meanwhile": result.changed_meanwhile, "missing": result.missing}


@shared_task(name="lookup.tasks.profiles_nightly")
def profiles_nightly() -> dict:
    """Nightly, after midnight: build every standing and render every profile that is missing or no
    longer current (a record whose publicity ended, a new deployment, renamed reference data), then
    verify a sample of each; a difference fails the task loudly (``manage.py profiles_verify``)."""
    from sanctions.lists.standing_facts import standings_build_due, standings_verify

    from .profiles import profiles_build_due, profiles_verify

    with request_context(prefix="task:profiles_nightly:"):
        standings = standings_build_due()
        built = profiles_build_due()
        standings_compared, stale = standings_verify()
        compared, differences = profiles_verify()
    for enterprise_id in stale[:20]:
        logger.error("standings_verify: enterprise %s: its precomputed standing differs", enterprise_id)
    for difference in differences[:20]:
        logger.error("profiles_verify: %s (%s): %s", difference.uscc, difference.language, difference.reason)
    if stale or differences:
        raise RuntimeError(
            f"profiles_verify: {len(differences)} differences in {compared} profiles compared, "
            f"{len(stale)} in {standings_compared} standings compared"
        )
    return {
        "stored": built.stored,
        "compared": compared,
        "standings_stored": standings.stored,
        "standings_compared": standings_compared,
    }
