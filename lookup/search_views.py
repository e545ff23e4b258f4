"""The public search page: one box for a name, part of a name, pinyin or a code.

Each result shows the enterprise's registration status and its credit standing (one rule, in
``sanctions.lists.standing``; read for the whole page in two queries). A query that is a code with a
mistake (a wrong check character, a character too few or too many) is explained, with the registered
codes one mistake away, instead of being answered with an empty list.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.shortcuts import redirect, render

from registry import uscc as uscc_codes
from registry.api.views import explain_code
from registry.models import Enterprise
from registry.search import highlight
from registry.selectors import SEARCH_LIMIT, enterprise_code_suggestions, enterprise_search_plan
from sanctions.lists.standing import enterprise_standings

from .filters import PortalSearchFilter

PAGE_SIZE = 20
MAX_PAGES = SEARCH_LIMIT // PAGE_SIZE
_FILTERS = ("status", "industry", "division", "entity_type", "province", "city", "has_penalties", "on_list")


class _CappedPaginator(Paginator):
    """Counts at most what the search returns; past ``SEARCH_LIMIT`` the page says "more than"."""

    @property
    def is_capped(self) -> bool:
        return self.count > SEARCH_LIMIT


def search_page(results: QuerySet, number: int) -> Page:
    """One page and the number of results in one query (a window count), not a count and a page."""
    paginator = _CappedPaginator(results, PAGE_SIZE)
    counted = results.annotate(result_count=Window(Count("pk")))
    rows = list(counted[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    if not rows and number > 1:
        total = next(iter(counted.values_list("result_count", flat=True)[:1]), 0)
        number = max(1, -(-total // PAGE_SIZE))
        rows = list(counted[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    paginator.count = rows[0].result_count if rows else 0
    return Page(rows, number, paginator)


def search(request):
    """One box: a whole registered code opens the enterprise; anything else searches names and codes."""
    query = " ".join(request.GET.get("q", "").split())[:100]
    code = uscc_codes.compact(query)
    plan = enterprise_search_plan(query)
    explanation = suggestions = None
    if plan.is_whole_code:
        # A registered code opens its page, valid or legacy; a mistyped one is explained.
        if Enterprise.objects.filter(uscc=code).exists():
            return redirect("lookup:enterprise", uscc=code)
        if not uscc_codes.is_valid(code):
            explanation = explain_code(query)
            suggestions = enterprise_code_suggestions(code=code)
    elif plan.is_wrong_length_code:
        # Seventeen characters or more but not eighteen: a whole code with one too few or too many.
        explanation = explain_code(query)
        suggestions = enterprise_code_suggestions(code=code)
    filterset = PortalSearchFilter(request.GET or None, queryset=Enterprise.objects.all())
    page = None
    if explanation is None and (query or any(request.GET.get(k) for k in _FILTERS)):
        results = filterset.qs if filterset.is_valid() else Enterprise.objects.none()
        try:
            number = max(1, min(int(request.GET.get("page") or 1), MAX_PAGES))
        except ValueError:
            number = 1
        page = search_page(results, number)
        standings = enterprise_standings(enterprises=page.object_list)
        for enterprise in page.object_list:
            enterprise.name_html = highlight(enterprise.name, plan)
            former = getattr(enterprise, "former_match", None)
            enterprise.former_html = highlight(former, plan) if former else None
            enterprise.standing = standings[enterprise.pk]
    return render(
        request,
        "lookup/search.html",
        {
            "query": query,
            "filterset": filterset,
            "page": page,
            "plan": plan,
            "explanation": explanation,
            "suggestions": suggestions,
            "search_limit": SEARCH_LIMIT,
            "max_pages": MAX_PAGES,
        },
    )
