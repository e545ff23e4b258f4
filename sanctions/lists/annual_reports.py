"""The abnormal operations list (经营异常名录) for annual reports not filed by 30 June, and the
removal that follows a late filing (docs/annual-reports.md).

- 企业信息公示暂行条例 (2014) art. 17: an enterprise that has not published its annual report in
  the period of art. 8 is entered into the abnormal operations list by the market regulator; once it
  has published, it is taken off.
- 企业经营异常名录管理暂行办法 (SAIC Order No. 68, 2014) art. 4: the decision is made within 10
  working days after the end of the filing period (30 June); art. 11: an enterprise that has filed the
  missing report may apply, and is removed within 5 working days of its application.

The job enters, for each enterprise in operation that was established by 31 December of year Y and
has no report for Y, one listing whose document number names the year and the enterprise
(``年报Y-<USCC>``): that number is what makes the job idempotent, even after a removal. Listings are
made through ``listings_enter_by_rule`` for the competent agency: the agency named as the
enterprise's registration authority when the registry has it; else the provincial market regulator
of the enterprise's province (its division's first two digits); else ``ANNUAL_REPORTS_AGENCY``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.accounts import ensure_acts_for
from registry.annual_reports import rules
from registry.audit import audit_write
from registry.choices import AgencyLevel, EnterpriseStatus, PublicitySystem
from registry.models import Agency, AnnualReport, Enterprise
from registry.services import system_actor
from sanctions.choices import ListingStatus, RemovalReason
from sanctions.lists.services import RuleListing, listing_remove, listings_enter_by_rule
from sanctions.models import Listing, ListKind

logger = logging.getLogger(__name__)

LIST_KIND = "abnormal"
LEGAL_BASIS = "《企业信息公示暂行条例》第八条、第十七条；《企业经营异常名录管理暂行办法》第四条"
REMOVAL_BASIS = "《企业经营异常名录管理暂行办法》第十一条"


def document_prefix(year: int) -> str:
    """The start of the document number of the listings for a year's missing report."""
    return f"年报{year}-"


def year_to_enforce(today: dt.date) -> int:
    """The latest report year whose filing period ended before ``today``."""
    return (
        rules.year_due(today) if today > rules.deadline(rules.year_due(today)) else rules.year_due(today) - 1
    )


def not_filed(*, year: int) -> QuerySet[Enterprise]:
    """Enterprises that owe a report for ``year``, have not filed it and are not yet listed for it."""
    return (
        Enterprise.objects.filter(
            status=EnterpriseStatus.IN_OPERATION, established_on__lte=dt.date(year, 12, 31)
        )
        .exclude(Exists(AnnualReport.objects.filter(enterprise=OuterRef("pk"), year=year)))
        .exclude(
            Exists(
                Listing.objects.filter(
                    enterprise=OuterRef("pk"),
                    list_kind_id=LIST_KIND,
                    document_number=Concat(Value(document_prefix(year)), OuterRef("uscc")),
                )
            )
        )
    )


def _agencies() -> tuple[dict[str, int], dict[str, int], int | None]:
    by_name = dict(Agency.objects.values_list("name", "pk"))
    # The provincial market regulator, by the first two digits of its division.
    by_province = {
        code[:2]: pk
        for code, pk in Agency.objects.filter(
            publicity_system=PublicitySystem.MARKET_REGULATION, level=AgencyLevel.PROVINCIAL
        )
        .order_by("-pk")
        .values_list("division_id", "pk")
    }
    fallback = None
    code = getattr(settings, "ANNUAL_REPORTS_AGENCY", "")
    if code:
        fallback = Agency.objects.filter(uscc=code).values_list("pk", flat=True).first()
        if fallback is None:
            logger.error("ANNUAL_REPORTS_AGENCY %s is not an agency of the registry", code)
    return by_name, by_province, fallback


@transaction.atomic
def annual_reports_enforce_batch(
    *,
    today: dt.date | None = None,
    after: int | None = None,
    size: int | None = None,
    enterprise_ids: list[int] | None = None,
    fallback_agency_id: int | None = None,
) -> tuple[int, int] | None:
    """One batch of the daily job: the next ``size`` enterprises (by id, after ``after``) that have
    not filed the report for the year whose period has ended, entered into the abnormal operations
    list. Returns (enterprises handled, the last id) or None when none is left. An enterprise with
    no competent agency in the registry (nor ``fallback_agency_id``, the demo's national regulator)
    is skipped and logged: it is picked up once one is set."""
    today = today or timezone.localdate()
    size = size or settings.EXPIRY_BATCH_ROWS
    year = year_to_enforce(today)
    due = not_filed(year=year)
    if enterprise_ids is not None:  # the demo's seeding: only its own enterprises
        due = due.filter(pk__in=enterprise_ids)
    if after is not None:
        due = due.filter(pk__gt=after)
    rows = list(
        due.order_by("pk").values_list("pk", "uscc", "registration_authority", "division_code")[:size]
    )
    if not rows:
        return None
    by_name, by_province, fallback = _agencies()
    list_kind = ListKind.objects.get(code=LIST_KIND)
    grounds = (
        f"未在{rules.deadline(year).year}年6月30日前通过企业信用信息公示系统报送并公示{year}年度报告"
        "（《企业信息公示暂行条例》第八条）。"
    )
    entries, orphans = [], 0
    for pk, uscc, authority, division in rows:
        agency_id = by_name.get(authority) or by_province.get(division[:2]) or fallback or fallback_agency_id
        if agency_id is None:
            orphans += 1
            continue
        entries.append(
            RuleListing(
                enterprise_id=pk,
                agency_id=agency_id,
                grounds=grounds,
                legal_basis=LEGAL_BASIS,
                document_number=f"{document_prefix(year)}{uscc}",
                start_date=today,
            )
        )
    if orphans:
        logger.warning("%d enterprises without a competent agency were not listed for %d", orphans, year)
    listings_enter_by_rule(list_kind=list_kind, entries=entries)
    return len(rows), rows[-1][0]


def annual_reports_enforce_due_count(*, today: dt.date | None = None) -> int:
    """How many enterprises the job would enter now (for its progress line)."""
    return not_filed(year=year_to_enforce(today or timezone.localdate())).count()


def annual_reports_enforce(
    *,
    today: dt.date | None = None,
    size: int | None = None,
    enterprise_ids: list[int] | None = None,
    fallback_agency_id: int | None = None,
) -> int:
    """The whole daily job, batch after batch (each its own transaction). Returns enterprises handled."""
    total, after = 0, None
    while done := annual_reports_enforce_batch(
        today=today,
        after=after,
        size=size,
        enterprise_ids=enterprise_ids,
        fallback_agency_id=fallback_agency_id,
    ):
        total += done[0]
        after = done[1]
    return total


def annual_report_listings(*, enterprise: Enterprise) -> QuerySet[Listing]:
    """The enterprise's listings for missing annual reports, in force or waiting for review, newest first."""
    return Listing.objects.filter(
        enterprise=enterprise,
        list_kind_id=LIST_KIND,
        document_number__startswith="年报",
        status__in=(ListingStatus.ACTIVE, ListingStatus.SUBMITTED),
    ).order_by("-start_date", "-pk")


def listing_year(listing: Listing) -> int:
    """The report year a listing made by this job is for (from its document number)."""
    return int(listing.document_number.removeprefix("年报").split("-", 1)[0])


@transaction.atomic
def annual_report_removal_apply(*, actor: User, enterprise: Enterprise, year: int) -> Listing:
    """The enterprise, having filed the missing report, applies to leave the list; the rule is a fact
    (the report is there), so the platform removes it at once (``listing_remove``, repaired)."""
    ensure_acts_for(actor, enterprise)
    listing = (
        Listing.objects.select_for_update()
        .filter(
            enterprise=enterprise,
            list_kind_id=LIST_KIND,
            document_number=f"{document_prefix(year)}{enterprise.uscc}",
        )
        .first()
    )
    if listing is None or listing.status != ListingStatus.ACTIVE:
        raise ValidationError(
            {
                "year": [
                    _("%(name)s is not on the abnormal operations list for its %(year)d report.")
                    % {"name": enterprise.name, "year": year}
                ]
            }
        )
    report = AnnualReport.objects.filter(enterprise=enterprise, year=year).order_by("version").first()
    if report is None:
        raise ValidationError(
            {"year": [_("File the annual report for %(year)d first, then apply.") % {"year": year}]}
        )
    audit_write(
        actor=actor,
        action="annual_report.removal_apply",
        target=listing,
        after={"year": year, "report_filed_at": report.filed_at},
    )
    return listing_remove_for_report(listing=listing, report=report)


def listing_remove_for_report(*, listing: Listing, report: AnnualReport) -> Listing:
    """Take the listing off once the enterprise has filed the missing report and applied
    (企业经营异常名录管理暂行办法 art. 11); the platform's system account decides, the rule being a fact."""
    year = report.year
    filed = timezone.localdate(report.filed_at)
    note = (
        f"{year}年度报告已于{filed.isoformat()}补报并公示；企业于{timezone.localdate().isoformat()}申请移出"
        f"（{REMOVAL_BASIS}）。"
    )
    return listing_remove(actor=system_actor(), listing=listing, reason=RemovalReason.REPAIRED, note=note)
