"""Public pages of random inspections (/inspections/…): the realised inspection rate per credit
grade, each drawn plan with its published seed, snapshot and drawn list, and the published results."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from registry.selectors import enterprise_in_path
from sanctions.choices import InspectionResultStatus
from sanctions.desk.views import paginate
from sanctions.inspections import selectors
from sanctions.inspections.draw import ALGORITHM


def inspections_home(request: HttpRequest) -> HttpResponse:
    """The realised inspection rate per grade over every drawn plan, and the plans."""
    return render(
        request,
        "inspections/public_home.html",
        {"rates": selectors.inspection_rates(), "page": paginate(request, selectors.public_plans())},
    )


def plan_public(request: HttpRequest, pk: int) -> HttpResponse:
    """A drawn plan: scope, rates, the seed and snapshot to reproduce the draw, the drawn list and results."""
    plan = selectors.public_plan_get(pk=pk)
    if plan is None:
        raise Http404
    inspections = plan.inspections.select_related("enterprise", "inspector_1", "inspector_2").order_by(
        "enterprise__uscc"
    )
    return render(
        request,
        "inspections/public_plan.html",
        {
            "plan": plan,
            "rates": selectors.inspection_rates(plans=selectors.public_plans().filter(pk=plan.pk)),
            "page": paginate(request, inspections),
            "published": InspectionResultStatus.PUBLISHED,
            "algorithm": ALGORITHM,
        },
    )


def plan_snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    """The population snapshot file, byte for byte as its published SHA-256 was taken."""
    data = selectors.public_plan_snapshot(pk=pk)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="inspection-plan-{pk}-snapshot.json"'
    return response


def enterprise_results(request: HttpRequest, uscc: str) -> HttpResponse:
    """Every published inspection result of one enterprise (the credit page shows the latest)."""
    enterprise = enterprise_in_path(uscc, view_name="inspections:public-enterprise")
    if isinstance(enterprise, HttpResponse):
        return enterprise
    return render(
        request,
        "inspections/public_enterprise.html",
        {
            "enterprise": enterprise,
            "page": paginate(request, selectors.published_results_for(enterprise=enterprise)),
        },
    )
