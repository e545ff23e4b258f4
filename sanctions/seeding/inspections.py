"""The demo's random inspection (双随机、一公开): the national market regulator's roster of
inspectors, a plan graded by credit, reviewed and drawn, and results entered and published (one of
them an enterprise not found at its address, which enters the abnormal-operations list).

The draw is a real one (a random seed), so it may draw an enterprise of a named situation: that one
stays drawn, but results are entered only for drawn enterprises without one, so that each named
situation's page keeps showing what it is about (an enterprise "not found at its address" would put
the clean one on the abnormal-operations list)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from registry.seeding import demo_user_create
from registry.services import staff_role_grant
from sanctions.choices import InspectionOutcome
from sanctions.inspections import services
from sanctions.lists.ratings import default_rating_model
from sanctions.models import InspectionPlan

from .context import SeedContext
from .scenarios import scenario_names

AGENCY = "samr"
TITLE = "市场监管领域信用分级分类“双随机、一公开”抽查（演示）"
RESULTS = [
    (InspectionOutcome.NO_PROBLEM, "", ""),
    (InspectionOutcome.PROBLEMS_CORRECTED, "未按规定公示即时信息（股东认缴出资信息）", "责令限期公示"),
    (InspectionOutcome.NOT_FOUND, "", ""),
    (InspectionOutcome.NO_PROBLEM, "", ""),
]


@transaction.atomic
def inspections_seed(ctx: SeedContext) -> int:
    """The demo plan with its draw and some results, once; returns how many results were published."""
    if AGENCY not in ctx.models or default_rating_model() is None:
        return 0
    agency = ctx.agency(AGENCY)
    if InspectionPlan.objects.filter(agency=agency, title=TITLE).exists():
        return 0
    clerk, reviewer = ctx.clerk(AGENCY), ctx.reviewer(AGENCY)
    for n in range(1, 5):
        user, _created = demo_user_create(actor=ctx.admin, username=f"{AGENCY}_inspector{n}")
        if not StaffRole.objects.filter(user=user, agency=agency).exists():
            staff_role_grant(actor=ctx.admin, user=user, role=StaffRoleKind.CLERK, agency=agency)
        services.inspector_add(actor=ctx.admin, agency=agency, user=user, badge_number=f"10000020{n:04d}")
    today = timezone.localdate()
    plan = services.plan_create(
        actor=clerk,
        agency=agency,
        data={
            "title": TITLE,
            "period_start": today,
            "period_end": today + dt.timedelta(days=180),
            "rating_model": default_rating_model(),
            # After the customs example (2019: 2.44 % of ordinary enterprises, 84.76 % of discredited ones).
            "rates": {"A": "2", "B": "5", "C": "20", "D": "80", "ungraded": "10"},
        },
        submit=True,
    )
    services.plan_approve(actor=reviewer, plan=plan)
    plan = services.inspection_draw(actor=clerk, plan=plan)
    published = 0
    unnamed = plan.inspections.exclude(enterprise__name__in=scenario_names()).order_by("position")
    for inspection, (outcome, findings, consequences) in zip(unnamed, RESULTS, strict=False):
        services.inspection_result_enter(
            actor=clerk,
            inspection=inspection,
            data={
                "outcome": outcome,
                "inspected_on": today,
                "findings": findings,
                "consequences": consequences,
            },
        )
        services.inspection_result_publish(actor=reviewer, inspection=inspection)
        published += 1
    return published
