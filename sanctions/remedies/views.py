"""Pages of credit repair, objections and credit commitments: thin views over the services.

Three audiences: anyone (repair eligibility, the objection form and its follow-up page), an
enterprise account (its repair applications), and agency staff on the desk (queues and decisions).
Uploaded files have no URL of their own: they are served here, as attachments, to those allowed.
"""

from __future__ import annotations

import hashlib
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from registry import uscc as uscc_codes
from registry.accounts import enterprise_of
from registry.selectors import enterprise_get
from sanctions.choices import ObjectionStatus, RecordStatus
from sanctions.desk.views import desk_view
from sanctions.lists.selectors import active_listings
from sanctions.models import CreditRecord, Listing
from sanctions.records.forms import RecordForm, record_initial
from sanctions.records.selectors import public_records
from sanctions.remedies import commitments as commitment_services
from sanctions.remedies import objections as objection_services
from sanctions.remedies import repair as repair_services
from sanctions.remedies.forms import (
    CommitmentDecisionForm,
    CommitmentForm,
    DecisionForm,
    ObjectionForm,
    ObjectionOutcomeForm,
    RepairApplyForm,
)

DEFAULT_OBJECTION_RATE_PER_HOUR = 5


def _desk_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return render(request, template, {"desk": getattr(request, "desk", None), **context}, status=status)


def _fail(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _serve_file(file_field, *, filename: str, content_type: str) -> FileResponse:
    """A stored upload as a download: never rendered inline, never sniffed into something else."""
    try:
        handle = file_field.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return _private(response)


# -- public: repair eligibility ------------------------------------------------------------------------
def repair_eligibility(request: HttpRequest, uscc: str) -> HttpResponse:
    """For each public penalty and listing of an enterprise: can it be repaired, from when, and why not."""
    code = uscc_codes.compact(uscc)
    enterprise = enterprise_get(uscc=code) if code else None
    if enterprise is None:
        raise Http404(_("No enterprise has this code."))
    if code != uscc:
        return redirect("remedies:eligibility", uscc=code)
    rows = repair_services.repair_eligibility_for(enterprise=enterprise)
    own = enterprise_of(request.user)
    return render(
        request,
        "remedies/eligibility.html",
        {
            "enterprise": enterprise,
            "rows": rows,
            "is_own": own is not None and own.pk == enterprise.pk,
            "today": timezone.localdate(),
        },
    )


# -- public: objections ----------------------------------------------------------------------------------
def _client_address(request: HttpRequest) -> str:
    if getattr(settings, "PORTAL_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def objection_rate_exceeded(request: HttpRequest) -> bool:
    """Count one objection attempt for the client address; True once over the hourly limit."""
    limit = int(getattr(settings, "OBJECTION_RATE_PER_HOUR", DEFAULT_OBJECTION_RATE_PER_HOUR))
    digest = hashlib.sha256(_client_address(request).encode()).hexdigest()[:32]
    key = f"remedies:objection-rate:{digest}"
    try:
        cache.add(key, 0, 3600)
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3600)
        count = 1
    except Exception:  # noqa: BLE001 - a broken cache must not close the form
        return False
    return count > limit


def _objection_target(kind: str, pk: int) -> CreditRecord | Listing:
    if kind == "record":
        target = public_records().select_related("agency", "enterprise").filter(pk=pk).first()
    else:
        target = active_listings().select_related("enterprise").filter(pk=pk).first()
    if target is None:
        raise Http404(_("This record is not public."))
    return target


@never_cache
def objection_new(request: HttpRequest, pk: int, kind: str = "record") -> HttpResponse:
    """Anyone objects to a public record or listing; no account needed."""
    target = _objection_target(kind, pk)
    context = {"target": target, "kind": kind, "enterprise": target.enterprise}
    if request.method != "POST":
        return render(request, "remedies/objection_form.html", {**context, "form": ObjectionForm()})
    if objection_rate_exceeded(request):
        response = render(
            request,
            "remedies/objection_form.html",
            {**context, "form": ObjectionForm(), "rate_limited": True},
            status=429,
        )
        response["Retry-After"] = "3600"
        return response
    form = ObjectionForm(request.POST, request.FILES)
    if form.is_valid():
        if form.cleaned_data.get("website"):
            raise PermissionDenied
        try:
            objection, key = objection_services.objection_submit(
                objector_name=form.cleaned_data["objector_name"],
                contact=form.cleaned_data["contact"],
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
                record=target if kind == "record" else None,
                listing=target if kind == "listing" else None,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            return _private(
                render(
                    request,
                    "remedies/objection_submitted.html",
                    {
                        **context,
                        "objection": objection,
                        "key": key,
                        "follow_url": request.build_absolute_uri(objection_services.follow_path(objection))
                        + f"?key={key}",
                    },
                )
            )
    return render(request, "remedies/objection_form.html", {**context, "form": form}, status=400)


def objection_follow(request: HttpRequest, reference: str) -> HttpResponse:
    """The objector's follow-up page: status, deadlines and outcome. Needs the key; otherwise 404."""
    objection = objection_services.objection_follow_get(reference=reference, key=request.GET.get("key", ""))
    if objection is None:
        raise Http404(_("No objection has this reference and key."))
    return _private(
        render(
            request,
            "remedies/objection_follow.html",
            {
                "objection": objection,
                "is_open": objection.status in objection_services.OPEN,
                "late": objection_services.objection_lateness(objection),
            },
        )
    )


# -- enterprise account: repair applications -------------------------------------------------------------
def enterprise_view(view):
    """Signed in and confirmed as acting for an enterprise; else a page that says how to get there."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.enterprise = enterprise_of(request.user)
        if request.enterprise is None:
            return render(request, "remedies/account_needed.html", {}, status=403)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return render(
                request,
                "remedies/account_needed.html",
                {"message": " ".join(str(a) for a in exc.args)},
                status=403,
            )

    return wrapper


@enterprise_view
def my_applications(request: HttpRequest) -> HttpResponse:
    applications = repair_services.applications_of_enterprise(user=request.user)
    return render(
        request,
        "remedies/my_applications.html",
        {"enterprise": request.enterprise, "applications": applications},
    )


@enterprise_view
def repair_apply_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Apply for repair of one of the enterprise's own public penalties or listings."""
    model = CreditRecord if kind == "record" else Listing
    target = model.objects.filter(pk=pk, enterprise=request.enterprise).first()
    if target is None:
        raise Http404
    if kind == "record":
        eligibility = repair_services.record_repair_eligibility(record=target)
    else:
        eligibility = repair_services.listing_repair_eligibility(listing=target)
    form = RepairApplyForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = repair_services.repair_apply(
                    actor=request.user,
                    statement=form.cleaned_data["statement"],
                    materials=form.materials(),
                    record=target if kind == "record" else None,
                    listing=target if kind == "listing" else None,
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _("Application submitted: %(agency)s decides by %(date)s.")
                    % {"agency": application.agency.name, "date": application.decide_by.isoformat()},
                )
                return redirect("remedies:my-application", pk=application.pk)
        status = 400
    return render(
        request,
        "remedies/apply.html",
        {
            "enterprise": request.enterprise,
            "target": target,
            "kind": kind,
            "eligibility": eligibility,
            "form": form,
        },
        status=status,
    )


@enterprise_view
def my_application(request: HttpRequest, pk: int) -> HttpResponse:
    application = repair_services.applications_of_enterprise(user=request.user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return render(
        request,
        "remedies/my_application.html",
        {
            "enterprise": request.enterprise,
            "application": application,
            "materials": list(application.materials.all()),
            "is_overdue": repair_services.is_application_overdue(application),
        },
    )


@enterprise_view
@require_POST
def my_application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = repair_services.applications_of_enterprise(user=request.user).filter(pk=pk).first()
    if application is None:
        raise Http404
    try:
        repair_services.repair_withdraw(actor=request.user, application=application)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Application withdrawn."))
    return redirect("remedies:my-application", pk=application.pk)


@login_required
def material_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A repair material, to the deciding agency's staff, registry administrators and the applicant only."""
    material = repair_services.material_get(user=request.user, pk=pk)
    return _serve_file(material.file, filename=material.original_name, content_type=material.content_type)


# -- desk: repair -------------------------------------------------------------------------------------
@desk_view
def repair_queue_view(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    applications = list(repair_services.repair_queue(user=request.user, overdue_only=overdue_only)[:500])
    today = timezone.localdate()
    rows = [(a, repair_services.is_application_overdue(a, today)) for a in applications]
    return _desk_page(
        request,
        "remedies/repair_queue.html",
        {
            "rows": rows,
            "overdue_only": overdue_only,
            "overdue_count": repair_services.repair_queue(user=request.user, overdue_only=True).count(),
        },
    )


def _repair_detail(
    request: HttpRequest, application, *, form: DecisionForm | None = None, status: int = 200
) -> HttpResponse:
    can_decide = application.status == "submitted" and request.desk.can_review(application.agency_id)
    eligibility = None
    if application.status == "submitted":
        if application.record_id:
            record = application.record
            eligibility = repair_services.record_repair_eligibility(record=record)
        else:
            eligibility = repair_services.listing_repair_eligibility(listing=application.listing)
    return _desk_page(
        request,
        "remedies/repair_detail.html",
        {
            "application": application,
            "materials": list(application.materials.all()),
            "can_decide": can_decide,
            "form": form or DecisionForm(),
            "is_overdue": repair_services.is_application_overdue(application),
            "eligibility": eligibility,
        },
        status=status,
    )


@desk_view
def repair_application_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _repair_detail(request, repair_services.application_get(user=request.user, pk=pk))


@desk_view
@require_POST
def repair_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = repair_services.application_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        decide = (
            repair_services.repair_approve
            if form.cleaned_data["decision"] == "approve"
            else repair_services.repair_reject
        )
        try:
            decide(actor=request.user, application=application, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            if form.cleaned_data["decision"] == "approve":
                messages.success(
                    request, _("Approved: publicity has ended; the enterprise sees your decision.")
                )
            else:
                messages.success(request, _("Rejected: the enterprise sees your reasons."))
            return redirect("remedies:application", pk=application.pk)
    return _repair_detail(request, application, form=form, status=400)


# -- desk: objections ------------------------------------------------------------------------------------
@desk_view
def objection_queue_view(request: HttpRequest) -> HttpResponse:
    open_only = request.GET.get("all") != "1"
    objections = list(objection_services.objection_queue(user=request.user, open_only=open_only)[:500])
    today = timezone.localdate()
    rows = [(o, objection_services.objection_lateness(o, today)) for o in objections]
    return _desk_page(request, "remedies/objection_queue.html", {"rows": rows, "open_only": open_only})


def _objection_detail(
    request: HttpRequest, objection, *, form: ObjectionOutcomeForm | None = None, status: int = 200
) -> HttpResponse:
    desk = request.desk
    is_open = objection.status in objection_services.OPEN
    source_staff = desk.can_edit(objection.agency_id) or desk.can_review(objection.agency_id)
    return _desk_page(
        request,
        "remedies/objection_detail.html",
        {
            "objection": objection,
            "evidence": list(objection.evidence.all()),
            "is_open": is_open,
            "late": objection_services.objection_lateness(objection),
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
    return _objection_detail(request, objection_services.objection_get_for_staff(user=request.user, pk=pk))


@desk_view
@require_POST
def objection_forward_view(request: HttpRequest, pk: int) -> HttpResponse:
    objection = objection_services.objection_get_for_staff(user=request.user, pk=pk)
    try:
        objection = objection_services.objection_forward(actor=request.user, objection=objection)
    except ValidationError as exc:
        _fail(request, exc)
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
    objection = objection_services.objection_get_for_staff(user=request.user, pk=pk)
    form = ObjectionOutcomeForm(request.POST)
    if form.is_valid():
        outcome = form.cleaned_data["outcome"]
        decide = (
            objection_services.objection_uphold
            if outcome == ObjectionStatus.UPHELD
            else objection_services.objection_revoke
        )
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
    objection = objection_services.objection_get_for_staff(user=request.user, pk=pk)
    if objection.record_id is None or objection.status not in objection_services.OPEN:
        raise Http404
    if not (request.desk.can_edit(objection.agency_id) or request.desk.can_review(objection.agency_id)):
        raise PermissionDenied(
            _("Only a clerk or reviewer of %(agency)s may do this.") % {"agency": objection.agency.name}
        )
    record = objection_services.current_version(objection.record)
    if record.status != RecordStatus.PUBLISHED:
        messages.error(request, _("Only a published record can be corrected."))
        return redirect("remedies:objection", pk=objection.pk)
    if request.method != "POST":
        form = RecordForm(
            kind=record.kind, initial={**record_initial(record), "reason": objection.reason}, correcting=True
        )
        form.link_descriptions()
        return _desk_page(
            request,
            "remedies/objection_correct.html",
            {"objection": objection, "record": record, "form": form},
        )
    form = RecordForm(request.POST, kind=record.kind, correcting=True)
    if form.is_valid():
        try:
            new = objection_services.objection_correct(
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
    return _desk_page(
        request,
        "remedies/objection_correct.html",
        {"objection": objection, "record": record, "form": form},
        status=400,
    )


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = objection_services.evidence_get_for_staff(user=request.user, pk=pk)
    return _serve_file(evidence.file, filename=evidence.original_name, content_type=evidence.content_type)


# -- desk: commitments -----------------------------------------------------------------------------------
@desk_view
def commitment_list(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    items = list(
        commitment_services.commitments_for_staff(user=request.user, overdue_only=overdue_only)[:500]
    )
    rows = [(c, c.status == "open" and c.due_date is not None and c.due_date < today) for c in items]
    return _desk_page(request, "remedies/commitment_list.html", {"rows": rows, "overdue_only": overdue_only})


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
                commitment = commitment_services.commitment_record(
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
        return _desk_page(request, "remedies/commitment_form.html", {"form": form}, status=400)
    return _desk_page(request, "remedies/commitment_form.html", {"form": form})


def _commitment_detail(
    request: HttpRequest, commitment, *, form: CommitmentDecisionForm | None = None, status: int = 200
) -> HttpResponse:
    desk = request.desk
    return _desk_page(
        request,
        "remedies/commitment_detail.html",
        {
            "commitment": commitment,
            "can_decide": commitment.status == "open"
            and (desk.can_edit(commitment.agency_id) or desk.can_review(commitment.agency_id)),
            "can_breach": desk.can_edit(commitment.agency_id),
            "form": form or CommitmentDecisionForm(initial={"breached_on": timezone.localdate()}),
        },
        status=status,
    )


@desk_view
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _commitment_detail(request, commitment_services.commitment_get_for_staff(user=request.user, pk=pk))


@desk_view
@require_POST
def commitment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = commitment_services.commitment_get_for_staff(user=request.user, pk=pk)
    form = CommitmentDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == "fulfilled":
                commitment_services.commitment_fulfil(
                    actor=request.user, commitment=commitment, note=data["note"]
                )
                messages.success(request, _("Marked fulfilled."))
            else:
                commitment = commitment_services.commitment_breach(
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
