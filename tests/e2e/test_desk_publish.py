"""A clerk records a fine and submits it; a reviewer, signed in elsewhere, publishes it.

The desk speaks Simplified Chinese (the default language): the tests find fields by name or id and
assert on the Chinese a clerk and a reviewer read (headings, counts, statuses, buttons, history).
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from sanctions.models import CreditRecord
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import AgencyFactory, EnterpriseFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"
NUMBER = "浙市监罚〔2025〕88号"


@pytest.fixture
def people():
    agency = AgencyFactory(name="浙江省市场监督管理局")
    clerk = UserFactory(username="clerk_wang")
    reviewer = UserFactory(username="reviewer_li")
    StaffRole.objects.create(user=clerk, agency=agency, role=StaffRoleKind.CLERK)
    StaffRole.objects.create(user=reviewer, agency=agency, role=StaffRoleKind.REVIEWER)
    enterprise = EnterpriseFactory(name="杭州西湖建设工程有限公司")
    return agency, enterprise


def sign_in(page, base_url: str, username: str, screenshot=None) -> None:
    page.goto(base_url + "/accounts/login/?next=/desk/")
    if screenshot:
        screenshot("desk-sign-in")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/desk/")


def test_clerk_submits_a_penalty_and_reviewer_publishes_it(live_server, browser, page, screenshot, people):
    _agency, enterprise = people
    decided = (timezone.localdate() - dt.timedelta(days=3)).isoformat()

    sign_in(page, live_server.url, "clerk_wang", screenshot)
    assert page.get_by_role("heading", level=1).inner_text() == "本部门的记录"
    assert page.get_by_text("本部门尚无记录。").is_visible()
    screenshot("desk-empty-list")
    page.get_by_role("link", name="新建行政处罚").click()
    page.wait_for_url("**/desk/records/new/penalty/")
    assert page.get_by_role("heading", level=1).inner_text() == "新建记录：行政处罚"
    assert page.get_by_role("group", name="行政相对人信息").is_visible()
    assert page.get_by_label("罚款金额（万元）").is_visible()
    page.fill("[name=party_name]", enterprise.name)
    page.fill("[name=party_uscc]", "00000000000000000X")
    page.fill("[name=document_number]", NUMBER)
    page.fill("[name=violation_type]", "未按规定公示年度报告")
    page.fill("[name=legal_basis]", "《企业信息公示暂行条例》第十八条")
    page.check("input[name=penalty_categories][value=fine]")
    page.fill("[name=content]", "罚款人民币伍仟元。")
    page.fill("[name=fine_amount]", "5000")
    page.fill("[name=decision_date]", decided)
    page.click("#save-submit")

    # Two mistakes: a placeholder code, and a fine keyed in yuan. Both are shown at the top and at the field.
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("heading").inner_text() == "记录未保存。请更正："
    assert "行政相对人统一社会信用代码" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#id_party_uscc_errors").is_visible()
    assert page.locator("#id_fine_amount_errors").is_visible()
    assert page.locator("[name=fine_confirmed]").is_visible()
    assert summary.locator('a[href="#id_party_uscc"]').count() == 1
    screenshot("desk-penalty-errors")
    summary.locator('a[href="#id_party_uscc"]').click()
    assert page.evaluate("document.activeElement.name") == "party_uscc"

    page.fill("[name=party_uscc]", enterprise.uscc)
    page.fill("[name=fine_amount]", "0.5")
    page.click("#save-submit")
    # (the fragment of the error link the clerk followed survives the redirect)
    page.wait_for_url(re.compile(r"/desk/records/\d+/(#.*)?$"))
    record = CreditRecord.objects.get(document_number=NUMBER)
    assert record.status == "submitted"
    assert page.locator("#record-status .rstatus-submitted").inner_text() == "待审核"
    assert page.locator("#publish-record").count() == 0
    assert "等待浙江省市场监督管理局的审核员审核。" in page.locator("main").inner_text()
    publicity = page.get_by_role("region", name="公示信息")
    assert "公示截止" in publicity.inner_text() and "最迟公示日期" in publicity.inner_text()
    screenshot("desk-record-submitted")

    # The reviewer works in another browser session.
    context = browser.new_context()
    try:
        review = context.new_page()
        sign_in(review, live_server.url, "reviewer_li")
        review.get_by_role("link", name="待审核队列").click()
        review.wait_for_url("**/desk/review/")
        assert review.locator("#queue-count").inner_text() == "1 条记录待审核"
        assert review.locator(f'a[href="/desk/records/{record.pk}/"]').is_visible()
        review.screenshot(path=str(SCREENSHOTS / "desk-review-queue.png"), full_page=True)
        review.click(f'a[href="/desk/records/{record.pk}/"]')
        review.wait_for_url(f"**/desk/records/{record.pk}/")
        assert review.locator("#publish-record").inner_text() == "审核通过并公示"
        assert review.locator("#send-back-record").inner_text() == "退回录入员"
        review.click("#publish-record")
        review.wait_for_load_state()
        assert review.locator("#record-status .rstatus-published").inner_text() == "已公示"
        assert review.locator("#publish-record").count() == 0
        history = review.locator("#history").inner_text()
        assert "reviewer_li" in history
        for event in ("已创建", "已提交审核", "已公示"):
            assert event in history, event
        assert "项内容" in history and "家企业" not in history  # "录入了 N 项内容", once "找到 N 家企业"
        review.screenshot(path=str(SCREENSHOTS / "desk-record-published.png"), full_page=True)
    finally:
        context.close()

    record.refresh_from_db()
    assert record.status == "published"
    page.reload()
    assert page.locator("#record-status .rstatus-published").is_visible()


def test_desk_list_on_a_phone(live_server, page, screenshot, people):
    agency, enterprise = people
    from sanctions.records.services import record_create

    clerk = StaffRole.objects.get(role=StaffRoleKind.CLERK).user
    for n in range(3):
        record_create(
            actor=clerk,
            agency=agency,
            kind="penalty",
            submit=n == 0,
            data={
                "party_name": enterprise.name,
                "party_uscc": enterprise.uscc,
                "document_number": f"浙市监罚〔2025〕{n}号",
                "violation_type": "虚假广告",
                "legal_basis": "《广告法》",
                "penalty_categories": ["criticism"],
                "content": "通报批评",
                "decision_date": (timezone.localdate() - dt.timedelta(days=40 * n + 1)).isoformat(),
                "authority_name": agency.name,
                "authority_uscc": agency.uscc,
                "source_unit_name": agency.name,
                "source_unit_uscc": agency.uscc,
            },
        )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, "clerk_wang")
    assert page.locator("table.records tbody tr").count() == 3
    assert page.locator("#result-count").inner_text() == "共 3 条记录"
    assert page.get_by_role("link", name="浙市监罚〔2025〕0号").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    screenshot("desk-list-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    headers = page.locator("table.records thead").inner_text()
    for column in ("文书号", "行政相对人", "记录状态", "决定日期", "公示截止", "最迟公示日期"):
        assert column in headers, column
    page.get_by_text("筛选条件").click()
    page.get_by_label("记录状态").select_option(label="草稿")
    page.click(".filter-panel button[type=submit]")
    page.wait_for_url("**status=draft**")
    assert page.locator("table.records tbody tr").count() == 2
    assert page.locator("#result-count").inner_text() == "共 2 条记录"
    assert page.locator(".filter-panel").get_attribute("open") is not None
    screenshot("desk-list-filtered")
