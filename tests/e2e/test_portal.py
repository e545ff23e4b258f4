"""A citizen searches by two characters, opens a credit page and switches to English."""

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
    page.get_by_role("link", name="杭州西湖建设工程有限公司").click()
    page.wait_for_url(f"**/enterprises/{target.uscc}/")
    assert page.get_by_role("heading", level=1).inner_text() == "杭州西湖建设工程有限公司"
    assert "浙江省杭州市西湖区" in page.content()
    screenshot("enterprise-zh")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Registration information").is_visible()
    screenshot("enterprise-en")


def test_search_page_on_a_phone(live_server, page, screenshot):
    EnterpriseFactory(name="杭州西湖建设工程有限公司")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/?q=西湖")
    assert page.get_by_role("link", name="杭州西湖建设工程有限公司").is_visible()
    screenshot("search-phone")
