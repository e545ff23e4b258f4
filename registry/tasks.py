"""Background work for the registry. Tasks are thin: they call the same code as the commands."""

from __future__ import annotations

import logging

from celery import shared_task

from .audit import audit_verify as _audit_verify
from .context import request_context

logger = logging.getLogger(__name__)


@shared_task(name="registry.tasks.audit_verify")
def audit_verify() -> dict:
    """Daily check that nobody has altered the audit trail; logs an error naming the broken entry."""
    with request_context(prefix="task:audit_verify:"):
        report = _audit_verify()
    if not report.ok:
        logger.error("audit chain broken at entry #%s: %s", report.first_broken_id, report.reason)
    return {"ok": report.ok, "checked": report.checked, "first_broken_id": report.first_broken_id}


@shared_task(name="registry.tasks.references_verify")
def references_verify() -> dict:
    """Nightly: the references the database does not check still name existing rows; logs an error
    naming each column that holds a dangling value."""
    from .references import references_verify as verify

    with request_context(prefix="task:references_verify:"):
        dangling = verify()
    for found in dangling:
        logger.error("dangling reference %s", found.message)
    return {"ok": not dangling, "dangling": {d.reference.label: d.rows for d in dangling}}


@shared_task(name="registry.tasks.changes_prune")
def changes_prune() -> int:
    """Daily: delete change-feed events past CHANGE_FEED_RETENTION_DAYS, in batches."""
    from .changes import changes_prune as prune

    with request_context(prefix="task:changes_prune:"):
        return prune()


@shared_task(name="registry.tasks.annual_report_reminders")
def annual_report_reminders() -> int:
    """Daily: on and after 1 and 20 June, remind enterprise users whose report is missing (once each)."""
    from .annual_reports.services import annual_report_reminders_send

    with request_context(prefix="task:annual_report_reminders:"):
        return annual_report_reminders_send()


@shared_task(name="registry.tasks.search_sample_refresh")
def search_sample_refresh() -> int:
    """Nightly: draw the search sample again (registry/search_sample.py)."""
    from .search_sample import search_sample_refresh as refresh

    with request_context(prefix="task:search_sample_refresh:"):
        return refresh()
