"""The annual report's calendar and publication rules (docs/annual-reports.md).

- 企业信息公示暂行条例 (State Council Order No. 654, 2014) art. 8: the report for year Y is filed
  between 1 January and 30 June of Y+1; an enterprise established in year Y files from the next
  year on, i.e. its first report is the one for Y.
- Art. 9: the contact details, state of operation, investments, capital contributions and websites
  and shops (items 1–6) are public; employees, assets, liabilities, owners' equity, revenue,
  profit and tax (item 7) are published only if the enterprise chooses. The social insurance
  figures added by the "several reports in one" reform are treated like item 7 here.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

DEADLINE_MONTH, DEADLINE_DAY = 6, 30
# The reminders before the deadline: (month, day) of Y+1, and the stage each one is.
REMINDER_DAYS = (((6, 1), "first"), ((6, 20), "final"))

# Art. 9(7) and the social insurance figures: published only when the enterprise chooses.
OPTIONAL_FIELDS: dict[str, object] = {
    "employees": _("Employees"),
    "total_assets": _("Total assets"),
    "total_liabilities": _("Total liabilities"),
    "owners_equity": _("Owners' equity"),
    "total_revenue": _("Total revenue"),
    "main_business_revenue": _("Main business revenue"),
    "total_profit": _("Total profit"),
    "net_profit": _("Net profit"),
    "tax_paid": _("Tax paid"),
    "insured_employees": _("Employees with social insurance"),
    "social_insurance_contributions": _("Social insurance contributions paid"),
}
# Art. 9(1)–(6): always public.
PUBLIC_FIELDS = (
    "operating_status",
    "address",
    "postal_code",
    "phone",
    "email",
    "subscribed_capital",
    "paid_in_capital",
    "investments",
    "websites",
)


def deadline(year: int) -> dt.date:
    """The last day to file the report for ``year`` on time: 30 June of the next year."""
    return dt.date(year + 1, DEADLINE_MONTH, DEADLINE_DAY)


def year_due(today: dt.date) -> int:
    """The report year being filed on ``today`` (the previous calendar year)."""
    return today.year - 1


def must_file(*, established_on: dt.date | None, year: int) -> bool:
    """Whether an enterprise established on that date owes a report for ``year``."""
    return established_on is not None and established_on <= dt.date(year, 12, 31)


def public_values(report: dict) -> dict:
    """The fields of one report version a citizen may see: the public ones and the chosen optional ones."""
    chosen = set(report.get("published_fields") or ())
    shown = {name: report.get(name) for name in PUBLIC_FIELDS}
    shown |= {name: report.get(name) for name in OPTIONAL_FIELDS if name in chosen}
    return shown
