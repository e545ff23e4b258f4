"""The annual report form in ``/account/``: text as people type it; the service checks every field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.account_forms import ServiceErrorsMixin
from registry.choices import AnnualReportStatus
from registry.models import AnnualReport

from . import rules

_SHOP_PREFIXES = ("网店", "shop")


def _amount(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=_("In 10,000 yuan (万元)."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


def _count(label) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )


class AnnualReportForm(ServiceErrorsMixin, forms.Form):
    operating_status = forms.ChoiceField(label=_("State of operation"), choices=AnnualReportStatus.choices)
    address = forms.CharField(label=_("Postal address"), max_length=300)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=6)
    phone = forms.CharField(label=_("Telephone"), max_length=30)
    email = forms.CharField(label=_("E-mail"), required=False, max_length=254)
    subscribed_capital = _amount(_("Subscribed capital"))
    paid_in_capital = _amount(_("Paid-in capital"))
    employees = _count(_("Employees"))
    total_assets = _amount(_("Total assets"))
    total_liabilities = _amount(_("Total liabilities"))
    owners_equity = _amount(_("Owners' equity"))
    total_revenue = _amount(_("Total revenue"))
    main_business_revenue = _amount(_("Main business revenue"))
    total_profit = _amount(_("Total profit"))
    net_profit = _amount(_("Net profit"))
    tax_paid = _amount(_("Tax paid"))
    insured_employees = _count(_("Employees with social insurance"))
    social_insurance_contributions = _amount(_("Social insurance contributions paid"))
    investments = forms.CharField(
        label=_("Investments in other enterprises"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: the unified social credit code, then the enterprise's name."),
    )
    websites = forms.CharField(
        label=_("Websites and online shops"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: the address, then its name. Start the line with 网店 for an online shop."),
    )
    published_fields = forms.MultipleChoiceField(
        label=_("Figures to publish"),
        required=False,
        choices=list(rules.OPTIONAL_FIELDS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Contact details, state of operation, capital, investments and websites are always public. "
            "You choose whether to publish the figures ticked here; the others stay with the registry."
        ),
    )

    def service_data(self) -> dict[str, Any]:
        """The form's values as ``annual_report_file`` takes them."""
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        investments = []
        for line in (data.pop("investments") or "").splitlines():
            if line.strip():
                code, _sep, name = line.strip().partition(" ")
                investments.append({"uscc": code, "name": name.strip()})
        websites = []
        for line in (data.pop("websites") or "").splitlines():
            words = line.split()
            if not words:
                continue
            kind = "website"
            if words[0].lower() in _SHOP_PREFIXES:
                kind, words = "shop", words[1:]
            websites.append({"kind": kind, "url": words[0] if words else "", "name": " ".join(words[1:])})
        return {**data, "investments": investments, "websites": websites}

    @classmethod
    def initial_from(cls, report: AnnualReport | None) -> dict[str, Any]:
        """A correction starts from the current version."""
        if report is None:
            return {"operating_status": AnnualReportStatus.OPERATING}
        initial = {name: getattr(report, name) for name in cls.base_fields}
        initial["investments"] = "\n".join(f"{i['uscc']} {i['name']}" for i in report.investments)
        initial["websites"] = "\n".join(
            ("网店 " if w["kind"] == "shop" else "") + f"{w['url']} {w['name']}" for w in report.websites
        )
        return initial
