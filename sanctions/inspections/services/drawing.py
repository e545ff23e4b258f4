"""The draw: a plan's population and snapshot, and the plan drawn once from a CSPRNG seed."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.choices import EnterpriseStatus
from registry.models import Enterprise
from sanctions.choices import InspectionPlanStatus
from sanctions.inspections.draw import (
    ALGORITHM,
    DrawImpossible,
    draw_compute,
    snapshot_bytes,
    snapshot_sha256,
    strata_counts,
)
from sanctions.lists.selectors import active_listings
from sanctions.models import EnterpriseRating, Inspection, InspectionPlan, Inspector, InspectorConflict
from sanctions.permissions import ensure_can_correct

from .plans import _locked_plan, _refuse


def plan_population(*, plan: InspectionPlan, today: dt.date | None = None) -> list[tuple[str, str]]:
    """The plan's population today, ordered by USCC: (USCC, current grade or "" when ungraded).

    Enterprises in operation, in the plan's industries and division, on every list it requires and
    on none it excludes.
    """
    today = today or timezone.localdate()
    grade = EnterpriseRating.objects.filter(
        enterprise=OuterRef("pk"), model=plan.rating_model_id, is_current=True
    ).values("grade")[:1]
    queryset = Enterprise.objects.filter(status=EnterpriseStatus.IN_OPERATION)
    if plan.industries:
        queryset = queryset.filter(industry__in=plan.industries)
    if plan.division_prefix:
        queryset = queryset.filter(division_code__startswith=plan.division_prefix)
    listed = active_listings(today=today).filter(enterprise=OuterRef("pk"))
    for code in plan.include_list_kinds:
        queryset = queryset.filter(Exists(listed.filter(list_kind=code)))
    if plan.exclude_list_kinds:
        queryset = queryset.exclude(Exists(listed.filter(list_kind__in=plan.exclude_list_kinds)))
    rows = queryset.annotate(grade=Subquery(grade)).order_by("uscc").values_list("uscc", "grade")
    return [(uscc, grade or "") for uscc, grade in rows.iterator(chunk_size=5000)]


def plan_snapshot(*, plan: InspectionPlan, today: dt.date | None = None) -> dict[str, Any]:
    """What the draw is computed from, as it will be published (``draw.snapshot_bytes``)."""
    inspectors = list(
        Inspector.objects.filter(agency=plan.agency, active=True, user__is_active=True)
        .order_by("badge_number")
        .values_list("badge_number", flat=True)
    )
    conflicts = sorted(
        InspectorConflict.objects.filter(inspector__agency=plan.agency, inspector__active=True).values_list(
            "inspector__badge_number", "enterprise__uscc"
        )
    )
    return {
        "algorithm": ALGORITHM,
        "plan": plan.pk,
        "agency": plan.agency.uscc,
        "rating_model": plan.rating_model_id,
        "rates": plan.rates,
        "taken_on": (today or timezone.localdate()).isoformat(),
        "population": [list(row) for row in plan_population(plan=plan, today=today)],
        "inspectors": inspectors,
        "conflicts": [list(pair) for pair in conflicts],
    }


@transaction.atomic
def inspection_draw(*, actor: User, plan: InspectionPlan, seed: str | None = None) -> InspectionPlan:
    """Draw an approved plan, once: enterprises by the rates of their grades, two inspectors each.

    The seed comes from the operating system's CSPRNG (``seed`` is for tests only); the seed, the
    snapshot and its SHA-256 are recorded with the drawn inspections, and a second draw is refused.
    """
    plan = _locked_plan(plan)
    ensure_can_correct(actor, plan.agency)
    if plan.status == InspectionPlanStatus.DRAWN:
        raise ValidationError(_("This plan has already been drawn: a plan is drawn once."))
    _refuse(
        plan.status,
        {InspectionPlanStatus.APPROVED},
        _("A plan that is “%(status)s” cannot be drawn: a reviewer approves it first."),
    )
    if plan.period_end < timezone.localdate():
        raise ValidationError({"period_end": [_("The plan's period has already ended.")]})
    seed = seed or secrets.token_hex(32)
    snapshot = plan_snapshot(plan=plan)
    if len(snapshot["inspectors"]) < 2:
        raise ValidationError(
            _("%(agency)s has fewer than two inspectors on its roster: each inspection needs two.")
            % {"agency": plan.agency.name}
        )
    try:
        drawn = draw_compute(seed=seed, snapshot=snapshot)
    except DrawImpossible as exc:
        raise ValidationError(
            _("Enterprise %(uscc)s cannot get two inspectors free of a conflict of interest.")
            % {"uscc": exc.uscc}
        ) from None
    inspectors = {i.badge_number: i for i in Inspector.objects.filter(agency=plan.agency, active=True)}
    enterprises = dict(Enterprise.objects.filter(uscc__in=[d.uscc for d in drawn]).values_list("uscc", "pk"))
    Inspection.objects.bulk_create(
        [
            Inspection(
                plan=plan,
                enterprise_id=enterprises[item.uscc],
                grade=item.grade,
                position=position,
                inspector_1=inspectors[item.inspector_1],
                inspector_2=inspectors[item.inspector_2],
            )
            for position, item in enumerate(drawn, start=1)
        ],
        batch_size=2000,
    )
    plan.algorithm = ALGORITHM
    plan.seed = seed
    plan.snapshot = snapshot_bytes(snapshot).decode()
    plan.snapshot_sha256 = snapshot_sha256(snapshot)
    plan.population = len(snapshot["population"])
    plan.strata = strata_counts(snapshot=snapshot, drawn=drawn)
    plan.status = InspectionPlanStatus.DRAWN
    plan.drawn_by = actor
    plan.drawn_at = timezone.now()
    plan.save()
    audit_write(
        actor=actor,
        action="inspection_plan.draw",
        target=plan,
        after={
            "seed": seed,
            "snapshot_sha256": plan.snapshot_sha256,
            "population": plan.population,
            "drawn": len(drawn),
        },
    )
    return plan
