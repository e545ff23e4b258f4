"""Reads for random inspections: the desk's plans, the public plans and results, the statistics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from registry.models import Enterprise
from sanctions.choices import InspectionOutcome, InspectionPlanStatus, InspectionResultStatus
from sanctions.inspections.draw import UNGRADED, Drawn
from sanctions.models import Inspection, InspectionPlan, Inspector
from sanctions.permissions import get_for_staff, restrict_to_staff


def plans_for_staff(*, user: User) -> QuerySet[InspectionPlan]:
    return restrict_to_staff(InspectionPlan.objects.select_related("agency", "rating_model"), user).defer(
        "snapshot"
    )


def plan_get_for_staff(*, user: User, pk: int) -> InspectionPlan:
    return get_for_staff(
        InspectionPlan.objects.select_related("agency", "rating_model", "created_by"), user, pk=pk
    )


def inspection_get_for_staff(*, user: User, pk: int) -> Inspection:
    return get_for_staff(
        Inspection.objects.select_related(
            "plan", "plan__agency", "enterprise", "inspector_1__user", "inspector_2__user", "entered_by"
        ),
        user,
        pk=pk,
        agency_field="plan__agency",
    )


def plan_inspections(*, plan: InspectionPlan) -> QuerySet[Inspection]:
    return plan.inspections.select_related("enterprise", "inspector_1", "inspector_2").order_by("position")


def inspectors_of(*, agencies) -> QuerySet[Inspector]:
    return (
        Inspector.objects.filter(agency__in=agencies)
        .select_related("agency", "user")
        .prefetch_related("conflicts__enterprise")
    )


def public_plans() -> QuerySet[InspectionPlan]:
    """Drawn plans, newest first: public with their seed, snapshot and drawn list."""
    return (
        InspectionPlan.objects.filter(status=InspectionPlanStatus.DRAWN)
        .select_related("agency", "rating_model")
        .defer("snapshot")
        .order_by("-drawn_at", "-id")
    )


def public_plan_get(*, pk: int) -> InspectionPlan | None:
    return public_plans().filter(pk=pk).first()


def public_plan_snapshot(*, pk: int) -> bytes | None:
    """The published snapshot file of a drawn plan, byte for byte as its SHA-256 was taken."""
    text = (
        InspectionPlan.objects.filter(pk=pk, status=InspectionPlanStatus.DRAWN)
        .values_list("snapshot", flat=True)
        .first()
    )
    return None if text is None else text.encode()


def published_results() -> QuerySet[Inspection]:
    """Inspections whose result a reviewer has published: public (抽查检查结果)."""
    return Inspection.objects.filter(result_status=InspectionResultStatus.PUBLISHED)


def published_results_for(*, enterprise: Enterprise) -> QuerySet[Inspection]:
    return (
        published_results()
        .filter(enterprise=enterprise)
        .select_related("plan", "plan__agency")
        .order_by("-inspected_on", "-id")
    )


def recorded_draw(*, plan: InspectionPlan) -> list[Drawn]:
    """The draw as recorded, in the form ``draw.draw_compute`` gives it (to compare the two)."""
    return [
        Drawn(uscc, grade, badge_1, badge_2)
        for uscc, grade, badge_1, badge_2 in plan.inspections.order_by("enterprise__uscc").values_list(
            "enterprise__uscc", "grade", "inspector_1__badge_number", "inspector_2__badge_number"
        )
    ]


@dataclass
class GradeRate:
    """The realised inspection rate of one grade, over every drawn plan (or one)."""

    grade: str
    population: int
    drawn: int
    published: int
    problems: int

    @property
    def rate(self) -> Decimal | None:
        if not self.population:
            return None
        return (Decimal(100) * self.drawn / self.population).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def is_ungraded(self) -> bool:
        return self.grade == UNGRADED


PROBLEM_OUTCOMES = [
    InspectionOutcome.PROBLEMS_CORRECTED,
    InspectionOutcome.PROBLEMS_PENDING,
    InspectionOutcome.NOT_FOUND,
    InspectionOutcome.REFUSED,
]


def inspection_rates(*, plans: QuerySet[InspectionPlan] | None = None) -> list[GradeRate]:
    """Per grade: enterprises in the drawn plans' populations, how many were drawn (the realised
    rate), how many results are published and how many found a problem. Best grade first."""
    plans = public_plans() if plans is None else plans
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    order: list[str] = []
    plan_ids = []
    for plan in (
        plans.select_related(None).select_related("rating_model").only("id", "strata", "rating_model__grades")
    ):
        plan_ids.append(plan.pk)
        for g in [str(g["grade"]) for g in plan.rating_model.grades] + [UNGRADED]:
            if g not in order:
                order.append(g)
        for stratum, counts in (plan.strata or {}).items():
            totals[stratum][0] += int(counts.get("population", 0))
            totals[stratum][1] += int(counts.get("drawn", 0))
    results = (
        published_results()
        .filter(plan_id__in=plan_ids)
        .values("grade")
        .annotate(published=Count("id"), problems=Count("id", filter=Q(outcome__in=PROBLEM_OUTCOMES)))
        .order_by()
    )
    for row in results:
        stratum = row["grade"] or UNGRADED
        totals[stratum][2] += row["published"]
        totals[stratum][3] += row["problems"]
    order += sorted(set(totals) - set(order))
    return [GradeRate(g, *totals[g]) for g in order if g in totals]
