"""Desk pages for random inspections (/desk/inspections/…): plans, their review and draw, results
and the roster of inspectors. Thin views: every write is a service call that checks permission."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanctions.choices import InspectionPlanStatus, InspectionResultStatus
from sanctions.desk.forms import CommentForm, StatusFilterForm
from sanctions.desk.review import desk_step, review_rights
from sanctions.desk.views import desk_view, paginate, render_desk
from sanctions.inspections import selectors, services
from sanctions.inspections.forms import ConflictForm, InspectorForm, PlanForm, ResultForm, plan_initial
from sanctions.models import Inspection, InspectionPlan


@desk_view
def plan_list(request: HttpRequest) -> HttpResponse:
    """The plans of the viewer's agencies, newest first."""
    qs = selectors.plans_for_staff(user=request.user)
    form = StatusFilterForm(request.GET, choices=InspectionPlanStatus.choices)
    if form.chosen:
        qs = qs.filter(status=form.chosen)
    return render_desk(
        request, "inspections/plan_list.html", {"page": paginate(request, qs), "filter_form": form}
    )


@desk_view
def plan_new(request: HttpRequest) -> HttpResponse:
    if not request.desk.edit_agencies:
        raise PermissionDenied(_("Only a clerk may draft an inspection plan."))
    form = PlanForm(
        request.POST or None,
        agencies=request.desk.edit_agencies,
        initial={"period_start": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(
                actor=request.user,
                agency=form.cleaned_data["agency"],
                data=form.data_for_service(),
                submit=request.POST.get("action") == "submit",
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Plan saved.")
                if plan.status == InspectionPlanStatus.DRAFT
                else _("Plan submitted for review."),
            )
            return redirect("inspections:plan", plan.pk)
    return render_desk(
        request,
        "inspections/plan_form.html",
        {"form": form, "plan": None},
        status=400 if form.errors else 200,
    )


@desk_view
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_staff(user=request.user, pk=pk)
    if plan.status != InspectionPlanStatus.DRAFT or not request.desk.can_edit(plan.agency_id):
        raise PermissionDenied(_("Only a clerk of the plan's agency may edit it, and only as a draft."))
    form = PlanForm(
        request.POST or None,
        agencies=request.desk.edit_agencies,
        model=plan.rating_model,
        initial=plan_initial(plan),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(actor=request.user, plan=plan, data=form.data_for_service())
            if request.POST.get("action") == "submit":
                services.plan_submit(actor=request.user, plan=plan)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Plan saved."))
            return redirect("inspections:plan", plan.pk)
    return render_desk(
        request,
        "inspections/plan_form.html",
        {"form": form, "plan": plan},
        status=400 if form.errors else 200,
    )


def _plan_detail(
    request: HttpRequest, plan: InspectionPlan, *, comment_form=None, status: int = 200
) -> HttpResponse:
    rights = review_rights(request, plan, statuses=InspectionPlanStatus)
    actions = {**rights.actions, "draw": plan.status == InspectionPlanStatus.APPROVED and rights.of_agency}
    return render_desk(
        request,
        "inspections/plan_detail.html",
        {
            "plan": plan,
            "rates": list(plan.rates.items()),
            "inspections": selectors.plan_inspections(plan=plan)
            if plan.status == InspectionPlanStatus.DRAWN
            else [],
            "actions": actions,
            "can_edit": rights.can_edit,
            "can_review": rights.can_review,
            "comment_form": comment_form or CommentForm(),
        },
        status=status,
    )


@desk_view
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_detail(request, selectors.plan_get_for_staff(user=request.user, pk=pk))


def _plan_step(request: HttpRequest, pk: int, run, done: str) -> HttpResponse:
    plan = selectors.plan_get_for_staff(user=request.user, pk=pk)
    return desk_step(request, plan, run, done, page="inspections:plan")


@require_POST
@desk_view
def plan_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_step(
        request,
        pk,
        lambda p: services.plan_submit(actor=request.user, plan=p),
        _("Plan submitted for review."),
    )


@require_POST
@desk_view
def plan_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_step(
        request,
        pk,
        lambda p: services.plan_approve(actor=request.user, plan=p),
        _("Plan approved: it can be drawn."),
    )


@require_POST
@desk_view
def plan_draw_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_step(
        request,
        pk,
        lambda p: services.inspection_draw(actor=request.user, plan=p),
        _("Drawn. The seed and the population snapshot are published."),
    )


@require_POST
@desk_view
def plan_send_back_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_staff(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.plan_send_back(actor=request.user, plan=plan, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Plan sent back to the clerk."))
            return redirect("inspections:plan", plan.pk)
    return _plan_detail(request, plan, comment_form=form, status=400)


# -- results -----------------------------------------------------------------------------------------------
def _inspection_page(
    request: HttpRequest, inspection: Inspection, *, form=None, comment_form=None, status: int = 200
) -> HttpResponse:
    desk = request.desk
    agency_id = inspection.plan.agency_id
    actions = {
        "enter": inspection.result_status == InspectionResultStatus.PENDING and desk.can_edit(agency_id),
        "review": inspection.result_status == InspectionResultStatus.SUBMITTED
        and desk.can_review(agency_id)
        and inspection.entered_by_id != request.user.pk,
    }
    return render_desk(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "actions": actions,
            "form": form or ResultForm(initial={"inspected_on": timezone.localdate()}),
            "comment_form": comment_form or CommentForm(),
        },
        status=status,
    )


@desk_view
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One drawn inspection: enter its result (clerks), publish or send it back (another reviewer)."""
    inspection = selectors.inspection_get_for_staff(user=request.user, pk=pk)
    form = ResultForm(request.POST or None, initial={"inspected_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_result_enter(
                actor=request.user, inspection=inspection, data=form.cleaned_data
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Result entered: a reviewer publishes it."))
            return redirect("inspections:inspection", inspection.pk)
    return _inspection_page(request, inspection, form=form, status=400 if form.errors else 200)


@require_POST
@desk_view
def inspection_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    return desk_step(
        request,
        selectors.inspection_get_for_staff(user=request.user, pk=pk),
        lambda i: services.inspection_result_publish(actor=request.user, inspection=i),
        _("Result published."),
        page="inspections:inspection",
    )


@require_POST
@desk_view
def inspection_send_back_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get_for_staff(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.inspection_result_send_back(
                actor=request.user, inspection=inspection, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Result sent back to the clerk."))
            return redirect("inspections:inspection", inspection.pk)
    return _inspection_page(request, inspection, comment_form=form, status=400)


# -- the roster --------------------------------------------------------------------------------------------
@desk_view
def roster(request: HttpRequest) -> HttpResponse:
    """The agency's inspectors and their declared conflicts of interest; add either."""
    agencies = request.desk.agencies
    if not agencies:
        raise PermissionDenied(_("Only the staff of an agency keep a roster of inspectors."))
    inspector_form = InspectorForm(
        request.POST if request.POST.get("form") == "inspector" else None,
        agencies=agencies,
        prefix="inspector",
    )
    conflict_form = ConflictForm(
        request.POST if request.POST.get("form") == "conflict" else None, agencies=agencies, prefix="conflict"
    )
    if request.method == "POST":
        form = inspector_form if request.POST.get("form") == "inspector" else conflict_form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if form is inspector_form:
                    services.inspector_add(
                        actor=request.user,
                        agency=data["agency"],
                        user=data["username"],
                        badge_number=data["badge_number"],
                    )
                else:
                    services.inspector_conflict_record(
                        actor=request.user,
                        inspector=data["inspector"],
                        enterprise=data["enterprise"],
                        reason=data["reason"],
                    )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("inspections:roster")
    return render_desk(
        request,
        "inspections/roster.html",
        {
            "inspectors": selectors.inspectors_of(agencies=agencies),
            "inspector_form": inspector_form,
            "conflict_form": conflict_form,
        },
        status=400 if inspector_form.errors or conflict_form.errors else 200,
    )
