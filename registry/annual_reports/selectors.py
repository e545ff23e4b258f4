"""Reads of annual reports. What a citizen may see of a report is decided here, in SQL: a figure the
enterprise did not choose to publish (``rules.OPTIONAL_FIELDS``) never leaves the database for a
public page, the API or the report PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone

from registry.models import AnnualReport, Enterprise

from . import rules

# The credit page shows the latest years; the API and the full list show all.
PAGE_YEARS = 5


def _column(name: str) -> Any:
    field = AnnualReport._meta.get_field(name)
    value = Cast(F(name), models.TextField()) if isinstance(field, models.DecimalField) else F(name)
    if name in rules.OPTIONAL_FIELDS:
        return Case(When(published_fields__contains=[name], then=value), default=Value(None))
    return value


def public_report_json() -> JSONObject:
    """One report version as a citizen sees it, with the year's first filing date and its corrections."""
    same_year = AnnualReport.objects.filter(enterprise=OuterRef("enterprise_id"), year=OuterRef("year"))
    return JSONObject(
        year="year",
        version="version",
        filed_at="filed_at",
        is_late="is_late",
        published_fields="published_fields",
        first_filed_at=Subquery(same_year.filter(version=1).values("filed_at")[:1]),
        corrected_at=ArraySubquery(same_year.filter(version__gt=1).order_by("version").values("filed_at")),
        **{name: _column(name) for name in (*rules.PUBLIC_FIELDS, *rules.OPTIONAL_FIELDS)},
    )


def latest_reports() -> QuerySet[AnnualReport]:
    """The current version of every report (a correction replaces what is shown, never the history)."""
    newer = AnnualReport.objects.filter(
        enterprise=OuterRef("enterprise_id"), year=OuterRef("year"), version__gt=OuterRef("version")
    )
    return AnnualReport.objects.exclude(Exists(newer))


def _local_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    return timezone.localdate(dt.datetime.fromisoformat(value))


def report_decoded(data: dict[str, Any]) -> dict[str, Any]:
    """A public report's JSON with its moments as local dates (``filed_on``, ``first_filed_on``, ``corrected_on``)."""
    return {
        **data,
        "filed_on": _local_date(data.get("filed_at")),
        "first_filed_on": _local_date(data.get("first_filed_at")),
        "corrected_on": [_local_date(moment) for moment in data.get("corrected_at") or []],
    }


def annual_reports_public(*, enterprise: Enterprise) -> list[dict[str, Any]]:
    """Every year's current report of an enterprise as the public sees it, newest year first."""
    rows = (
        latest_reports()
        .filter(enterprise=enterprise)
        .order_by("-year")
        .values_list(public_report_json(), flat=True)
    )
    return [report_decoded(row) for row in rows]


def annual_report_versions(*, enterprise: Enterprise, year: int) -> QuerySet[AnnualReport]:
    """Every version of one year's report (for the enterprise's own account)."""
    return AnnualReport.objects.filter(enterprise=enterprise, year=year).order_by("-version")
