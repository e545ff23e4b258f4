"""A citizen searches by two characters and reads an enterprise's credit page, in Chinese (the portal's
language), then switches to English."""

import pytest

from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_finds_an_enterprise_by_two_characters(live_server, page, screenshot):
    target = EnterpriseFactory(
        name="杭州西湖建设工程有限公司", legal_representative="李建国", registered_capital="800"
    )
    EnterpriseFactory(name="宁波港口物流有限公司")
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox").fill("西湖")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_load_state()
    assert page.locator("#results-title").inner_text() == "找到 1 家企业"
    result = page.locator("ol.results li").first
    assert "存续" in result.inner_text()  # the registration status, in Chinese
    screenshot("search-results-zh")

    page.get_by_role("link", name="杭州西湖建设工程有限公司").click()
    page.wait_for_url(f"**/enterprises/{target.uscc}/")
    assert page.get_by_role("heading", level=1).inner_text() == "杭州西湖建设工程有限公司"
    assert page.get_by_role("heading", name="登记信息").is_visible()
    facts = page.locator("section[aria-labelledby=reg-title] dl.facts")
    assert facts.locator("dt", has_text="登记状态").is_visible()
    assert facts.locator("dt", has_text="法定代表人").is_visible()
    assert "800 万元" in facts.inner_text()
    assert "浙江省杭州市西湖区" in page.content()
    assert page.get_by_role("link", name="下载信用报告（PDF）").is_visible()
    assert page.get_by_role("heading", name="行政处罚").is_visible()
    screenshot("enterprise-zh")

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Registration information").is_visible()
    assert page.get_by_role("link", name="Download the credit report (PDF)").is_visible()
    screenshot("enterprise-en")


def test_search_page_on_a_phone(live_server, page, screenshot):
    EnterpriseFactory(name="杭州西湖建设工程有限公司")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/?q=西湖")
    assert page.get_by_role("link", name="杭州西湖建设工程有限公司").is_visible()
    assert page.locator("#results-title").inner_text() == "找到 1 家企业"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    screenshot("search-phone")
