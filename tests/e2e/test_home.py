"""The home page as a visitor sees it, at desktop and phone widths: search first, nothing wider than the screen."""

import pytest

from sanctions.records import services
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import penalty_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height", "name"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_the_home_page_at_desktop_and_phone_widths(
    live_server, page, screenshot, clerk, reviewer, market_agency, width, height, name
):
    from django.core.cache import cache

    cache.clear()
    enterprise = EnterpriseFactory(name="杭州西湖建设工程有限公司")
    record, _ = services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, enterprise)
    )
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)

    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    search = page.get_by_role("searchbox")
    assert (
        search.is_visible() and search.bounding_box()["y"] < height / 2
    )  # the first thing, on the first screen
    assert page.get_by_role("link", name="信用名单").first.is_visible()
    assert page.get_by_role("heading", name="行政处罚").first.is_visible()
    assert page.get_by_role("link", name="杭州西湖建设工程有限公司").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    screenshot(f"home-{name}")

    page.get_by_role("link", name="杭州西湖建设工程有限公司").click()
    page.wait_for_url(f"**/enterprises/{enterprise.uscc}/#section-penalty")
    assert page.get_by_role("heading", level=1).inner_text() == "杭州西湖建设工程有限公司"
