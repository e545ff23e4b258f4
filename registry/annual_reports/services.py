"""Filing an annual report, and the reminders before its deadline. Every write here is one service."""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import uscc as uscc_codes
from registry.accounts import enterprise_of
from registry.audit import audit_write
from registry.cache import enterprise_changed
from registry.choices import AnnualReportStatus, EnterpriseStatus
from registry.models import (
    AnnualReport,
    AnnualReportReminder,
    Enterprise,
    EnterpriseAccount,
    EnterpriseAccountStatus,
)
from registry.permissions import is_registry_admin

from . import rules

logger = logging.getLogger(__name__)

_AMOUNT_FIELDS = (
    "subscribed_capital",
    "paid_in_capital",
    "total_assets",
    "total_liabilities",
    "owners_equity",
    "total_revenue",
    "main_business_revenue",
    "total_profit",
    "net_profit",
    "tax_paid",
    "social_insurance_contributions",
)
# Totals that cannot be below zero; profit and owners' equity can (a loss, an insolvent balance sheet).
_NON_NEGATIVE = set(_AMOUNT_FIELDS) - {"total_profit", "net_profit", "owners_equity"}
_COUNT_FIELDS = ("employees", "insured_employees")
_MAX_AMOUNT = Decimal("9999999999999999.99")
_WEBSITE_KINDS = ("website", "shop")
_TEXT_LIMITS = {"address": 300, "phone": 30}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _amount(value: Any) -> Decimal | None:
    if _blank(value):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(_("Enter an amount in 10,000 yuan, e.g. 125.50.")) from None
    if not amount.is_finite() or abs(amount) > _MAX_AMOUNT:
        raise ValueError(_("Enter an amount in 10,000 yuan, e.g. 125.50."))
    return amount.quantize(Decimal("0.01"))


def _count(value: Any) -> int | None:
    if _blank(value):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(_("Enter a whole number.")) from None
    if number < 0:
        raise ValueError(_("A number of people cannot be negative."))
    return number


def _investments(items: Any, *, own_uscc: str, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    cleaned, seen = [], set()
    for n, item in enumerate(items or [], start=1):
        code = uscc_codes.compact(str((item or {}).get("uscc") or ""))
        name = str((item or {}).get("name") or "").strip()
        if not uscc_codes.is_valid(code):
            errors.setdefault("investments", []).append(
                _("Line %(n)d: “%(code)s” is not a valid unified social credit code.")
                % {"n": n, "code": code}
            )
            continue
        if code == own_uscc:
            errors.setdefault("investments", []).append(
                _("Line %(n)d: an enterprise does not invest in itself.") % {"n": n}
            )
            continue
        if not name:
            errors.setdefault("investments", []).append(
                _("Line %(n)d: give the name of the enterprise invested in.") % {"n": n}
            )
            continue
        if code in seen:
            errors.setdefault("investments", []).append(
                _("Line %(n)d: %(code)s is listed twice.") % {"n": n, "code": code}
            )
            continue
        seen.add(code)
        cleaned.append({"uscc": code, "name": name[:200]})
    return cleaned


def _websites(items: Any, *, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    cleaned = []
    check_url = URLValidator(schemes=["http", "https"])
    for n, item in enumerate(items or [], start=1):
        kind = str((item or {}).get("kind") or "website")
        name = str((item or {}).get("name") or "").strip()
        url = str((item or {}).get("url") or "").strip()
        if kind not in _WEBSITE_KINDS:
            errors.setdefault("websites", []).append(
                _("Line %(n)d: say whether it is a website or an online shop.") % {"n": n}
            )
            continue
        try:
            check_url(url)
        except ValidationError:
            errors.setdefault("websites", []).append(
                _("Line %(n)d: “%(url)s” is not a web address (https://…).") % {"n": n, "url": url}
            )
            continue
        cleaned.append({"kind": kind, "name": (name or url)[:200], "url": url[:500]})
    return cleaned


def annual_report_clean(*, enterprise: Enterprise, data: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a report's fields, or a ValidationError naming every wrong field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    status = str(data.get("operating_status") or "")
    if status not in AnnualReportStatus.values:
        errors["operating_status"] = [_("Choose the enterprise's state of operation.")]
    cleaned["operating_status"] = status
    for name, limit in _TEXT_LIMITS.items():
        value = str(data.get(name) or "").strip()
        if not value:
            errors[name] = [_("This is required.")]
        elif len(value) > limit:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
        cleaned[name] = value
    postal_code = str(data.get("postal_code") or "").strip()
    if postal_code and not re.fullmatch(r"\d{6}", postal_code):
        errors["postal_code"] = [_("A postal code is six digits.")]
    cleaned["postal_code"] = postal_code
    email = str(data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    cleaned["email"] = email

    for name in _AMOUNT_FIELDS:
        try:
            cleaned[name] = _amount(data.get(name))
        except ValueError as exc:
            errors[name] = [str(exc)]
            cleaned[name] = None
            continue
        if name in _NON_NEGATIVE and cleaned[name] is not None and cleaned[name] < 0:
            errors[name] = [_("A total cannot be negative.")]
    for name in _COUNT_FIELDS:
        try:
            cleaned[name] = _count(data.get(name))
        except ValueError as exc:
            errors[name] = [str(exc)]
            cleaned[name] = None

    def ok(*names: str) -> bool:
        return all(cleaned.get(n) is not None and n not in errors for n in names)

    if (
        ok("paid_in_capital", "subscribed_capital")
        and cleaned["paid_in_capital"] > cleaned["subscribed_capital"]
    ):
        errors["paid_in_capital"] = [_("Paid-in capital cannot be more than the subscribed capital.")]
    if ok("total_assets", "total_liabilities", "owners_equity") and abs(
        cleaned["total_assets"] - cleaned["total_liabilities"] - cleaned["owners_equity"]
    ) > Decimal("0.01"):
        errors["owners_equity"] = [
            _("Owners' equity must equal total assets minus total liabilities (%(value)s).")
            % {"value": cleaned["total_assets"] - cleaned["total_liabilities"]}
        ]
    if ok("total_liabilities") and cleaned["total_liabilities"] > 0 and cleaned.get("total_assets") is None:
        errors.setdefault("total_assets", []).append(_("Give total assets together with total liabilities."))
    if (
        ok("main_business_revenue", "total_revenue")
        and cleaned["main_business_revenue"] > cleaned["total_revenue"]
    ):
        errors["main_business_revenue"] = [_("Main business revenue cannot be more than total revenue.")]
    if (
        ok("net_profit", "total_profit")
        and cleaned["net_profit"] > cleaned["total_profit"]
        and cleaned["total_profit"] >= 0
    ):
        errors["net_profit"] = [_("Net profit cannot be more than total profit (profit before tax).")]
    if ok("insured_employees", "employees") and cleaned["insured_employees"] > cleaned["employees"]:
        errors["insured_employees"] = [_("More employees insured than employees.")]

    cleaned["investments"] = _investments(data.get("investments"), own_uscc=enterprise.uscc, errors=errors)
    cleaned["websites"] = _websites(data.get("websites"), errors=errors)
    published = list(data.get("published_fields") or [])
    unknown = [name for name in published if name not in rules.OPTIONAL_FIELDS]
    if unknown:
        errors["published_fields"] = [
            _("These cannot be chosen for publication: %(names)s.") % {"names": ", ".join(map(str, unknown))}
        ]
    cleaned["published_fields"] = sorted(set(published) - set(unknown))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _ensure_can_file(actor: User, enterprise: Enterprise) -> None:
    if is_registry_admin(actor):  # the platform on the enterprise's behalf (imports, the demo)
        return
    found = enterprise_of(actor)
    if found is None or found.pk != enterprise.pk:
        raise PermissionDenied(
            _("Only a confirmed account of %(name)s may file its annual report.") % {"name": enterprise.name}
        )


@transaction.atomic
def annual_report_file(
    *, enterprise: Enterprise, year: int, data: dict[str, Any], actor: User, now: dt.datetime | None = None
) -> AnnualReport:
    """File the annual report for ``year``; a second filing for the same year is a correction (a new version).

    Filed between 1 January and 30 June of the next year it is on time; after that it is still
    accepted, recorded as late (企业信息公示暂行条例 art. 8).
    """
    _ensure_can_file(actor, enterprise)
    now = now or timezone.now()
    today = timezone.localdate(now)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError(
            {"year": [_("Give the report year, e.g. %(year)d.") % {"year": today.year - 1}]}
        ) from None
    if year >= today.year:
        raise ValidationError(
            {
                "year": [
                    _("The report for %(year)d can be filed from 1 January %(next)d.")
                    % {"year": year, "next": year + 1}
                ]
            }
        )
    if not rules.must_file(established_on=enterprise.established_on, year=year):
        raise ValidationError(
            {
                "year": [
                    _("The enterprise was not yet established in %(year)d: it has no report for that year.")
                    % {"year": year}
                ]
            }
        )
    if enterprise.status == EnterpriseStatus.DEREGISTERED:
        raise ValidationError(_("A deregistered enterprise files no annual report."))
    cleaned = annual_report_clean(enterprise=enterprise, data=data)
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()  # one version number at a time
    previous = AnnualReport.objects.filter(enterprise=enterprise, year=year).order_by("-version").first()
    report = AnnualReport(
        enterprise=enterprise,
        year=year,
        version=previous.version + 1 if previous else 1,
        filed_at=now,
        is_late=(previous.is_late if previous else today > rules.deadline(year)),
        filed_by=actor,
        **cleaned,
    )
    report.full_clean(validate_unique=False)
    report.save()
    audit_write(
        actor=actor,
        action="annual_report.correct" if previous else "annual_report.file",
        target=report,
        after={
            "enterprise": enterprise.uscc,
            "year": year,
            "version": report.version,
            "late": report.is_late,
        },
    )
    enterprise_changed(enterprise.pk)
    return report


def _deliver(reminders: list[tuple[str, str, str]]) -> None:
    for address, subject, body in reminders:
        try:
            send_mail(subject, body, None, [address])
        except Exception:  # the reminder is shown in the account too; a mail outage loses nothing
            logger.exception("could not send an annual report reminder")


@transaction.atomic
def annual_report_reminders_send(*, today: dt.date | None = None) -> int:
    """On the reminder days (1 and 20 June), remind each confirmed enterprise user whose enterprise
    has not filed last year's report; once per user, enterprise, year and stage. Returns how many were new."""
    today = today or timezone.localdate()
    year = rules.year_due(today)
    stage = None
    for (month, day), name in rules.REMINDER_DAYS:
        if dt.date(today.year, month, day) <= today <= rules.deadline(year):
            stage = name
    if stage is None:
        return 0
    accounts = (
        EnterpriseAccount.objects.filter(
            status=EnterpriseAccountStatus.ACTIVE,
            enterprise__status=EnterpriseStatus.IN_OPERATION,
            enterprise__established_on__lte=dt.date(year, 12, 31),
        )
        .exclude(enterprise__annual_reports__year=year)
        .select_related("user", "enterprise")
        .order_by("pk")
    )
    accounts = list(accounts)
    sent = set(
        AnnualReportReminder.objects.filter(year=year, stage=stage).values_list("user_id", "enterprise_id")
    )
    accounts = [a for a in accounts if (a.user_id, a.enterprise_id) not in sent]
    AnnualReportReminder.objects.bulk_create(
        [
            AnnualReportReminder(user=a.user, enterprise=a.enterprise, year=year, stage=stage)
            for a in accounts
        ],
        ignore_conflicts=True,  # a run at the same moment sent these already
    )
    mails = []
    for account in accounts:
        if account.user.email:
            subject = _("Annual report for %(year)d due by %(deadline)s") % {
                "year": year,
                "deadline": rules.deadline(year).isoformat(),
            }
            body = _(
                "%(name)s has not yet filed its annual report for %(year)d. File it in your account "
                "by %(deadline)s; an enterprise that has not filed by then is entered into the "
                "abnormal operations list."
            ) % {"name": account.enterprise.name, "year": year, "deadline": rules.deadline(year).isoformat()}
            mails.append((account.user.email, subject, body))
    transaction.on_commit(lambda: _deliver(mails))
    return len(accounts)
