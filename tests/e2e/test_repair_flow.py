"""Credit repair end to end: the enterprise's account applies with a PDF, the agency's reviewer
downloads it and approves, and the record disappears from the public credit page.

The pages speak Simplified Chinese (the default language): fields are found by name or id, and the
tests assert on the Chinese the enterprise, the reviewer and the objector read.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from registry.accounts import claim_code_issue, enterprise_account_confirm, enterprise_claim
from registry.choices import StaffRoleKind
from registry.models import StaffRole
from sanctions.models import CreditRecord, RepairApplication
from sanctions.records import services
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import AgencyFactory, EnterpriseFactory, UserFactory
from tests.sanctions.payloads import penalty_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"
NUMBER = "浙市监罚〔2026〕77号"
# A whole (one blank page) PDF: attachments must be PDFs that can be read (sanctions/remedies/uploads.py).
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] "
    b"/Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\nxref\n0 4\n"
    b"0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \ntrailer\n"
    b"<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"
)


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    agency = AgencyFactory(name="浙江省市场监督管理局")
    clerk, reviewer = UserFactory(username="clerk_wang"), UserFactory(username="reviewer_li")
    admin = UserFactory(username="admin_zhao")
    StaffRole.objects.create(user=clerk, agency=agency, role=StaffRoleKind.CLERK)
    StaffRole.objects.create(user=reviewer, agency=agency, role=StaffRoleKind.REVIEWER)
    StaffRole.objects.create(user=admin, role=StaffRoleKind.REGISTRY_ADMIN)
    enterprise = EnterpriseFactory(name="杭州西湖修复示范有限公司")
    record, _ = services.record_create(
        actor=clerk,
        agency=agency,
        kind="penalty",
        data=penalty_data(
            agency,
            enterprise,
            document_number=NUMBER,
            decision_date=(timezone.localdate() - dt.timedelta(days=130)).isoformat(),
        ),
    )
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)
    owner = UserFactory(username="xihu_finance")
    _claim, code = claim_code_issue(actor=admin, enterprise=enterprise)
    enterprise_account_confirm(
        actor=admin, account=enterprise_claim(actor=owner, uscc=enterprise.uscc, code=code)
    )
    pdf = tmp_path / "罚款缴纳凭证.pdf"
    pdf.write_bytes(PDF)
    return enterprise, record, pdf


def sign_in(page, base_url: str, username: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"**{next_path}")


def test_enterprise_applies_reviewer_approves_record_leaves_public_view(
    live_server, browser, page, screenshot, world
):
    enterprise, record, pdf = world
    credit_page = f"{live_server.url}/enterprises/{enterprise.uscc}/"
    page.goto(credit_page)
    assert NUMBER in page.locator("main").inner_text()

    eligibility = f"/enterprises/{enterprise.uscc}/repair/"
    sign_in(page, live_server.url, "xihu_finance", eligibility)
    assert page.get_by_role("heading", level=1).inner_text() == "这些记录能否修复？"
    row = page.locator(f"#record-{record.pk}.can-apply")
    assert row.is_visible()
    assert "现在可申请" in row.inner_text() and "现在可以申请信用修复。" in row.inner_text()
    headers = page.locator("#eligibility thead").inner_text()
    assert "公示至" in headers and "原因说明" in headers
    screenshot("repair-eligibility")
    page.get_by_role("link", name="申请修复").click()
    page.wait_for_url(f"**/account/repair/apply/record/{record.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "申请信用修复"
    assert NUMBER in page.locator("main").inner_text()
    page.fill("[name=statement]", "罚款已于2026年3月缴清，违法宣传已全部下线，此后无新的违法行为。")
    page.set_input_files("input[name=commitment_letter]", str(pdf))
    page.set_input_files("input[name=proof_of_performance]", str(pdf))
    screenshot("repair-apply-form")
    page.click("#submit-application")
    page.wait_for_url(re.compile(r".*/account/repair/\d+/$"))
    application = RepairApplication.objects.get()
    assert application.status == "submitted"
    assert page.locator("#application-status .rstatus-submitted").inner_text() == "已提交"
    assert page.get_by_role("heading", level=1).inner_text() == "信用修复申请"
    assert page.locator("#materials li").count() == 2
    assert "信用修复承诺书" in page.locator("#materials").inner_text()
    screenshot("repair-application-submitted")

    context = browser.new_context()
    try:
        desk = context.new_page()
        sign_in(desk, live_server.url, "reviewer_li", "/desk/repair/")
        assert desk.locator(f"#application-{application.pk}").is_visible()
        columns = desk.locator("table thead").inner_text()
        assert "办理状态" in columns and "提交时间" in columns and "登记状态" not in columns
        desk.screenshot(path=str(SCREENSHOTS / "repair-desk-queue.png"), full_page=True)
        desk.click(f'a[href="/desk/repair/{application.pk}/"]')
        desk.wait_for_url(f"**/desk/repair/{application.pk}/")
        material = application.materials.get(kind="commitment_letter")
        with desk.expect_download() as download_info:
            desk.click(f"#material-{material.pk}")
        download = download_info.value
        assert download.suggested_filename == "罚款缴纳凭证.pdf"
        assert Path(download.path()).read_bytes() == PDF
        assert desk.get_by_label("通过", exact=True).is_visible() and desk.get_by_label("驳回").is_visible()
        desk.check("input[name=decision][value=approve]")
        desk.fill("[name=reason]", "已履行行政处罚，违法行为已纠正，同意提前停止公示。")
        desk.screenshot(path=str(SCREENSHOTS / "repair-desk-decide.png"), full_page=True)
        desk.click("#decide")
        desk.wait_for_load_state()
        assert desk.locator("#application-status .rstatus-published").inner_text() == "已通过"
        desk.screenshot(path=str(SCREENSHOTS / "repair-desk-approved.png"), full_page=True)
    finally:
        context.close()

    record.refresh_from_db()
    assert record.repaired_at is not None
    page.goto(credit_page)
    assert NUMBER not in page.locator("main").inner_text()
    screenshot("repair-credit-page-after")
    page.goto(f"{live_server.url}/account/repair/{application.pk}/")
    assert page.locator("#decision").is_visible()
    assert "同意提前停止公示" in page.locator("#decision").inner_text()
    screenshot("repair-enterprise-sees-decision")
    assert CreditRecord.objects.filter(pk=record.pk, status="published").exists()  # history stays


def test_anyone_objects_to_a_record_and_follows_it(live_server, page, screenshot, world):
    enterprise, record, pdf = world
    page.goto(f"{live_server.url}/enterprises/{enterprise.uscc}/")
    page.get_by_role("article", name=NUMBER).get_by_role("link", name="对此记录提出异议").click()
    page.wait_for_url(f"**/records/{record.pk}/object/")
    assert page.get_by_role("heading", level=1).inner_text() == "对记录提出异议"
    assert NUMBER in page.locator("main").inner_text()
    page.get_by_label("您的姓名或单位名称").fill("张三")
    page.get_by_label("电话或电子邮箱").fill("zhangsan@example.com")
    page.get_by_label("该记录有何错误？").fill("该处罚决定已于2026年8月被行政复议撤销，请更正。")
    page.set_input_files("input[name=evidence]", str(pdf))
    screenshot("objection-form")
    page.get_by_role("button", name="提交异议").click()
    page.wait_for_load_state()
    page.wait_for_url(re.compile(r".*/objections/YY\w+/.*"))  # post/redirect/get: the follow-up page
    reference = page.locator("#objection-reference").inner_text().strip()
    key = page.locator("#objection-key").inner_text().strip()
    assert reference.startswith("YY") and key
    assert page.get_by_role("heading", level=1).inner_text() == f"您的异议 {reference}"
    assert page.locator("#objection-status").inner_text() == "已受理：记录已标注为异议处理中"
    assert "请妥善保存受理编号和查询密钥" in page.locator("#keep-key").inner_text()
    deadlines = page.locator("#deadlines").inner_text()
    for label in ("异议标注期限", "转送信息提供单位期限", "处理期限"):
        assert label in deadlines, label
    screenshot("objection-received")

    # Later, from any browser: the "查询异议进度" form with the reference and the key.
    page.context.clear_cookies()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="查询异议进度").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "查询异议进度"
    page.get_by_label("受理编号").fill(reference)
    page.get_by_label("查询密钥").fill(key)
    page.get_by_role("button", name="查看进度").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == f"您的异议 {reference}"
    assert page.locator("#objection-key").count() == 0  # the key is shown only once
    assert page.locator("#objection-status").inner_text() == "已受理：记录已标注为异议处理中"
    screenshot("objection-follow")

    page.goto(f"{live_server.url}/enterprises/{enterprise.uscc}/")
    assert (
        page.get_by_role("article", name=re.compile(re.escape(NUMBER))).get_by_text("异议处理中").is_visible()
    )

    desk = page.context.browser.new_context()
    try:
        clerk = desk.new_page()
        sign_in(clerk, live_server.url, "clerk_wang", "/desk/objections/")
        queue = clerk.locator("main").inner_text()
        assert reference in queue and "处理状态" in queue and "登记状态" not in queue
        assert "已受理：记录已标注为异议处理中" in queue
        clerk.screenshot(path=str(SCREENSHOTS / "objection-desk-queue.png"), full_page=True)
    finally:
        desk.close()
