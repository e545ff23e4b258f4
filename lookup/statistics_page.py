"""The public statistics page (``/statistics/``): charts and tables of the current snapshot.

The figures are counted by the hourly refresh (``sanctions.statistics``), never here. The page's
body is rendered once per snapshot version and language, kept in this process and in the shared
cache; a visit then costs the frame (``base.html``, which varies with the visitor) and no query.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.choices import Industry
from registry.language import in_reader_language, reading_english
from sanctions.choices import ApplicationStatus, ListNature, ObjectionStatus, RecordKind
from sanctions.models import StatisticsSnapshot
from sanctions.statistics.selectors import statistics_current

from . import charts
from .views import visitor_is_anonymous

BODY_KEY = "statistics-body:v1:{version}:{language}"
BODY_CACHE_SECONDS = 2 * 60 * 60  # a refresh makes a new version every hour anyway

# Provinces by the first two digits of their GB/T 2260 code, for the English page (the division table
# holds Chinese names only).
PROVINCES_EN = {
    "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia",
    "21": "Liaoning", "22": "Jilin", "23": "Heilongjiang", "31": "Shanghai", "32": "Jiangsu",
    "33": "Zhejiang", "34": "Anhui", "35": "Fujian", "36": "Jiangxi", "37": "Shandong", "41": "Henan",
    "42": "Hubei", "43": "Hunan", "44": "Guangdong", "45": "Guangxi", "46": "Hainan", "50": "Chongqing",
    "51": "Sichuan", "52": "Guizhou", "53": "Yunnan", "54": "Tibet", "61": "Shaanxi", "62": "Gansu",
    "63": "Qinghai", "64": "Ningxia", "65": "Xinjiang", "71": "Taiwan", "81": "Hong Kong", "82": "Macao",
}  # fmt: skip

_bodies_lock = threading.Lock()
_bodies: dict[str, str] = {}  # this process' bodies of the current version, by key
PAGE_KEY = "statistics-page:{version}:{language}"
_pages: dict[str, bytes] = {}  # whole pages for visitors not signed in, of the current version


def _kind_series() -> list[charts.Series]:
    return [
        charts.Series("c-penalty", str(RecordKind.PENALTY.label)),
        charts.Series("c-licence", str(RecordKind.LICENCE.label)),
        charts.Series("c-reward", str(RecordKind.REWARD.label)),
    ]


KIND_KEYS = ("penalty", "licence", "reward")


def _kind_values(row: dict[str, int]) -> list[int]:
    return [row[k] for k in KIND_KEYS]


def industry_label(code: str) -> str:
    if not code:
        return _("Industry not recorded")
    return f"{code} {Industry(code).label}"


def province_label(code: str, name: str) -> str:
    if not code:
        return _("Division code of no province")
    if reading_english():
        return PROVINCES_EN.get(code, name)
    return name or code


def _days(value: float | None) -> str:
    return "—" if value is None else _("%(days)s days") % {"days": charts.number(value)}


def _largest(rows: list[tuple[str, Any]], total: int) -> str:
    if not total:
        return _("No public record counts here yet.")
    label, values = max(rows, key=lambda row: sum(row[1]))
    return _("%(total)s in all; the most: %(label)s, %(count)s.") % {
        "total": charts.number(total),
        "label": label,
        "count": charts.number(sum(values)),
    }


def statistics_context(snapshot: StatisticsSnapshot) -> dict[str, Any]:
    """Everything the body shows, in the active language: the charts (SVG) and their tables."""
    data = snapshot.data
    records = data["records"]
    kinds = _kind_series()

    industries = [(industry_label(r["code"]), _kind_values(r), r) for r in records["by_industry"]]
    industry_chart = charts.horizontal_bars(
        chart_id="chart-industry",
        title=_("Public records by industry (GB/T 4754 section)"),
        desc=_largest([(label, values) for label, values, _row in industries], records["total"]["all"]),
        rows=[(label, values) for label, values, _row in industries],
        series=kinds,
        label_width=300,
    )
    provinces = sorted(
        ((province_label(r["code"], r["name"]), _kind_values(r), r) for r in records["by_province"]),
        key=lambda item: (-item[2]["all"], item[2]["code"]),
    )
    province_chart = charts.horizontal_bars(
        chart_id="chart-province",
        title=_("Public records by province"),
        desc=_largest([(label, values) for label, values, _row in provinces], records["total"]["all"]),
        rows=[(label, values) for label, values, _row in provinces],
        series=kinds,
        label_width=160,
    )
    months = records["by_month"]
    month_chart = charts.columns(
        chart_id="chart-month",
        title=_("Public records by month of decision (last 24 months)"),
        desc=_largest([(m["month"], _kind_values(m)) for m in months], sum(m["all"] for m in months)),
        labels=[m["month"] for m in months],
        up=[_kind_values(m) for m in months],
        series=kinds,
    )

    listings = data["listings"]
    list_kinds = [
        {**k, "label": in_reader_language(k["name"], k["name_en"]), "css": f"l-{index % 6}"}
        for index, k in enumerate(listings["kinds"])
    ]
    list_series = [charts.Series(k["css"], k["label"]) for k in list_kinds]
    codes = [k["code"] for k in list_kinds]
    flows = listings["by_month"]
    entries_total = sum(sum(m["entries"].values()) for m in flows)
    exits_total = sum(sum(m["exits"].values()) for m in flows)
    listing_chart = charts.columns(
        chart_id="chart-listings",
        title=_("List entries (above the line) and exits (below it) by month"),
        desc=_("%(entries)s entries and %(exits)s exits in the last 24 months.")
        % {"entries": charts.number(entries_total), "exits": charts.number(exits_total)},
        labels=[m["month"] for m in flows],
        up=[[m["entries"].get(c, 0) for c in codes] for m in flows],
        down=[[m["exits"].get(c, 0) for c in codes] for m in flows],
        series=list_series,
    )
    listing_rows = [
        {
            "month": m["month"],
            "cells": [(m["entries"].get(c, 0), m["exits"].get(c, 0)) for c in codes],
            "entries": sum(m["entries"].values()),
            "exits": sum(m["exits"].values()),
        }
        for m in flows
    ]

    def outcomes(section: str, labels: dict[str, str], chart_id: str, title: str) -> dict[str, Any]:
        rows = [{**o, "label": labels[o["outcome"]]} for o in data[section]["outcomes"]]
        chart = charts.horizontal_bars(
            chart_id=chart_id,
            title=title,
            desc="; ".join(
                _("%(label)s: %(count)s, median %(median)s, 90th percentile %(p90)s")
                % {
                    "label": r["label"],
                    "count": charts.number(r["count"]),
                    "median": _days(r["median_days"]),
                    "p90": _days(r["p90_days"]),
                }
                for r in rows
            ),
            rows=[(r["label"], [r["count"]]) for r in rows],
            series=[charts.Series("c-outcome", _("Decisions"))],
            label_width=210,
            notes=[
                _("(median %(median)s · p90 %(p90)s)")
                % {"median": _days(r["median_days"]), "p90": _days(r["p90_days"])}
                if r["count"] and r["median_days"] is not None
                else ""
                for r in rows
            ],
        )
        return {"rows": rows, "chart": chart, "pending": data[section]["pending"]}

    repairs = outcomes(
        "repairs",
        {
            ApplicationStatus.APPROVED: _("Approved"),
            ApplicationStatus.REJECTED: _("Rejected"),
            ApplicationStatus.WITHDRAWN: _("Withdrawn"),
        },
        "chart-repairs",
        _("Credit repair applications by outcome"),
    )
    objections = outcomes(
        "objections",
        {
            ObjectionStatus.CORRECTED: _("Record corrected"),
            ObjectionStatus.REVOKED: _("Record revoked"),
            ObjectionStatus.UPHELD: _("Record upheld"),
        },
        "chart-objections",
        _("Objections by outcome"),
    )

    ratings = data["ratings"]
    # A snapshot counted before the English texts existed has none: the Chinese ones are shown.
    ratings = {
        **ratings,
        "model_name": in_reader_language(ratings["model_name"], ratings.get("model_name_en")),
    }
    grades = [
        {
            **g,
            "label": in_reader_language(g.get("label", ""), g.get("label_en")),
            "css": f"g-{min(index, 5)}",
            "share": (100 * g["count"] / ratings["rated"]) if ratings["rated"] else 0,
        }
        for index, g in enumerate(ratings["grades"])
    ]
    grade_chart = charts.share_bar(
        chart_id="chart-grades",
        title=_("Rated enterprises by grade"),
        desc="; ".join(f"{g['grade']}: {g['share']:.1f}%" for g in grades)
        or _("No enterprise is rated yet."),
        parts_=[(g["grade"], g["count"]) for g in grades],
        series=[charts.Series(g["css"], g["grade"]) for g in grades],
    )

    return {
        "snapshot": snapshot,
        "kinds": kinds,
        "totals": records["total"],
        "totals_display": {kind: charts.number(count) for kind, count in records["total"].items()},
        "industries": [(label, row) for label, _values, row in industries],
        "industry_chart": industry_chart,
        "provinces": [(label, row) for label, _values, row in provinces],
        "province_chart": province_chart,
        "months": months,
        "month_chart": month_chart,
        "list_kinds": list_kinds,
        "list_natures": dict(ListNature.choices),
        "listing_chart": listing_chart,
        "listing_rows": listing_rows,
        "entries_total": entries_total,
        "exits_total": exits_total,
        "repairs": repairs,
        "objections": objections,
        "ratings": ratings,
        "grades": grades,
        "grade_chart": grade_chart,
        "unrated": max(ratings["enterprises"] - ratings["rated"], 0),
    }


def statistics_body(snapshot: StatisticsSnapshot) -> str:
    """The rendered body for ``snapshot`` in the active language: this process' copy, the shared
    cache's, or rendered now (and kept in both)."""
    key = BODY_KEY.format(version=snapshot.version, language=translation.get_language())
    html = _bodies.get(key)
    if html is not None:
        return html
    html = cache.get(key)
    if html is None:
        html = render_to_string("lookup/_statistics_body.html", statistics_context(snapshot))
        cache.set(key, html, BODY_CACHE_SECONDS)
    with _bodies_lock:
        if any(not k.startswith(BODY_KEY.format(version=snapshot.version, language="")) for k in _bodies):
            _bodies.clear()  # an older version's bodies
        _bodies[key] = html
    return html


@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    """Public statistics of the credit data, from the snapshot of the last hourly refresh.

    For a visitor who is not signed in (and asks nothing in the query string) the whole page is the
    same for everyone of a language, so this process keeps it whole, per snapshot version: a visit
    then costs neither a query nor a template.
    """
    snapshot = statistics_current()
    key = None
    if snapshot is not None and not request.GET and visitor_is_anonymous(request):
        key = PAGE_KEY.format(version=snapshot.version, language=translation.get_language())
        page = _pages.get(key)
        if page is not None:
            return HttpResponse(page)
    body = mark_safe(statistics_body(snapshot)) if snapshot is not None else None  # noqa: S308 - our template's output
    response = render(request, "lookup/statistics.html", {"body_html": body})
    if key is not None and response.status_code == 200:
        with _bodies_lock:
            if any(not k.startswith(PAGE_KEY.format(version=snapshot.version, language="")) for k in _pages):
                _pages.clear()  # an older version's pages
            _pages[key] = response.content
    return response
