from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from lookup.signing import public_jwks
from registry import uscc as uscc_codes
from registry.api.views import explain_code
from registry.filters import EnterpriseFilter
from registry.models import Enterprise
from registry.selectors import division_describe, enterprise_get
from sanctions.choices import RecordKind
from sanctions.selectors import public_records_for

PAGE_SIZE = 20
MAX_PAGES = 50


def search(request):
    """One box: a whole valid code opens the enterprise; anything else searches names and codes."""
    query = " ".join(request.GET.get("q", "").split())[:100]
    code = uscc_codes.compact(query)
    if (
        len(code) == uscc_codes.LENGTH
        and uscc_codes.is_valid(code)
        and Enterprise.objects.filter(uscc=code).exists()
    ):
        return redirect("lookup:enterprise", uscc=code)
    explanation = None
    if len(code) == uscc_codes.LENGTH and not uscc_codes.is_valid(code):
        explanation = explain_code(query)
    filterset = EnterpriseFilter(request.GET or None, queryset=Enterprise.objects.all())
    page = None
    if query or any(request.GET.get(k) for k in ("status", "industry", "division", "entity_type")):
        results = filterset.qs if filterset.is_valid() else Enterprise.objects.none()
        paginator = Paginator(results, PAGE_SIZE)
        number = request.GET.get("page") or 1
        try:
            number = max(1, min(int(number), MAX_PAGES))
        except ValueError:
            number = 1
        page = paginator.get_page(number)
    return render(
        request,
        "lookup/search.html",
        {"query": query, "filterset": filterset, "page": page, "explanation": explanation},
    )


def enterprise_detail(request, uscc: str):
    code = uscc_codes.compact(uscc)
    if code != uscc:
        if len(code) == uscc_codes.LENGTH:
            return redirect("lookup:enterprise", uscc=code)
        raise Http404(_("No enterprise has this code."))
    enterprise = enterprise_get(uscc=code)
    if enterprise is None:
        raise Http404(_("No enterprise has this code."))
    records = list(public_records_for(enterprise=enterprise).order_by("-decision_date", "-id"))
    sections = [
        (kind, label, [r for r in records if r.kind == kind])
        for kind, label in ((RecordKind.LICENCE, _("Administrative licences")),
                            (RecordKind.PENALTY, _("Administrative penalties")),
                            (RecordKind.REWARD, _("Rewards and commendations")))
    ]
    return render(
        request,
        "lookup/enterprise.html",
        {
            "enterprise": enterprise,
            "division": division_describe(enterprise.division_code),
            "former_names": list(enterprise.former_names.all()),
            "sections": sections,
        },
    )


def not_found(request, exception=None):
    return render(request, "404.html", {"message": str(exception) if exception else ""}, status=404)


@cache_control(public=True, max_age=300)
def signing_keys(request):
    """The public keys that verify credit reports and QR badges, as a JSON Web Key Set."""
    return JsonResponse(public_jwks())
