"""Credit data for the demo set, through the services: the named situations first, then the other
demo enterprises at realistic rates, then what the daily jobs would have done (records whose
publicity has ended marked expired) and every demo enterprise's rating."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from registry.models import Enterprise
from registry.seeding import demo_enterprise_codes, demo_lock
from sanctions.models import EnterpriseRating

from .bulk import demo_set_seed
from .context import SeedContext
from .inspections import inspections_seed
from .measures import measures_seed
from .scenarios import scenario_names, scenarios_seed


@dataclass
class DemoReport:
    measures: int = 0
    scenarios: int = 0
    enterprises: int = 0  # other demo enterprises given credit data
    expired: int = 0
    ratings: int = 0
    inspections: int = 0  # inspection results published by the demo's drawn plan
    touched: list[int] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return bool(self.measures or self.scenarios or self.enterprises)


def background_seed(ctx: SeedContext) -> tuple[int, list[int]]:
    """The plans of the demo enterprises that show no named situation, by the bulk paths (as for
    synthetic enterprises), once; returns (how many got something, their ids)."""
    enterprises = (
        Enterprise.objects.filter(uscc__in=demo_enterprise_codes())
        .exclude(name__in=scenario_names())
        .order_by("pk")
    )
    report = demo_set_seed(ctx, enterprises)
    if report is None:
        return 0, []
    return report.touched, report.touched_ids


def _expire_due(today: dt.date) -> int:
    """What the daily job does: mark published records whose publicity has ended (batch by batch)."""
    from sanctions.records.services import records_expire

    total = 0
    while count := records_expire(today=today):
        total += count
    return total


@transaction.atomic
def _ratings(enterprise_ids: list[int], today: dt.date) -> int:
    """Recompute the ratings of the demo enterprises touched now, and of any without one yet, as
    ``rating_recompute`` does for one (a new rating only where the outcome changed), all at once."""
    from sanctions.lists.ratings import Engine, evaluate_many, lock_enterprises, rating_models_in_force

    unrated = set(
        Enterprise.objects.filter(uscc__in=demo_enterprise_codes())
        .exclude(pk__in=EnterpriseRating.objects.filter(is_current=True).values("enterprise_id"))
        .values_list("pk", flat=True)
    )
    ids = sorted(unrated | set(enterprise_ids))
    engines = [Engine.load(m) for m in rating_models_in_force(today=today)]
    if not ids or not engines:
        return 0
    lock_enterprises(ids)
    evaluate_many(ids, engines, today)
    return len(ids)


def credit_seed_demo(*, actor=None, today: dt.date | None = None) -> DemoReport:
    """Give the demo set its credit data (what is missing only); see the module's docstring."""
    ctx = SeedContext.load(actor=actor, today=today)
    report = DemoReport()
    with demo_lock():
        report.measures = measures_seed(ctx)
        report.scenarios, touched = scenarios_seed(ctx)
        report.enterprises, more = background_seed(ctx)
        report.touched = touched + more
        report.expired = _expire_due(ctx.today)
        report.ratings = _ratings(report.touched, ctx.today)
        report.inspections = inspections_seed(ctx)
    return report
