"""The public search page: one box for a name, part of a name, pinyin or a code.

Each result shows the enterprise's registration status and its credit standing (one rule, in
``sanctions.lists.standing``; read for the whole page in two queries). A query that is a code with a
mistake (a wrong check character, a character too few or too many) is explained, with the registered
codes one mistake away, instead of being answered with an empty list.

Results come 20 a page, best first, with their number: exact up to ``SEARCH_LIMIT``, "more than"
beyond it (``search_page``). The filter form of a search without filters is rendered once per
language and reference generation (``lookup.filters.blank_filters_html``).
"""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.jinja2 import url
from registry import uscc as uscc_codes
from registry.api.views import explain_code
from registry.choices import EnterpriseStatus
from registry.models import Enterprise
from registry.search import SearchPlan, highlight, needs_escaping
from registry.selectors import (
    FORMER_RANK,
    SEARCH_LIMIT,
    SearchPage,
    enterprise_code_suggestions,
    enterprise_list,
    enterprise_search_page,
    enterprise_search_plan,
)
from sanctions.lists.standing import LEVEL_LABELS, Standing, enterprise_standings
from sanctions.lists.standing_facts import joined_facts, joined_standings

from .filters import FILTER_NAMES, PortalSearchFilter, blank_filters_html, filter_said, filters_html

PAGE_SIZE = 20
MAX_PAGES = SEARCH_LIMIT // PAGE_SIZE


class _CappedPaginator(Paginator):
    """Counts at most what the search returns; past ``SEARCH_LIMIT`` the page says "more than"."""

    @property
    def is_capped(self) -> bool:
        return self.count > SEARCH_LIMIT


def search_page(results: QuerySet, number: int, *, bounded: bool = True) -> Page:
    """One page of ``results`` and their number, capped at ``SEARCH_LIMIT`` + 1.

    A search (``bounded``: each way of matching stops after ``SEARCH_LIMIT`` + 1 rows) is paged in one
    query, its number a window over the candidates. Filters alone may match most of the registry: their
    number is counted over at most ``SEARCH_LIMIT`` + 1 rows, never over the whole match.
    """
    paginator = _CappedPaginator(results, PAGE_SIZE)
    if not bounded:
        paginator.count = results.order_by()[: SEARCH_LIMIT + 1].count()
        number = max(1, min(number, paginator.num_pages))
        rows = list(results[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
        return Page(rows, number, paginator)
    counted = results.annotate(result_count=Window(Count("pk")))
    rows = list(counted[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    if not rows and number > 1:
        total = next(iter(counted.values_list("result_count", flat=True)[:1]), 0)
        number = max(1, -(-total // PAGE_SIZE))
        rows = list(counted[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    paginator.count = rows[0].result_count if rows else 0
    return Page(rows, number, paginator)


def _found_page(found: SearchPage) -> Page:
    paginator = _CappedPaginator(found.hits, PAGE_SIZE)
    paginator.count = found.count
    return Page(found.hits, found.number, paginator)


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), MAX_PAGES))
    except ValueError:
        return 1


def _row_words() -> tuple[dict, dict, str, str, str]:
    """The labels and titles every row of a page uses, escaped, in the active language: read once per
    language and process (the catalogue does not change while it runs)."""
    language = translation.get_language()
    words = _ROW_WORDS.get(language)
    if words is None:
        words = _ROW_WORDS[language] = (
            {value: escape(str(label)) for value, label in EnterpriseStatus.choices},
            {level: escape(str(label)) for level, label in LEVEL_LABELS.items()},
            escape(_("Registration status")),
            escape(_("Credit standing")),
            escape(_("Former name:")),
        )
    return words


_ROW_WORDS: dict[str, tuple[dict, dict, str, str, str]] = {}


# A standing's line, by language and standing (its level, counts and lists, names included: all the
# line says). Standings repeat from page to page, and wording one costs a dozen catalogue lookups.
_LINES: dict[tuple[str, Standing], str] = {}
_MAX_LINES = 4096


def _standing_line(standing: Standing, language: str) -> str:
    """The reasons of a standing in one line, escaped, in ``language`` (the active one); nothing for a
    standing with no reason (its level says it all)."""
    key = (language, standing)
    line = _LINES.get(key)
    if line is None:
        line = f' <span class="standing-line">{escape(standing.details)}</span>' if standing.reasons else ""
        if len(_LINES) >= _MAX_LINES:
            _LINES.clear()
        _LINES[key] = line
    return line


def results_html(
    enterprises: list, plan: SearchPlan, *, today: dt.date | None = None, known: dict | None = None
) -> SafeString:
    """The list items of a page of results: name (the matched part marked), code, registration status,
    credit standing and, when the match was a former name, that name.

    Written here in one pass rather than in the template's loop, where twenty rows of a dozen
    variables each cost more than the search itself. Every value is escaped (``html.escape``, which
    Django's ``escape`` calls after checking for lazy text); ``highlight`` escapes the names.
    ``known``: the standings' facts read with the page (``joined_standings``), for ``today``.
    """
    standings = enterprise_standings(enterprises=enterprises, today=today, known=known)
    code = "0" * uscc_codes.LENGTH
    address = html.escape(url("lookup:enterprise", uscc=code))
    status_labels, level_labels, status_title, standing_title, former_title = _row_words()
    language = translation.get_language()
    items = []
    for enterprise in enterprises:
        standing = standings[enterprise.pk]
        # A code is letters and digits (nothing to escape) but for a legacy code held as it was given.
        uscc = enterprise.uscc
        if not (uscc.isascii() and uscc.isalnum()):
            uscc = html.escape(uscc)
        status = enterprise.status
        name = enterprise.name
        title = html.escape(name) if needs_escaping(name) else name
        item = (
            f'<li><a href="{address.replace(code, uscc)}" title="{title}">'
            f'<strong class="hit">{highlight(name, plan)}</strong></a> '
            f'<span class="code">{uscc}</span> '
            f'<span class="status status-{status if status in status_labels else html.escape(status)}">'
            f'<span class="visually-hidden">{status_title}: </span>{status_labels.get(status, "")}</span> '
            f'<span class="standing standing-{standing.level}"><span class="visually-hidden">'
            f"{standing_title}: </span>{level_labels[standing.level]}</span>"
        )
        item += _standing_line(standing, language)
        former = getattr(enterprise, "former_match", None)
        if former and getattr(enterprise, "rank", None) == FORMER_RANK:
            item += f' <span class="former">{former_title} {highlight(former, plan)}</span>'
        items.append(item + "</li>")
    return mark_safe("\n".join(items))  # noqa: S308 - every value escaped above


def refused_filters_html(filterset: PortalSearchFilter) -> SafeString:
    """In place of the results: each filter whose value is not one it takes, by its label, and why
    (a link may carry a filter the form does not show, such as the division)."""
    fields = filterset.form.fields
    items = []
    for name, errors in filterset.form.errors.items():
        label = str(fields[name].label) if name in fields else ""
        for message in errors:
            line = filter_said(label, message) if label else message
            items.append(f"    <li>{escape(line)}</li>\n")
    heading = _("These filters cannot be applied")
    return mark_safe(  # noqa: S308 - every value escaped
        f'<section class="notice warn" role="alert">\n  <h2>{escape(heading)}</h2>\n'
        f"  <ul>\n{''.join(items)}  </ul>\n</section>"
    )


def _pager_link(request: HttpRequest, number: int) -> str:
    """``?`` and the request's query without its page, then ``page=number``, as a pager link writes it."""
    kept = "".join(
        f"{escape(key)}={escape(quote(value))}&amp;" for key, value in request.GET.items() if key != "page"
    )
    return f"?{kept}page={number}"


def results_section_html(request: HttpRequest, page: Page | None, rows: SafeString | None) -> SafeString:
    """The results of a search: their number ("more than" past ``SEARCH_LIMIT``), the rows and the pager;
    nothing when nothing was searched."""
    if page is None:
        return mark_safe("")
    paginator = page.paginator
    if paginator.is_capped:
        heading = ngettext(
            "More than %(counter)s enterprise found", "More than %(counter)s enterprises found", SEARCH_LIMIT
        ) % {"counter": SEARCH_LIMIT}
    else:
        heading = ngettext(
            "%(counter)s enterprise found", "%(counter)s enterprises found", paginator.count
        ) % {"counter": paginator.count}
    parts = [f'<section aria-labelledby="results-title">\n  <h2 id="results-title">{escape(heading)}</h2>\n']
    if paginator.is_capped:
        hint = _("Add more of the name or a filter to narrow the list.")
        parts.append(f'  <p class="muted">{escape(hint)}</p>\n')
    if page.object_list:
        parts.append(f'  <ol class="results">\n{rows or ""}\n  </ol>\n')
        if page.has_other_pages():
            pages = _("Pages")
            parts.append(f'  <nav class="pager" aria-label="{escape(pages)}">\n    ')
            if page.has_previous():
                link = _pager_link(request, page.previous_page_number())
                previous = _("Previous")
                parts.append(f'<a href="{link}">{escape(previous)}</a>')
            this_page = _("Page %(n)s") % {"n": page.number}
            parts.append(f"\n    <span>{escape(this_page)}</span>\n    ")
            if page.has_next() and page.number < MAX_PAGES:
                link = _pager_link(request, page.next_page_number())
                following = _("Next")
                parts.append(f'<a href="{link}">{escape(following)}</a>')
            parts.append("\n  </nav>\n")
    else:
        nothing = _("Nothing matches. Check the spelling, or try part of the name.")
        parts.append(f"  <p>{escape(nothing)}</p>\n")
    parts.append("</section>")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


# The search page for a visitor without a session, per language: rendered once with stand-ins for
# what varies (the query, in the title and the box; the page's own address, in the language links;
# the filter form; the results), like the credit page's frame (``lookup.views.anonymous_frame``).
# The site frame alone costs more to render than a page of results; a test holds the page equal to
# the template rendered for the request.
_QUERY, _PATH, _FILTERS, _RESULTS = "\x01query\x01", "/__search_path__/", "\x01filters\x01", "\x01results\x01"
_FRAMES: dict[str, tuple[str, ...]] = {}


def _frame() -> tuple[str, ...]:
    """The page in pieces, split at the stand-ins: text, then a stand-in's name, then text, and so on."""
    language = translation.get_language()
    frame = _FRAMES.get(language)
    if frame is None:
        stand_in = HttpRequest()
        stand_in.path = stand_in.path_info = _PATH
        stand_in.user = AnonymousUser()
        stand_in.LANGUAGE_CODE = language
        html = render_to_string(
            "lookup/search.html",
            {
                "query": _QUERY,
                "filters_html": mark_safe(_FILTERS),  # noqa: S308 - constants
                "results_html": mark_safe(_RESULTS),  # noqa: S308
                "plan": None,
            },
            request=stand_in,
        )
        pieces: list[str] = []
        rest = html
        while True:
            at = {mark: rest.find(mark) for mark in (_QUERY, _PATH, _FILTERS, _RESULTS) if mark in rest}
            if not at:
                pieces.append(rest)
                break
            mark = min(at, key=at.get)
            pieces += (rest[: at[mark]], mark)
            rest = rest[at[mark] + len(mark) :]
        frame = _FRAMES[language] = tuple(pieces)
    return frame


def _framed(request: HttpRequest, *, query: str, filters: str, results: str) -> str:
    values = {
        _QUERY: escape(query),
        _PATH: quote(request.get_full_path(), safe="/"),
        _FILTERS: filters,
        _RESULTS: results,
    }
    frame = _frame()
    return "".join(values[piece] if i % 2 else piece for i, piece in enumerate(frame))


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
    filtered = any(request.GET.get(name) for name in FILTER_NAMES)
    filterset = None
    if filtered:
        data = request.GET.copy()
        data["q"] = query
        filterset = PortalSearchFilter(data, queryset=Enterprise.objects.all())
    page = rows = None
    refused = filterset is not None and not filterset.is_valid()
    if explanation is None and (query or filtered) and not refused:
        number = _page_number(request)
        # The standings of a page's results are read in its own query where they are current.
        today = timezone.localdate()
        joined = joined_standings(today=today) if filterset is None else None
        found = (
            None
            if filterset is not None
            else enterprise_search_page(
                query=query, number=number, per_page=PAGE_SIZE, plan=plan, joined=joined
            )
        )
        known = None
        if found is not None:
            page = _found_page(found)
            if joined is not None:
                known = joined_facts(found.hits)
        elif filterset is None:
            page = search_page(enterprise_list(query=query), number)
        else:
            page = search_page(filterset.qs, number, bounded=bool(query))
        rows = results_html(page.object_list, plan, today=today, known=known)
    filters = blank_filters_html() if filterset is None else filters_html(filterset)
    results = refused_filters_html(filterset) if refused else results_section_html(request, page, rows)
    if (
        query
        and explanation is None
        and plan.kind != "too_short"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    ):
        return HttpResponse(_framed(request, query=query, filters=filters, results=results))
    return render(
        request,
        "lookup/search.html",
        {
            "query": query,
            "filters_html": filters,
            "results_html": results,
            "plan": plan,
            "explanation": explanation,
            "suggestions": suggestions,
        },
    )
