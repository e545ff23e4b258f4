"""An annual report is kept as versions: the first filing is version 1, each correction a new one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.choices import AnnualReportStatus, ReminderStage

# Amounts in ten thousands of yuan (万元), as GSXT shows them.
_AMOUNT = {"max_digits": 18, "decimal_places": 2, "null": True, "blank": True}


class AnnualReport(models.Model):
    """One version of an enterprise's annual report for a year (企业年度报告, 企业信息公示暂行条例 art. 8–9)."""

    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="annual_reports",
        verbose_name=_("enterprise"),
    )
    year = models.PositiveSmallIntegerField(_("report year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    filed_at = models.DateTimeField(_("filed"))
    is_late = models.BooleanField(_("filed after the deadline"), default=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    # Basic facts and contact details: always public (art. 9(1)–(6)).
    operating_status = models.CharField(
        _("state of operation"), max_length=12, choices=AnnualReportStatus.choices
    )
    address = models.CharField(_("postal address"), max_length=300)
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True)
    phone = models.CharField(_("telephone"), max_length=30)
    email = models.EmailField(_("e-mail"), blank=True)
    subscribed_capital = models.DecimalField(_("subscribed capital (10,000 yuan)"), **_AMOUNT)
    paid_in_capital = models.DecimalField(_("paid-in capital (10,000 yuan)"), **_AMOUNT)
    investments = models.JSONField(_("investments in other enterprises"), default=list, blank=True)
    websites = models.JSONField(_("websites and online shops"), default=list, blank=True)
    # Published only if the enterprise chooses (art. 9(7), ``published_fields``).
    employees = models.IntegerField(_("employees"), null=True, blank=True)
    total_assets = models.DecimalField(_("total assets (10,000 yuan)"), **_AMOUNT)
    total_liabilities = models.DecimalField(_("total liabilities (10,000 yuan)"), **_AMOUNT)
    owners_equity = models.DecimalField(_("owners' equity (10,000 yuan)"), **_AMOUNT)
    total_revenue = models.DecimalField(_("total revenue (10,000 yuan)"), **_AMOUNT)
    main_business_revenue = models.DecimalField(_("main business revenue (10,000 yuan)"), **_AMOUNT)
    total_profit = models.DecimalField(_("total profit (10,000 yuan)"), **_AMOUNT)
    net_profit = models.DecimalField(_("net profit (10,000 yuan)"), **_AMOUNT)
    tax_paid = models.DecimalField(_("tax paid (10,000 yuan)"), **_AMOUNT)
    insured_employees = models.IntegerField(_("employees with social insurance"), null=True, blank=True)
    social_insurance_contributions = models.DecimalField(
        _("social insurance contributions paid (10,000 yuan)"), **_AMOUNT
    )
    published_fields = models.JSONField(_("figures published"), default=list, blank=True)

    class Meta:
        ordering = ["-year", "-version"]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "version"], name="annual_report_unique_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="annual_report_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} · {self.year} v{self.version}"


class AnnualReportReminder(models.Model):
    """A reminder sent to an enterprise user before the annual report's deadline; once per user, year and stage."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    year = models.PositiveSmallIntegerField(_("report year"))
    stage = models.CharField(_("reminder"), max_length=8, choices=ReminderStage.choices)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("annual report reminder")
        verbose_name_plural = _("annual report reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "enterprise", "year", "stage"], name="annual_report_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} · {self.year} · {self.stage}"
