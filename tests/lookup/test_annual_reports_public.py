"""Annual reports as a citizen and a partner system see them: year by year, only the chosen figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from registry.annual_reports.services import annual_report_file
from tests.annual_reports_support import at, enterprise_with_account, report_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def filed(monkeypatch, registry_admin):
    enterprise, user = enterprise_with_account(registry_admin, established_on=dt.date(2019, 1, 1))
    at(monkeypatch, dt.date(2025, 4, 1))
    annual_report_file(
        enterprise=enterprise,
        year=2024,
        data=report_data(total_assets="777.77", total_liabilities="0", owners_equity="777.77"),
        actor=user,
    )
    at(monkeypatch, dt.date(2026, 3, 2))
    annual_report_file(
        enterprise=enterprise,
        year=2025,
        data=report_data(employees="41", tax_paid="12345.67", published_fields=["employees"]),
        actor=user,
    )
    at(monkeypatch, dt.date(2026, 5, 6))
    annual_report_file(
        enterprise=enterprise,
        year=2025,
        data=report_data(employees="42", tax_paid="12345.67", published_fields=["employees"]),
        actor=user,
    )
    return enterprise


def test_the_page_shows_each_year_with_its_filing_date_and_corrections(client, filed):
    content = client.get(f"/enterprises/{filed.uscc}/", HTTP_COOKIE="django_language=en").content.decode()
    assert content.index("Annual report for 2025") < content.index("Annual report for 2024")
    assert "2026-03-02 · corrected on 2026-05-06" in content
    assert "2025-04-01" in content
    assert "西湖茶叶旗舰店" in content and "浙江省杭州市西湖区文三路90号" in content


def test_the_page_shows_only_the_figures_the_enterprise_chose_to_publish(client, filed):
    content = client.get(f"/enterprises/{filed.uscc}/", HTTP_COOKIE="django_language=en").content.decode()
    report_2025 = content[content.index('id="annual-report-2025"') : content.index('id="annual-report-2024"')]
    assert "<dd>42</dd>" in report_2025  # the corrected number of employees, published
    assert "12345.67" not in content  # tax paid, not published
    assert "Not published by the enterprise" in report_2025
    assert "Corrected" in report_2025


def test_the_api_gives_every_year_with_private_figures_null(api, filed):
    response = api.get(f"/api/v1/public/enterprises/{filed.uscc}/annual-reports/")
    assert response.status_code == 200
    first, second = response.json()
    assert (first["year"], first["version"], first["first_filed_on"], first["corrected_on"]) == (
        2025,
        2,
        "2026-03-02",
        ["2026-05-06"],
    )
    assert first["employees"] == 42 and first["tax_paid"] is None and first["total_assets"] is None
    assert first["published_fields"] == ["employees"]
    assert first["websites"][0]["kind"] == "shop"
    assert second["year"] == 2024 and second["total_revenue"] == "3000.00" and second["total_assets"] is None


def test_the_api_answers_404_in_json_for_an_unknown_code(api):
    response = api.get("/api/v1/public/enterprises/91330106MA27XXXXX1/annual-reports/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_the_credit_report_pdf_carries_the_annual_reports_with_only_the_published_figures(client, filed):
    from tests.lookup.report.test_report import pdf_text

    response = client.get(f"/enterprises/{filed.uscc}/report.pdf", HTTP_COOKIE="django_language=en")
    assert response.status_code == 200
    text = "".join(pdf_text(response.content).split())
    assert "Annualreportfor2025" in text and "correctedon2026-05-06" in text
    assert "浙江省杭州市西湖区文三路90号" in text
    assert "12345.67" not in text  # tax paid: not published
    assert "Notpublishedbytheenterprise" in text
