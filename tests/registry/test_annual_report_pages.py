"""The enterprise account's annual report pages: the years owed, the form, the removal application."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.models import AnnualReport
from sanctions.lists.annual_reports import annual_reports_enforce
from sanctions.models import Listing
from tests.annual_reports_support import at, enterprise_with_account

pytestmark = pytest.mark.django_db

EN: dict = {}  # the language is the client's cookie: a Cookie header would replace the session's


def _form(**overrides):
    data = {
        "operating_status": "operating",
        "address": "浙江省杭州市西湖区文三路90号",
        "postal_code": "310012",
        "phone": "0571-88886666",
        "subscribed_capital": "500",
        "paid_in_capital": "300",
        "employees": "12",
        "total_assets": "100",
        "total_liabilities": "40",
        "owners_equity": "60",
        "websites": "网店 https://shop.example.com/a 西湖茶叶店\nhttps://www.example.com 官网",
        "published_fields": ["employees"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def signed_in(client, registry_admin, market_agency):
    enterprise, user = enterprise_with_account(
        registry_admin, established_on=dt.date(2024, 2, 1), registration_authority=market_agency.name
    )
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return enterprise


def test_the_account_lists_each_year_owed_with_its_deadline(monkeypatch, client, signed_in):
    at(monkeypatch, dt.date(2026, 7, 3))
    content = client.get("/account/annual-reports/", **EN).content.decode()
    assert 'id="annual-report-2025"' in content and 'id="annual-report-2024"' in content
    assert 'id="annual-report-2023"' not in content  # established in 2024
    assert "Not filed: overdue" in content and "2026-06-30" in content


def test_filing_through_the_form_publishes_the_report(monkeypatch, client, signed_in):
    at(monkeypatch, dt.date(2026, 3, 3))
    response = client.post("/account/annual-reports/2025/", _form(), **EN)
    assert response.status_code == 303
    report = AnnualReport.objects.get(enterprise=signed_in, year=2025)
    assert report.websites == [
        {"kind": "shop", "name": "西湖茶叶店", "url": "https://shop.example.com/a"},
        {"kind": "website", "name": "官网", "url": "https://www.example.com"},
    ]
    assert report.published_fields == ["employees"]
    content = client.get("/account/annual-reports/", **EN).content.decode()
    assert "Filed on 2026-03-03" in content and "Correct" in content


def test_the_form_shows_each_error_beside_its_field_and_saves_nothing(monkeypatch, client, signed_in):
    at(monkeypatch, dt.date(2026, 3, 3))
    response = client.post(
        "/account/annual-reports/2025/",
        _form(paid_in_capital="900", employees="-1", owners_equity="10"),
        **EN,
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Paid-in capital cannot be more than the subscribed capital." in content
    assert "A number of people cannot be negative." in content
    assert "Owners&#x27; equity must equal total assets minus total liabilities (60.00)." in content
    assert not AnnualReport.objects.exists()


def test_a_correction_starts_from_the_filed_values(monkeypatch, client, signed_in):
    at(monkeypatch, dt.date(2026, 3, 3))
    client.post("/account/annual-reports/2025/", _form())
    content = client.get("/account/annual-reports/2025/", **EN).content.decode()
    assert 'id="correcting"' in content and "网店 https://shop.example.com/a 西湖茶叶店" in content


def test_a_year_not_owed_is_not_found(monkeypatch, client, signed_in):
    at(monkeypatch, dt.date(2026, 3, 3))
    assert client.get("/account/annual-reports/2023/").status_code == 404
    assert client.get("/account/annual-reports/2026/").status_code == 404


def test_listed_enterprise_files_then_applies_and_leaves_the_list(monkeypatch, client, signed_in):
    at(monkeypatch, dt.date(2025, 7, 1))
    annual_reports_enforce()
    at(monkeypatch, dt.date(2026, 7, 1))
    annual_reports_enforce()
    assert Listing.objects.filter(enterprise=signed_in, status="active").count() == 2  # 2024 and 2025
    content = client.get("/account/annual-reports/abnormal-list/", **EN).content.decode()
    assert "File the report for 2025 first" in content
    client.post("/account/annual-reports/2025/", _form())
    response = client.post("/account/annual-reports/abnormal-list/", {"year": "2025"}, **EN)
    assert response.status_code == 303
    content = client.get("/account/annual-reports/abnormal-list/", **EN).content.decode()
    assert "is taken off the abnormal operations list for its 2025 report" in content
    assert 'id="listing-2025"' not in content and 'id="listing-2024"' in content
    assert (
        Listing.objects.get(enterprise=signed_in, document_number__startswith="年报2025").status == "removed"
    )


def test_pages_need_a_signed_in_enterprise_account(client):
    response = client.get("/account/annual-reports/")
    assert response.status_code == 302
    follow = client.get(response["Location"])  # the staff sign-in sends /account/ pages to the enterprise one
    assert follow.status_code == 302 and follow["Location"].startswith("/account/sign-in/")


def test_an_administrator_sees_every_version_in_the_admin_but_cannot_change_it(
    monkeypatch, client, admin_client, signed_in
):
    at(monkeypatch, dt.date(2026, 3, 3))
    client.post("/account/annual-reports/2025/", _form())
    report = AnnualReport.objects.get()
    assert admin_client.get("/admin/registry/annualreport/").status_code == 200
    assert admin_client.get(f"/admin/registry/annualreport/{report.pk}/change/").status_code == 200
    assert admin_client.get("/admin/registry/annualreport/add/").status_code == 403
    assert admin_client.post(f"/admin/registry/annualreport/{report.pk}/change/", {}).status_code == 403
