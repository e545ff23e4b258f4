"""Remedies pages for anyone, no account needed: whether an enterprise's records can be repaired,
the objection form, and the objector's follow-up page."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from registry import throttling
from registry.accounts import enterprise_of
from registry.selectors import enterprise_in_path
from sanctions.lists.selectors import active_listings
from sanctions.models import CreditRecord, Listing
from sanctions.records.selectors import public_records
from sanctions.remedies.eligibility import repair_eligibility_for
from sanctions.remedies.forms import ObjectionForm
from sanctions.remedies.objections import follow_path, objection_submit
from sanctions.remedies.selectors import OPEN_OBJECTION_STATUSES, objection_follow_get, objection_lateness
from sanctions.remedies.views.responses import private


def repair_eligibility(request: HttpRequest, uscc: str) -> HttpResponse:
    """For each public penalty and listing of an enterprise: can it be repaired, from when, and why not."""
    enterprise = enterprise_in_path(uscc, view_name="remedies:eligibility")
    if isinstance(enterprise, HttpResponse):
        return enterprise
    own = enterprise_of(request.user)
    return render(
        request,
        "remedies/eligibility.html",
        {
            "enterprise": enterprise,
            "rows": repair_eligibility_for(enterprise=enterprise),
            "is_own": own is not None and own.pk == enterprise.pk,
            "today": timezone.localdate(),
        },
    )


def objection_rate_exceeded(request: HttpRequest) -> bool:
    """Count one objection attempt for the client; True once over the hourly limit."""
    rate = throttling.Rate(settings.OBJECTION_RATE_PER_HOUR, 3600)
    return throttling.hit(f"objection:{throttling.client_hash(request)}", rate) is not None


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
            objection, key = objection_submit(
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
            follow_url = request.build_absolute_uri(follow_path(objection)) + f"?key={key}"
            return private(
                render(
                    request,
                    "remedies/objection_submitted.html",
                    {**context, "objection": objection, "key": key, "follow_url": follow_url},
                )
            )
    return render(request, "remedies/objection_form.html", {**context, "form": form}, status=400)


def objection_follow(request: HttpRequest, reference: str) -> HttpResponse:
    """The objector's follow-up page: status, deadlines and outcome. Needs the key; otherwise 404."""
    objection = objection_follow_get(reference=reference, key=request.GET.get("key", ""))
    if objection is None:
        raise Http404(_("No objection has this reference and key."))
    return private(
        render(
            request,
            "remedies/objection_follow.html",
            {
                "objection": objection,
                "is_open": objection.status in OPEN_OBJECTION_STATUSES,
                "late": objection_lateness(objection),
            },
        )
    )
