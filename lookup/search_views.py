"""The public search page: one box for a name or a code."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from registry import uscc as uscc_codes
from registry.api.views import explain_code
from registry.filters import EnterpriseFilter
from registry.models import Enterprise

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
