"""The enterprise account's annual report pages: the years owed and filed, and the filing form."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from registry.accounts import enterprise_of
from registry.models import AnnualReport, Enterprise

from . import rules
from .forms import AnnualReportForm
from .services import annual_report_file

YEARS_SHOWN = 5


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _years(enterprise: Enterprise, today: dt.date) -> list[int]:
    last = today.year - 1
    first = max(enterprise.established_on.year, last - YEARS_SHOWN + 1) if enterprise.established_on else last
    return list(range(last, first - 1, -1))


@never_cache
@login_required
def annual_reports_view(request: HttpRequest) -> HttpResponse:
    """Each year the enterprise owes a report for: filed (when, late, corrected) or missing, with its deadline."""
    enterprise = enterprise_of(request.user)
    if enterprise is None:
        return redirect("account:home")
    today = timezone.localdate()
    filed: dict[int, list[AnnualReport]] = {}
    for report in AnnualReport.objects.filter(enterprise=enterprise).order_by("year", "version"):
        filed.setdefault(report.year, []).append(report)
    rows = [
        {
            "year": year,
            "deadline": rules.deadline(year),
            "versions": filed.get(year, []),
            "current": filed[year][-1] if year in filed else None,
            "overdue": year not in filed and today > rules.deadline(year),
        }
        for year in _years(enterprise, today)
        if rules.must_file(established_on=enterprise.established_on, year=year)
    ]
    return _private(
        render(
            request,
            "account/annual_reports.html",
            {"enterprise": enterprise, "rows": rows, "today": today},
        )
    )


@never_cache
@login_required
def annual_report_file_view(request: HttpRequest, year: int) -> HttpResponse:
    """File (or correct) the report for ``year``."""
    enterprise = enterprise_of(request.user)
    if enterprise is None:
        return redirect("account:home")
    if (
        not rules.must_file(established_on=enterprise.established_on, year=year)
        or year >= timezone.localdate().year
    ):
        raise Http404
    current = AnnualReport.objects.filter(enterprise=enterprise, year=year).order_by("-version").first()
    status = 200
    if request.method == "POST":
        form = AnnualReportForm(request.POST)
        if form.is_valid():
            try:
                report = annual_report_file(
                    enterprise=enterprise, year=year, data=form.service_data(), actor=request.user
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                if report.version > 1:
                    messages.success(
                        request, _("Your correction of the %(year)d report is published.") % {"year": year}
                    )
                else:
                    messages.success(
                        request, _("Your annual report for %(year)d is filed and published.") % {"year": year}
                    )
                response = HttpResponseRedirect(reverse("account:annual-reports"))
                response.status_code = 303
                return response
        status = 400
    else:
        form = AnnualReportForm(initial=AnnualReportForm.initial_from(current))
    return _private(
        render(
            request,
            "account/annual_report_form.html",
            {
                "enterprise": enterprise,
                "year": year,
                "form": form,
                "current": current,
                "deadline": rules.deadline(year),
                "late": timezone.localdate() > rules.deadline(year),
            },
            status=status,
        )
    )
