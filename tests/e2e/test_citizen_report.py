"""A citizen finds an enterprise by two characters, reads its credit page in Chinese, downloads the
credit report and checks it on the verification page, then reads the page in English."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from sanctions.records import services
from tests.factories import EnterpriseFactory
from tests.lookup.report.test_report import rendered_qr_urls
from tests.sanctions.payloads import licence_data, penalty_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "杭州西湖建设工程有限公司"


@pytest.fixture
def enterprise(clerk, reviewer, market_agency):
    enterprise = EnterpriseFactory(
        name=NAME,
        legal_representative="李建国",
        registered_capital="800",
        domicile="浙江省杭州市西湖区文三路1号",
    )
    EnterpriseFactory(name="宁波港口物流有限公司")
    for kind, data in (
        (
            "penalty",
            penalty_data(
                market_agency,
                enterprise,
                document_number="杭市监罚〔2026〕101号",
                severity="serious",
                legal_representative="赵大宝",
            ),
        ),
        ("licence", licence_data(market_agency, enterprise)),
    ):
        record, _ = services.record_create(actor=clerk, agency=market_agency, kind=kind, data=data)
        services.record_submit(actor=clerk, record=record)
        services.record_publish(actor=reviewer, record=record)
    return enterprise


def test_citizen_downloads_and_verifies_a_credit_report(live_server, page, screenshot, enterprise, tmp_path):
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox").fill("西湖")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name=NAME).click()
    page.wait_for_url(f"**/enterprises/{enterprise.uscc}/")
    assert page.get_by_role("heading", level=1).inner_text() == NAME
    assert page.get_by_role("navigation").count() >= 2  # the language switch and the sections
    assert "330106199001011234" not in page.content()  # identity numbers are never shown
    assert page.locator(".standing-attention").is_visible()  # a serious fine in its publicity period

    # The sections a citizen reads, in Chinese: the fine with its facts, and the licence.
    page.get_by_role("link", name=re.compile("^行政处罚")).click()
    fine = page.get_by_role("article", name="杭市监罚〔2026〕101号")
    for label in ("行政相对人", "违法行为类型", "法律依据", "处罚内容", "决定日期", "决定机关", "公示至"):
        assert fine.get_by_text(label, exact=True).first.is_visible(), label
    assert "罚款 5 万元" in fine.inner_text()
    assert page.get_by_role("heading", name=re.compile("^行政许可")).is_visible()
    assert page.get_by_text("对此记录提出异议").first.is_visible()
    screenshot("citizen-credit-zh")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载信用报告（PDF）").click()
    download = info.value
    assert download.suggested_filename.startswith(f"credit-report-{enterprise.uscc}-")
    pdf_path = tmp_path / "report.pdf"
    download.save_as(pdf_path)
    data = pdf_path.read_bytes()
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert NAME in text and "公共信用信息概要" in text and "杭市监罚〔2026〕101号" in text
    assert "登记信息" in text and "行政处罚" in text and "报告编号" in text  # the report speaks Chinese too
    number = re.search(r"报告编号(\d{16})", text).group(1)

    scanned = rendered_qr_urls(data, tmp_path)  # what a phone reads from the printed QR code
    assert len(scanned) == 1 and scanned[0].startswith(live_server.url + "/r/")
    verify_path = scanned[0].removeprefix(live_server.url)
    assert verify_path in text  # the same short address is printed beside it
    page.goto(scanned[0])
    heading = page.get_by_role("heading", level=1).inner_text().strip()
    assert heading.startswith("✔") and "真实有效" in heading
    assert number in page.content()
    page.get_by_label("报告的 PDF 文件").set_input_files(str(pdf_path))
    page.get_by_role("button", name="核验文件").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "此文件与登记系统为本报告出具的 PDF 完全一致。"
    screenshot("citizen-report-verified")

    page.goto(live_server.url + verify_path[:-4] + "AAAA")
    assert "非真实" in page.get_by_role("heading", level=1).inner_text()
    screenshot("citizen-report-not-genuine")

    # The same credit page in English, one click away.
    page.goto(live_server.url + f"/enterprises/{enterprise.uscc}/")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Administrative penalties").is_visible()
    assert page.get_by_role("link", name="Download the credit report (PDF)").is_visible()
    screenshot("citizen-credit-en")


def test_credit_page_on_a_phone(live_server, page, screenshot, enterprise):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + f"/enterprises/{enterprise.uscc}/")
    assert page.get_by_role("link", name="下载信用报告（PDF）").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    screenshot("citizen-credit-phone")


def test_credit_page_prints_without_navigation(live_server, page, screenshot, enterprise):
    page.goto(live_server.url + f"/enterprises/{enterprise.uscc}/")
    page.emulate_media(media="print")
    assert not page.locator("nav.tabs").is_visible()
    assert not page.locator(".actions").is_visible()
    assert page.get_by_role("heading", level=1).is_visible()
    screenshot("citizen-credit-print")
