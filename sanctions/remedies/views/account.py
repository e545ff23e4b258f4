"""Remedies pages of an enterprise account: its repair applications, applying, withdrawing, and the
download of a repair material (also reached from the desk, for the deciding agency's staff)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.accounts import enterprise_of
from sanctions.models import CreditRecord, Listing
from sanctions.remedies.eligibility import listing_repair_eligibility, record_repair_eligibility
from sanctions.remedies.forms import RepairApplyForm
from sanctions.remedies.repair import repair_apply, repair_withdraw
from sanctions.remedies.selectors import applications_of_enterprise, is_application_overdue, material_get
from sanctions.remedies.views.responses import serve_file, show_refusal


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
    applications = applications_of_enterprise(user=request.user)
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
        eligibility = record_repair_eligibility(record=target)
    else:
        eligibility = listing_repair_eligibility(listing=target)
    form = RepairApplyForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = repair_apply(
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
    application = applications_of_enterprise(user=request.user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return render(
        request,
        "remedies/my_application.html",
        {
            "enterprise": request.enterprise,
            "application": application,
            "materials": list(application.materials.all()),
            "is_overdue": is_application_overdue(application),
        },
    )


@enterprise_view
@require_POST
def my_application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = applications_of_enterprise(user=request.user).filter(pk=pk).first()
    if application is None:
        raise Http404
    try:
        repair_withdraw(actor=request.user, application=application)
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("Application withdrawn."))
    return redirect("remedies:my-application", pk=application.pk)


@login_required
def material_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A repair material, to the deciding agency's staff, registry administrators and the applicant only."""
    material = material_get(user=request.user, pk=pk)
    return serve_file(material.file, filename=material.original_name, content_type=material.content_type)
