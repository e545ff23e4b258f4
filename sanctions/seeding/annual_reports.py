"""The demo's annual reports (docs/annual-reports.md): each situation of the year cycle on demo enterprises.

For the latest year whose filing period has ended (Y): most demo enterprises filed on time; some filed
late (listed on 1 July of Y+1, then filed and applied: taken off); some corrected their report; a few
never filed and are on the abnormal operations list. The year before, every one of them filed. The
reports are filed through ``annual_report_file`` with their filing moment, the listings made by the
same job as the daily task, as of 1 July. Running it again adds nothing: an enterprise that has a
report for Y is left as it is. Synthetic enterprises (``--enterprises N``) get no reports.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from registry.annual_reports.rules import deadline
from registry.annual_reports.services import annual_report_file
from registry.choices import EnterpriseStatus
from registry.models import Agency, AnnualReport, Enterprise
from registry.seeding import demo_enterprise_codes
from registry.services import system_actor
from sanctions.lists.annual_reports import (
    annual_reports_enforce,
    document_prefix,
    listing_remove_for_report,
    year_to_enforce,
)
from sanctions.lists.ratings import ratings_recompute_many
from sanctions.models import Listing

# The named situations of the other demos always file on time: their pages show what they are about.
ANNUAL_REPORT_SITUATIONS = {
    "filed": "杭州西湖建设工程有限公司",
    "corrected": "深圳市腾达电子科技有限公司",
}


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _data(enterprise: Enterprise, n: int, *, corrected: bool = False) -> dict:
    capital = enterprise.registered_capital or Decimal(100 + n % 900)
    assets = Decimal(200 + (n * 37) % 5000)
    liabilities = (assets * Decimal((n % 7) / 10)).quantize(Decimal("0.01"))
    revenue = Decimal(300 + (n * 53) % 8000)
    employees = 5 + (n * 11) % 300 + (2 if corrected else 0)
    published = ["employees", "total_revenue"] if n % 3 == 0 else (["employees"] if n % 3 == 1 else [])
    return {
        "operating_status": "operating",
        "address": enterprise.domicile or "—",
        "postal_code": "",
        "phone": f"0{10 + n % 89}-{80000000 + n * 7919 % 9999999}",
        "email": f"office{n}@example.cn",
        "subscribed_capital": capital,
        "paid_in_capital": (capital * Decimal("0.6")).quantize(Decimal("0.01")),
        "employees": employees,
        "total_assets": assets,
        "total_liabilities": liabilities,
        "owners_equity": assets - liabilities,
        "total_revenue": revenue,
        "main_business_revenue": (revenue * Decimal("0.9")).quantize(Decimal("0.01")),
        "total_profit": (revenue * Decimal("0.08")).quantize(Decimal("0.01")),
        "net_profit": (revenue * Decimal("0.06")).quantize(Decimal("0.01")),
        "tax_paid": (revenue * Decimal("0.03")).quantize(Decimal("0.01")),
        "insured_employees": employees - n % 3,
        "social_insurance_contributions": Decimal(employees) * Decimal("1.2"),
        "investments": [],
        "websites": [{"kind": "website", "name": enterprise.name, "url": f"https://www{n}.example.cn"}]
        if n % 4 == 0
        else [],
        "published_fields": published,
    }


def annual_reports_seed(*, today: dt.date | None = None) -> dict[str, int]:
    """Give the demo enterprises their annual reports and listings (what is missing only)."""
    today = today or timezone.localdate()
    year = year_to_enforce(today)
    actor = system_actor()
    counts = {"filed": 0, "late": 0, "corrected": 0, "missing": 0, "listed": 0}
    enterprises = list(
        Enterprise.objects.filter(
            uscc__in=demo_enterprise_codes(),
            status=EnterpriseStatus.IN_OPERATION,
            established_on__lte=dt.date(year - 1, 12, 31),
        ).order_by("uscc")
    )
    done = set(AnnualReport.objects.filter(year=year).values_list("enterprise_id", flat=True))
    done |= set(
        Listing.objects.filter(document_number__startswith=document_prefix(year)).values_list(
            "enterprise_id", flat=True
        )
    )
    todo = [(n, e) for n, e in enumerate(enterprises) if e.pk not in done]
    if not todo:
        return counts
    named = {name: key for key, name in ANNUAL_REPORT_SITUATIONS.items()}

    def kind(n: int, e: Enterprise) -> str:
        if e.name in named:
            return named[e.name]
        return {7: "missing", 19: "missing", 3: "late", 13: "late", 5: "corrected"}.get(n % 30, "filed")

    for n, e in todo:  # the year before: everyone on time
        if not AnnualReport.objects.filter(enterprise=e, year=year - 1).exists():
            annual_report_file(
                enterprise=e,
                year=year - 1,
                data=_data(e, n),
                actor=actor,
                now=_moment(dt.date(year, 4, 1 + n % 28)),
            )
    for n, e in todo:  # on time, and the corrections
        if kind(n, e) in ("filed", "corrected"):
            on = dt.date(year + 1, 3 + n % 3, 1 + n % 28)
            annual_report_file(enterprise=e, year=year, data=_data(e, n), actor=actor, now=_moment(on))
            counts["filed"] += 1
            if kind(n, e) == "corrected":
                annual_report_file(
                    enterprise=e,
                    year=year,
                    data=_data(e, n, corrected=True),
                    actor=actor,
                    now=_moment(on + dt.timedelta(days=20)),
                )
                counts["corrected"] += 1
    # 1 July: the daily job lists every demo enterprise still without a report (only the demo's: the
    # synthetic ones are left to the scheduled job and the bench).
    ids = [e.pk for n, e in todo if kind(n, e) in ("late", "missing")]
    # The demo has provincial regulators for a few provinces only: the national one acts for the rest.
    national = Agency.objects.filter(name="国家市场监督管理总局").values_list("pk", flat=True).first()
    counts["listed"] = annual_reports_enforce(
        today=deadline(year) + dt.timedelta(days=1), enterprise_ids=ids, fallback_agency_id=national
    )
    for n, e in todo:
        if kind(n, e) == "late":
            report = annual_report_file(
                enterprise=e,
                year=year,
                data=_data(e, n),
                actor=actor,
                now=_moment(deadline(year) + dt.timedelta(days=25)),
            )
            listing = Listing.objects.filter(
                enterprise=e, document_number=f"{document_prefix(year)}{e.uscc}", status="active"
            ).first()
            if listing is not None:
                listing_remove_for_report(listing=listing, report=report)
            counts["late"] += 1
        elif kind(n, e) == "missing":
            counts["missing"] += 1
    # The ratings now, not when a worker gets to the queued recomputations (the demo may have none).
    ratings_recompute_many(enterprise_ids=ids)
    return counts


def annual_report_examples(*, today: dt.date | None = None) -> list[tuple[str, Enterprise]]:
    """One demo enterprise per situation of the year cycle, for seed_demo's list of things to try."""
    year = year_to_enforce(today or timezone.localdate())
    codes = demo_enterprise_codes()
    reports = AnnualReport.objects.filter(year=year, enterprise__uscc__in=codes).select_related("enterprise")
    found: list[tuple[str, Enterprise]] = []
    corrected = reports.filter(version=2).values("enterprise_id")
    on_time = reports.filter(is_late=False, version=1).exclude(enterprise_id__in=corrected)
    for label, queryset in (
        (f"annual report {year} filed on time", on_time),
        (f"annual report {year} filed late (listed 1 July, then taken off)", reports.filter(is_late=True)),
        (f"annual report {year} corrected", reports.filter(version=2)),
    ):
        report = queryset.order_by("enterprise__uscc").first()
        if report is not None:
            found.append((label, report.enterprise))
    missing = (
        Listing.objects.filter(
            document_number__startswith=document_prefix(year), status="active", enterprise__uscc__in=codes
        )
        .select_related("enterprise")
        .order_by("enterprise__uscc")
        .first()
    )
    if missing is not None:
        found.append((f"annual report {year} missing: on the abnormal operations list", missing.enterprise))
    return found
