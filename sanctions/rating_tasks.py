"""Background work for ratings and lists. Tasks are thin: they take ids and call a service.

Services import these tasks (to schedule them on commit), so the services are imported inside the
task bodies, never at module level.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from registry.context import request_context


@shared_task(
    name="sanctions.rating_tasks.rating_recompute",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def rating_recompute(enterprise_id: int) -> list[str]:
    """Recompute one enterprise's ratings after a record or listing changed; safe to run twice."""
    from registry.models import Enterprise

    from .ratings import rating_recompute as _rating_recompute

    if not Enterprise.objects.filter(pk=enterprise_id).exists():
        return []
    with request_context(prefix="task:rating_recompute:"):
        ratings = _rating_recompute(enterprise_id=enterprise_id)
    return [f"{r.model_id}:{r.grade}" for r in ratings]


@shared_task(name="sanctions.rating_tasks.listings_expire")
def listings_expire() -> int:
    """Daily: mark listings whose term has ended as removed and tell subscribers; recompute the
    ratings of enterprises whose listing starts today (visibility itself never waits for this)."""
    from .lists import listings_expire as _listings_expire
    from .lists import listings_starting

    total = 0
    with request_context(prefix="task:listings_expire:"):
        while count := _listings_expire():
            total += count
        for enterprise_id in listings_starting():
            rating_recompute.delay(enterprise_id)
    return total
