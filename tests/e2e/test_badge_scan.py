"""A tenant scans a landlord's staff badge with a phone: the decoded URL opens the live verification
page, which speaks Simplified Chinese (the default language); the tenant reads the verdict, the
person, the enterprise and the badge, sees the enterprise's listing the moment it is published, and
can switch to English."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.test import Client
from PIL import Image

from lookup.badges import services
from lookup.badges.verification import local_clear
from tests.factories import EnterpriseFactory
from tests.lookup.badges.support import confirmed_account, decode_image
from tests.sanctions.lists.helpers import publish_listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.BADGE_SCAN_FLUSH_SECONDS = 0
    settings.BADGE_LIVE_MEMO_SECONDS = 0  # every change seen at the very next scan
    cache.clear()
    local_clear()
    yield
    cache.clear()


def _sign_in(page, live_server, user) -> None:
    """The browser carries a session of the enterprise's account (the login page is another feature's)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_tenant_scans_a_staff_badge_on_a_phone(
    live_server, page, screenshot, registry_admin, clerk, reviewer, market_agency
):
    enterprise = EnterpriseFactory(name="杭州安居房屋租赁有限公司")
    owner = confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="landlord")
    photo = io.BytesIO()
    Image.new("RGB", (300, 400), "#7a9cc6").save(photo, "JPEG")
    photo.seek(0)
    staff = services.badge_staff_register(
        actor=owner,
        enterprise=enterprise,
        full_name="张三明",
        registration_number="FW-330106-0042",
        photo=photo,
    )
    badge = services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental", staff=staff)

    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, owner)
    page.goto(f"{live_server.url}/account/")
    page.click("#link-badges")  # from the account's home to its staff and badges
    assert page.get_by_role("heading", level=1).inner_text() == enterprise.name
    assert page.get_by_text(badge.serial_display).is_visible()
    assert page.locator("#badges-title").inner_text() == "信用码牌 (1)"
    assert page.locator("#staff-title").inner_text() == "从业人员 (1)"
    badges = page.locator("table").first.inner_text()
    assert "张三明" in badges and "住房租赁" in badges and "A6 卡片（PDF）" in badges
    screenshot("badge-dashboard-phone")

    png = page.request.get(
        f"{live_server.url}/account/enterprises/{enterprise.uscc}/badges/{badge.serial_display}/qr.png"
    )
    assert png.ok
    [url] = decode_image(Image.open(io.BytesIO(png.body())))
    assert url == f"{live_server.url}/v/{badge.token}"

    page.context.clear_cookies()  # the tenant is nobody in particular
    page.goto(url)
    verdict = page.get_by_role("status")
    assert "verdict-valid" in verdict.get_attribute("class")
    assert page.get_by_role("heading", level=1).inner_text() == "真实有效 · 信用良好"
    assert page.get_by_text("张*明").is_visible() and page.get_by_text("张三明").count() == 0
    person = page.get_by_role("region", name="人员信息").inner_text()
    assert "FW-330106-0042" in person and "是，截至目前" in person
    ent = page.get_by_role("region", name="企业信息").inner_text()
    assert enterprise.name in ent and "登记状态" in ent and "存续" in ent and "信用良好" in ent
    card = page.get_by_role("region", name="信用码牌信息").inner_text()
    assert "从业人员信用码牌" in card and "住房租赁" in card and "有效期至" in card
    assert page.locator("img.bv-photo").is_visible()
    assert page.locator("time").inner_text().startswith(str(badge.issued_on.year))
    box = verdict.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]  # the answer is on the first screen, no scrolling
    screenshot("badge-scan-valid-phone")

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Genuine · in good standing"
    screenshot("badge-scan-valid-phone-en")
    page.get_by_role("link", name="中文").click()
    page.wait_for_load_state()

    # The market regulator puts the landlord on the list of seriously dishonest entities: the very
    # next scan says so, with what it means for the tenant.
    publish_listing(clerk, reviewer, market_agency, enterprise)
    page.reload()
    assert "verdict-dishonest" in page.get_by_role("status").get_attribute("class")
    assert page.get_by_role("heading", level=1).inner_text() == "警示：严重失信企业"
    assert "严重失信主体名单" in page.get_by_role("region", name="企业信息").inner_text()  # the reason, live
    advice = page.get_by_role("region", name="这对您意味着什么").inner_text()
    assert "请勿凭此信用码牌预付押金、租金或费用。" in advice
    screenshot("badge-scan-dishonest-phone")

    body, signature = badge.token.split(".")
    tampered = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:] + "." + signature
    page.goto(f"{live_server.url}/v/{tampered}")
    assert "verdict-not_genuine" in page.get_by_role("status").get_attribute("class")
    assert page.get_by_role("heading", level=1).inner_text() == "非真实"
    assert "此码并非由登记系统签发，或已被篡改。" in page.get_by_role("status").inner_text()
    screenshot("badge-scan-not-genuine-phone")
    page.get_by_role("link", name="举报此信用码牌").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "举报信用码牌"
    page.get_by_label("您在哪里看到此信用码牌？发生了什么情况？").fill("贴在小区门口的中介广告上")
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_load_state()
    assert "举报已收到" in page.get_by_role("heading", level=1).inner_text()
    screenshot("badge-report-sent-phone")
