"""Filing an annual report: the window, per-field validation, corrections as versions, reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from registry.annual_reports.services import annual_report_file, annual_report_reminders_send
from registry.models import AnnualReport, AnnualReportReminder, AuditEntry
from tests.annual_reports_support import at, enterprise_with_account, report_data
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_enterprise_user_files_on_time_and_the_report_keeps_every_field(monkeypatch, registry_admin):
    enterprise, user = enterprise_with_account(registry_admin)
    at(monkeypatch, dt.date(2026, 3, 15))
    report = annual_report_file(enterprise=enterprise, year=2025, data=report_data(), actor=user)
    assert (report.year, report.version, report.is_late) == (2025, 1, False)
    assert str(report.total_assets) == "1200.50"
    assert report.websites == [
        {"kind": "shop", "name": "西湖茶叶旗舰店", "url": "https://shop.example.com/xihu"}
    ]
    assert report.published_fields == ["employees", "total_revenue"]
    assert AuditEntry.objects.filter(action="annual_report.file", target_id=str(report.pk)).exists()


def test_filing_after_30_june_is_accepted_and_recorded_as_late(monkeypatch, registry_admin):
    enterprise, user = enterprise_with_account(registry_admin)
    at(monkeypatch, dt.date(2026, 7, 1))
    report = annual_report_file(enterprise=enterprise, year=2025, data=report_data(), actor=user)
    assert report.is_late is True


def test_a_second_filing_is_a_correction_kept_as_a_new_version(monkeypatch, registry_admin):
    enterprise, user = enterprise_with_account(registry_admin)
    at(monkeypatch, dt.date(2026, 3, 15))
    annual_report_file(enterprise=enterprise, year=2025, data=report_data(), actor=user)
    at(monkeypatch, dt.date(2026, 4, 2))
    corrected = annual_report_file(
        enterprise=enterprise, year=2025, data=report_data(employees="30"), actor=user
    )
    versions = list(
        AnnualReport.objects.filter(enterprise=enterprise, year=2025).values_list("version", "employees")
    )
    assert versions == [(2, 30), (1, 25)]
    assert corrected.is_late is False
    assert AuditEntry.objects.filter(action="annual_report.correct").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "other", "message"),
    [
        ("total_assets", "-5", {}, "A total cannot be negative."),
        ("tax_paid", "-0.01", {}, "A total cannot be negative."),
        ("employees", "-3", {}, "A number of people cannot be negative."),
        ("employees", "many", {}, "Enter a whole number."),
        ("paid_in_capital", "600", {}, "Paid-in capital cannot be more than the subscribed capital."),
        (
            "owners_equity",
            "900",
            {},
            "Owners' equity must equal total assets minus total liabilities (800.25).",
        ),
        ("main_business_revenue", "3100", {}, "Main business revenue cannot be more than total revenue."),
        ("insured_employees", "26", {}, "More employees insured than employees."),
        ("total_revenue", "3千", {}, "Enter an amount in 10,000 yuan, e.g. 125.50."),
        ("postal_code", "3100", {}, "A postal code is six digits."),
        ("email", "office@", {}, "Enter a valid e-mail address."),
        ("phone", "", {}, "This is required."),
        ("operating_status", "flying", {}, "Choose the enterprise's state of operation."),
        ("published_fields", ["address"], {}, "These cannot be chosen for publication: address."),
    ],
)
def test_obvious_errors_are_named_per_field_and_nothing_is_saved(
    monkeypatch, registry_admin, field, value, other, message
):
    enterprise, user = enterprise_with_account(registry_admin)
    at(monkeypatch, dt.date(2026, 3, 15))
    with pytest.raises(ValidationError) as excinfo:
        annual_report_file(
            enterprise=enterprise, year=2025, data=report_data(**{field: value}, **other), actor=user
        )
    assert _errors(excinfo)[field] == [message]
    assert not AnnualReport.objects.exists()


def test_investments_and_websites_errors_name_their_line(monkeypatch, registry_admin):
    enterprise, user = enterprise_with_account(registry_admin)
    at(monkeypatch, dt.date(2026, 3, 15))
    data = report_data(
        investments=[
            {"uscc": "91330106MA27XXXXX1", "name": "某公司"},
            {"uscc": enterprise.uscc, "name": "自己"},
        ],
        websites=[{"kind": "website", "name": "官网", "url": "not a url"}],
    )
    with pytest.raises(ValidationError) as excinfo:
        annual_report_file(enterprise=enterprise, year=2025, data=data, actor=user)
    errors = _errors(excinfo)
    assert errors["investments"][0].startswith("Line 1: ")
    assert errors["investments"][1] == "Line 2: an enterprise does not invest in itself."
    assert errors["websites"] == ["Line 1: “not a url” is not a web address (https://…)."]


def test_a_valid_investment_is_kept_with_its_code_compacted(monkeypatch, registry_admin):
    enterprise, user = enterprise_with_account(registry_admin)
    other = EnterpriseFactory()
    at(monkeypatch, dt.date(2026, 3, 15))
    spaced = " ".join([other.uscc[:6], other.uscc[6:]])
    report = annual_report_file(
        enterprise=enterprise,
        year=2025,
        data=report_data(investments=[{"uscc": spaced, "name": other.name}]),
        actor=user,
    )
    assert report.investments == [{"uscc": other.uscc, "name": other.name}]


def test_a_year_that_has_not_ended_or_before_establishment_cannot_be_filed(monkeypatch, registry_admin):
    enterprise, user = enterprise_with_account(registry_admin, established_on=dt.date(2024, 3, 1))
    at(monkeypatch, dt.date(2026, 3, 15))
    with pytest.raises(ValidationError) as excinfo:
        annual_report_file(enterprise=enterprise, year=2026, data=report_data(), actor=user)
    assert _errors(excinfo)["year"] == ["The report for 2026 can be filed from 1 January 2027."]
    with pytest.raises(ValidationError) as excinfo:
        annual_report_file(enterprise=enterprise, year=2023, data=report_data(), actor=user)
    assert "not yet established in 2023" in _errors(excinfo)["year"][0]


def test_only_the_enterprises_own_account_may_file(monkeypatch, registry_admin):
    enterprise, _user = enterprise_with_account(registry_admin)
    stranger = UserFactory(username="stranger")
    at(monkeypatch, dt.date(2026, 3, 15))
    with pytest.raises(PermissionDenied):
        annual_report_file(enterprise=enterprise, year=2025, data=report_data(), actor=stranger)


def test_reminders_go_out_once_on_1_and_20_june_to_users_whose_report_is_missing(monkeypatch, registry_admin):
    enterprise, user = enterprise_with_account(registry_admin)
    filed, filer = enterprise_with_account(registry_admin, username="filer")
    at(monkeypatch, dt.date(2026, 3, 1))
    annual_report_file(enterprise=filed, year=2025, data=report_data(), actor=filer)

    at(monkeypatch, dt.date(2026, 5, 31))
    assert annual_report_reminders_send() == 0
    at(monkeypatch, dt.date(2026, 6, 1))
    assert annual_report_reminders_send() == 1
    assert annual_report_reminders_send() == 0  # the same day again: nothing new
    at(monkeypatch, dt.date(2026, 6, 5))
    assert annual_report_reminders_send() == 0
    at(monkeypatch, dt.date(2026, 6, 20))
    assert annual_report_reminders_send() == 1
    at(monkeypatch, dt.date(2026, 7, 1))
    assert annual_report_reminders_send() == 0
    assert list(AnnualReportReminder.objects.order_by("sent_at").values_list("user_id", "year", "stage")) == [
        (user.pk, 2025, "first"),
        (user.pk, 2025, "final"),
    ]


def test_a_reminder_is_mailed_to_the_user(monkeypatch, registry_admin, django_capture_on_commit_callbacks):
    enterprise, user = enterprise_with_account(registry_admin)
    at(monkeypatch, dt.date(2026, 6, 1))
    with django_capture_on_commit_callbacks(execute=True):
        annual_report_reminders_send()
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "2026-06-30" in mail.outbox[0].subject
