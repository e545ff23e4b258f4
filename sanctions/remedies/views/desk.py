"""Remedies on the desk, for agency staff: the repair queue and decisions, the objection queue with
forwarding, decisions and corrections, the objection evidence, and credit commitments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanctions.choices import ApplicationStatus, CommitmentStatus, ObjectionStatus, RecordStatus
from sanctions.desk.views import desk_view, render_desk
from sanctions.models import Commitment, Objection, RepairApplication
from sanctions.records.forms import RecordForm, record_initial
from sanctions.remedies.commitments import commitment_breach, commitment_fulfil, commitment_record
from sanctions.remedies.eligibility import listing_repair_eligibility, record_repair_eligibility
from sanctions.remedies.forms import (
    CommitmentDecisionForm,
    CommitmentForm,
    DecisionForm,
    ObjectionOutcomeForm,
)
from sanctions.remedies.objections import (
    objection_correct,
    objection_forward,
    objection_revoke,
    objection_uphold,
)
from sanctions.remedies.repair import RepairDecision, repair_approve, repair_reject
from sanctions.remedies.selectors import (
    OPEN_OBJECTION_STATUSES,
    application_get,
    commitment_get_for_staff,
    commitments_for_staff,
    evidence_get_for_staff,
    is_application_overdue,
    is_commitment_overdue,
    objection_get_for_staff,
    objection_lateness,
    objection_queue,
    record_current_version,
    repair_queue,
)
from sanctions.remedies.views.responses import serve_file, show_refusal


# -- repair -------------------------------------------------------------------------------------
@desk_view
def repair_queue_view(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    applications = list(repair_queue(user=request.user, overdue_only=overdue_only)[:500])
    today = timezone.localdate()
    rows = [(a, is_application_overdue(a, today)) for a in applications]
    return render_desk(
        request,
        "remedies/repair_queue.html",
        {
            "rows": rows,
            "overdue_only": overdue_only,
            "overdue_count": repair_queue(user=request.user, overdue_only=True).count(),
        },
    )


def _repair_detail(
    request: HttpRequest,
    application: RepairApplication,
    *,
    form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    is_open = application.status == ApplicationStatus.SUBMITTED
    can_decide = is_open and request.desk.can_review(application.agency_id)
    eligibility = None
    if is_open:
        if application.record_id:
            eligibility = record_repair_eligibility(record=application.record)
        else:
            eligibility = listing_repair_eligibility(listing=application.listing)
    return render_desk(
        request,
        "remedies/repair_detail.html",
        {
            "application": application,
            "materials": list(application.materials.all()),
            "can_decide": can_decide,
            "form": form or DecisionForm(),
            "is_overdue": is_application_overdue(application),
            "eligibility": eligibility,
        },
        status=status,
    )


@desk_view
def repair_application_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _repair_detail(request, application_get(user=request.user, pk=pk))


@desk_view
@require_POST
def repair_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == RepairDecision.APPROVE
        decide = repair_approve if approve else repair_reject
        try:
            decide(actor=request.user, application=application, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            if approve:
                messages.success(
                    request, _("Approved: publicity has ended; the enterprise sees your decision.")
                )
            else:
                messages.success(request, _("Rejected: the enterprise sees your reasons."))
            return redirect("remedies:application", pk=application.pk)
    return _repair_detail(request, application, form=form, status=400)


# -- objections ------------------------------------------------------------------------------------
@desk_view
def objection_queue_view(request: HttpRequest) -> HttpResponse:
    open_only = request.GET.get("all") != "1"
    objections = list(objection_queue(user=request.user, open_only=open_only)[:500])
    today = timezone.localdate()
    rows = [(o, objection_lateness(o, today)) for o in objections]
    return render_desk(request, "remedies/objection_queue.html", {"rows": rows, "open_only": open_only})


def _objection_detail(
    request: HttpRequest,
    objection: Objection,
    *,
    form: ObjectionOutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    desk = request.desk
    is_open = objection.status in OPEN_OBJECTION_STATUSES
    source_staff = desk.can_edit(objection.agency_id) or desk.can_review(objection.agency_id)
    return render_desk(
        request,
        "remedies/objection_detail.html",
        {
            "objection": objection,
            "evidence": list(objection.evidence.all()),
            "is_open": is_open,
            "late": objection_lateness(objection),
            "can_forward": is_open and objection.status == ObjectionStatus.RECEIVED and desk.is_admin,
            "can_decide": is_open and (source_staff or desk.is_admin),
            "can_change": is_open and source_staff,
            "can_correct": is_open and source_staff and objection.record_id is not None,
            "form": form or ObjectionOutcomeForm(),
        },
        status=status,
    )


@desk_view
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _objection_detail(request, objection_get_for_staff(user=request.user, pk=pk))


@desk_view
@require_POST
def objection_forward_view(request: HttpRequest, pk: int) -> HttpResponse:
    objection = objection_get_for_staff(user=request.user, pk=pk)
    try:
        objection = objection_forward(actor=request.user, objection=objection)
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(
            request,
            _("Forwarded to %(agency)s: it decides by %(date)s.")
            % {"agency": objection.agency.name, "date": objection.decide_by.isoformat()},
        )
    return redirect("remedies:objection", pk=objection.pk)


@desk_view
@require_POST
def objection_decide(request: HttpRequest, pk: int) -> HttpResponse:
    objection = objection_get_for_staff(user=request.user, pk=pk)
    form = ObjectionOutcomeForm(request.POST)
    if form.is_valid():
        outcome = form.cleaned_data["outcome"]
        decide = objection_uphold if outcome == ObjectionStatus.UPHELD else objection_revoke
        try:
            decide(actor=request.user, objection=objection, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Decided: the objector is told the outcome."))
            return redirect("remedies:objection", pk=objection.pk)
    return _objection_detail(request, objection, form=form, status=400)


@desk_view
def objection_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The source agency corrects the record the objection is about: the desk's record form, prefilled."""
    objection = objection_get_for_staff(user=request.user, pk=pk)
    if objection.record_id is None or objection.status not in OPEN_OBJECTION_STATUSES:
        raise Http404
    if not (request.desk.can_edit(objection.agency_id) or request.desk.can_review(objection.agency_id)):
        raise PermissionDenied(
            _("Only a clerk or reviewer of %(agency)s may do this.") % {"agency": objection.agency.name}
        )
    record = record_current_version(record=objection.record)
    if record.status != RecordStatus.PUBLISHED:
        messages.error(request, _("Only a published record can be corrected."))
        return redirect("remedies:objection", pk=objection.pk)
    if request.method != "POST":
        form = RecordForm(
            kind=record.kind, initial={**record_initial(record), "reason": objection.reason}, correcting=True
        )
        form.link_descriptions()
        return render_desk(
            request,
            "remedies/objection_correct.html",
            {"objection": objection, "record": record, "form": form},
        )
    form = RecordForm(request.POST, kind=record.kind, correcting=True)
    if form.is_valid():
        try:
            new = objection_correct(
                actor=request.user,
                objection=objection,
                data=form.record_data(),
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Correction submitted as version %(version)d for review; the objector is told.")
                % {"version": new.version},
            )
            return redirect("remedies:objection", pk=objection.pk)
    form.link_descriptions()
    return render_desk(
        request,
        "remedies/objection_correct.html",
        {"objection": objection, "record": record, "form": form},
        status=400,
    )


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = evidence_get_for_staff(user=request.user, pk=pk)
    return serve_file(evidence.file, filename=evidence.original_name, content_type=evidence.content_type)


# -- commitments -----------------------------------------------------------------------------------
@desk_view
def commitment_list(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    items = list(commitments_for_staff(user=request.user, overdue_only=overdue_only)[:500])
    rows = [(c, is_commitment_overdue(c, today)) for c in items]
    return render_desk(request, "remedies/commitment_list.html", {"rows": rows, "overdue_only": overdue_only})


@desk_view
def commitment_new(request: HttpRequest) -> HttpResponse:
    agencies = request.desk.edit_agencies
    if not agencies:
        raise PermissionDenied(_("Only a clerk can record commitments: you are not a clerk of any agency."))
    form = CommitmentForm(request.POST or None, agencies=agencies)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                commitment = commitment_record(
                    actor=request.user,
                    agency=form.chosen_agency,
                    enterprise=data["enterprise_uscc"],
                    kind=data["kind"],
                    content=data["content"],
                    legal_basis=data["legal_basis"],
                    signed_on=data["signed_on"],
                    due_date=data.get("due_date"),
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Commitment recorded; it is public from now on."))
                return redirect("remedies:commitment", pk=commitment.pk)
        return render_desk(request, "remedies/commitment_form.html", {"form": form}, status=400)
    return render_desk(request, "remedies/commitment_form.html", {"form": form})


def _commitment_detail(
    request: HttpRequest,
    commitment: Commitment,
    *,
    form: CommitmentDecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    desk = request.desk
    return render_desk(
        request,
        "remedies/commitment_detail.html",
        {
            "commitment": commitment,
            "can_decide": commitment.status == CommitmentStatus.OPEN
            and (desk.can_edit(commitment.agency_id) or desk.can_review(commitment.agency_id)),
            "can_breach": desk.can_edit(commitment.agency_id),
            "form": form or CommitmentDecisionForm(initial={"breached_on": timezone.localdate()}),
        },
        status=status,
    )


@desk_view
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _commitment_detail(request, commitment_get_for_staff(user=request.user, pk=pk))


@desk_view
@require_POST
def commitment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = commitment_get_for_staff(user=request.user, pk=pk)
    form = CommitmentDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == CommitmentStatus.FULFILLED:
                commitment_fulfil(actor=request.user, commitment=commitment, note=data["note"])
                messages.success(request, _("Marked fulfilled."))
            else:
                commitment = commitment_breach(
                    actor=request.user,
                    commitment=commitment,
                    note=data["note"],
                    breached_on=data.get("breached_on"),
                )
                messages.success(
                    request,
                    _("Marked breached: a draft dishonesty record was created. Review and submit it."),
                )
                return redirect("sanctions:record", pk=commitment.breach_record_id)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            return redirect("remedies:commitment", pk=commitment.pk)
    return _commitment_detail(request, commitment, form=form, status=400)
