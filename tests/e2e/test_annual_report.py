"""Annual report end to end: an enterprise on the abnormal operations list for a missing report files
it in Chinese in its account, applies to leave the list, and a citizen sees the report on the credit
page with only the figures the enterprise chose to publish.

The browser is set up as in mainland China; the clock is the real one, so the report filed is last
year's (late when filed after 30 June)."""

import datetime as dt

import pytest
from django.utils import timezone

from registry.accounts import claim_code_issue, enterprise_account_confirm, enterprise_claim
from registry.choices import StaffRoleKind
from registry.models import AnnualReport, StaffRole
from sanctions.lists.annual_reports import annual_reports_enforce
from sanctions.models import Listing
from tests.factories import AgencyFactory, EnterpriseFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"


@pytest.fixture
def world():
    agency = AgencyFactory(name="杭州市西湖区市场监督管理局")
    admin = UserFactory(username="admin_zhao")
    StaffRole.objects.create(user=admin, role=StaffRoleKind.REGISTRY_ADMIN)
    enterprise = EnterpriseFactory(
        name="杭州西湖龙井年报示范有限公司",
        established_on=dt.date(2019, 4, 1),
        status="in_operation",
        registration_authority=agency.name,
    )
    owner = UserFactory(username="longjing_office")
    _claim, code = claim_code_issue(actor=admin, enterprise=enterprise)
    enterprise_account_confirm(
        actor=admin, account=enterprise_claim(actor=owner, uscc=enterprise.uscc, code=code)
    )
    year = timezone.localdate().year - 1
    if timezone.localdate() > dt.date(year + 1, 6, 30):
        annual_reports_enforce()  # the period is over: the enterprise is on the list
    return enterprise, year


def test_enterprise_files_in_chinese_and_a_citizen_sees_the_report(
    live_server, browser, page, screenshot, world
):
    enterprise, year = world
    listed = Listing.objects.filter(enterprise=enterprise, status="active").exists()
    page.goto(f"{live_server.url}/accounts/login/?next=/account/annual-reports/")
    page.fill("#id_username", "longjing_office")
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/account/annual-reports/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.click(f"#file-{year}")
    page.wait_for_url(f"**/account/annual-reports/{year}/")
    page.select_option("#id_operating_status", "operating")
    page.fill("#id_address", "浙江省杭州市西湖区龙井路1号")
    page.fill("#id_postal_code", "310013")
    page.fill("#id_phone", "0571-87960000")
    page.fill("#id_email", "office@longjing.example.cn")
    page.fill("#id_subscribed_capital", "1000")
    page.fill("#id_paid_in_capital", "1200")  # more than subscribed: refused, said beside the field
    page.fill("#id_employees", "36")
    page.fill("#id_total_assets", "2500")
    page.fill("#id_total_liabilities", "900")
    page.fill("#id_owners_equity", "1600")
    page.fill("#id_tax_paid", "321.45")
    page.fill("#id_websites", "网店 https://longjing.example.cn/shop 西湖龙井茶官方网店")
    page.check("#id_published_fields_0")  # employees
    page.click("#submit-report")
    assert page.locator("#id_paid_in_capital_errors").is_visible()
    assert AnnualReport.objects.count() == 0
    page.fill("#id_paid_in_capital", "800")
    page.click("#submit-report")
    page.wait_for_url("**/account/annual-reports/")
    assert AnnualReport.objects.get(enterprise=enterprise, year=year).employees == 36
    screenshot("annual-report-filed")

    if listed:
        page.click("#link-abnormal-list")
        page.click(f"#apply-{year}")
        page.wait_for_selector("#not-listed")
        assert not Listing.objects.filter(enterprise=enterprise, status="active").exists()

    citizen = browser.new_page()
    citizen.goto(f"{live_server.url}/enterprises/{enterprise.uscc}/")
    report = citizen.locator(f"#annual-report-{year}")
    assert "浙江省杭州市西湖区龙井路1号" in report.inner_text()
    assert "西湖龙井茶官方网店" in report.inner_text()
    assert "36" in report.inner_text()
    assert "321.45" not in citizen.content()  # tax paid: not chosen for publication
    assert "经营异常名录" not in citizen.locator("#section-lists").inner_text()
    citizen.close()
