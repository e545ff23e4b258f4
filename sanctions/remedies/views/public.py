"""Remedies pages for anyone, no account needed: whether an enterprise's records can be repaired,
the objection form, and the objector's follow-up page.

Following an objection takes its reference and its follow-up key (shown once, when it is filed).
The "track an objection" form (``/objections/``) checks both and remembers them in the visitor's
session, so the follow-up page's address (``/objections/<reference>/``) never carries the key; the
same address without a key in the session shows the form with the reference filled in. A wrong
reference and a wrong key get the same answer, and tries are limited per client
(``OBJECTION_FOLLOW_RATE``). Filing an objection redirects to its follow-up page (post/redirect/get),
which shows the reference and the key once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
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
from sanctions.remedies.forms import ObjectionForm, ObjectionTrackForm
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


# In the visitor's session: {reference: key} of the objections they may follow (the latest few),
# and the reference of the objection they just filed, whose key the next page shows once.
SESSION_FOLLOWED = "objections_followed"
SESSION_JUST_FILED = "objection_just_filed"
FOLLOWED_KEEP = 20


def objection_wait(request: HttpRequest) -> int | None:
    """Count one objection attempt for the client; once over the hourly limit, the seconds to wait."""
    rate = throttling.Rate(settings.OBJECTION_RATE_PER_HOUR, 3600)
    return throttling.hit(f"objection:{throttling.client_hash(request)}", rate)


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
    wait = objection_wait(request)
    if wait is not None:
        response = render(
            request,
            "remedies/objection_form.html",
            {**context, "form": ObjectionForm(), "rate_limited": True},
            status=429,
        )
        response["Retry-After"] = str(wait)
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
            _remember(request, objection.reference, key)
            request.session[SESSION_JUST_FILED] = objection.reference
            return _see_other(follow_path(objection))
    return render(request, "remedies/objection_form.html", {**context, "form": form}, status=400)


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303  # post/redirect/get: the next page is fetched with GET
    return private(response)


def _remember(request: HttpRequest, reference: str, key: str) -> None:
    """The visitor may follow this objection for the rest of their session."""
    followed = {r: k for r, k in request.session.get(SESSION_FOLLOWED, {}).items() if r != reference}
    followed[reference] = key
    request.session[SESSION_FOLLOWED] = dict(list(followed.items())[-FOLLOWED_KEEP:])


def objection_follow_rate_exceeded(request: HttpRequest) -> int | None:
    """Count one try of a reference and key for the client; the seconds to wait once over the limit."""
    rate = throttling.parse_rate(settings.OBJECTION_FOLLOW_RATE)
    return throttling.hit(f"objection-follow:{throttling.client_hash(request)}", rate)


def _track_page(
    request: HttpRequest, form: ObjectionTrackForm, *, status: int = 200, **extra
) -> HttpResponse:
    return private(render(request, "remedies/objection_track.html", {"form": form, **extra}, status=status))


def _check(request: HttpRequest, form: ObjectionTrackForm) -> HttpResponse:
    """A reference and key someone typed or followed a link with: their objection's page, or the
    form again with one message whatever was wrong (so references cannot be tried out)."""
    wait = objection_follow_rate_exceeded(request)
    if wait is not None:
        response = _track_page(request, form, status=429, rate_limited=True)
        response["Retry-After"] = str(wait)
        return response
    if form.is_valid():
        objection = objection_follow_get(
            reference=form.cleaned_data["reference"], key=form.cleaned_data["key"]
        )
        if objection is not None:
            _remember(request, objection.reference, form.cleaned_data["key"])
            return _see_other(follow_path(objection))
        form.add_error(
            None,
            _(
                "No objection has this reference and key. Check both as they were shown when the "
                "objection was filed (the reference starts with YY)."
            ),
        )
    return _track_page(request, form, status=400)


@never_cache
def objection_track(request: HttpRequest) -> HttpResponse:
    """查询异议进度: the reference and key of an objection open its follow-up page."""
    if request.method == "POST":
        return _check(request, ObjectionTrackForm(request.POST))
    return _track_page(
        request, ObjectionTrackForm(initial={"reference": request.GET.get("reference", "")[:32]})
    )


@never_cache
def objection_follow(request: HttpRequest, reference: str) -> HttpResponse:
    """The objector's follow-up page: status, deadlines and outcome, once the visitor gave the key.

    Without it the page is the tracking form with the reference filled in, whether or not an
    objection has that reference. A key in the address (links given out before) is checked like the
    form's, then the browser is sent to the address without it.
    """
    reference = reference.strip().upper()
    if "key" in request.GET:
        return _check(request, ObjectionTrackForm({"reference": reference, "key": request.GET["key"]}))
    key = request.session.get(SESSION_FOLLOWED, {}).get(reference)
    objection = objection_follow_get(reference=reference, key=key) if key else None
    if objection is None:
        form = ObjectionTrackForm(initial={"reference": reference[:32]})
        return _track_page(request, form, needs_key=True)
    just_filed = request.session.get(SESSION_JUST_FILED) == objection.reference
    if just_filed:
        del request.session[SESSION_JUST_FILED]  # the key is shown this once
    target = objection.record or objection.listing
    return private(
        render(
            request,
            "remedies/objection_follow.html",
            {
                "objection": objection,
                "enterprise": target.enterprise,
                "is_open": objection.status in OPEN_OBJECTION_STATUSES,
                "late": objection_lateness(objection),
                "just_filed": just_filed,
                "key": key if just_filed else "",
                "follow_url": request.build_absolute_uri(
                    reverse("remedies:follow", args=[objection.reference])
                ),
            },
        )
    )
