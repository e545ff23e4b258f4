"""The enterprise account's page for its listings over missing annual reports, and the application
to be taken off once the report is filed (``sanctions.lists.annual_reports``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from registry.accounts import enterprise_of
from registry.models import AnnualReport
from sanctions.lists.annual_reports import annual_report_listings, annual_report_removal_apply, listing_year


@never_cache
@login_required
def annual_report_listings_view(request: HttpRequest) -> HttpResponse:
    enterprise = enterprise_of(request.user)
    if enterprise is None:
        return redirect("account:home")
    if request.method == "POST":
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = 0
        try:
            annual_report_removal_apply(actor=request.user, enterprise=enterprise, year=year)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(name)s is taken off the abnormal operations list for its %(year)d report.")
                % {"name": enterprise.name, "year": year},
            )
        response = HttpResponseRedirect(reverse("lists:annual-report-listings"))
        response.status_code = 303
        return response
    listings = list(annual_report_listings(enterprise=enterprise).select_related("agency"))
    filed = set(AnnualReport.objects.filter(enterprise=enterprise).values_list("year", flat=True))
    rows = [{"listing": x, "year": listing_year(x), "filed": listing_year(x) in filed} for x in listings]
    response = render(request, "lists/annual_report_listings.html", {"enterprise": enterprise, "rows": rows})
    response["Cache-Control"] = "private, no-store"
    return response
