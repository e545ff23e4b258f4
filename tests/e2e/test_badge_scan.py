"""A tenant scans a landlord's staff badge with a phone: the decoded URL opens the live verification page."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.test import Client
from PIL import Image

from lookup.badges import services
from lookup.badges.verification import local_clear
from registry.cache import enterprise_changed
from sanctions.lists import standing
from tests.factories import EnterpriseFactory
from tests.lookup.badges.support import confirmed_account, decode_image

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


def test_tenant_scans_a_staff_badge_on_a_phone(live_server, page, screenshot, registry_admin, monkeypatch):
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
    assert page.get_by_role("heading", level=1).inner_text() == enterprise.name
    assert page.get_by_text(badge.serial_display).is_visible()
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
    assert page.get_by_text("张*明").is_visible() and page.get_by_text("张三明").count() == 0
    assert page.locator("img.bv-photo").is_visible()
    assert page.locator("time").inner_text().startswith(str(badge.issued_on.year))
    box = verdict.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]  # the answer is on the first screen, no scrolling
    screenshot("badge-scan-valid-phone")

    monkeypatch.setattr(
        standing,
        "enterprise_standing",
        lambda *, enterprise, today=None: standing.Standing(standing.DISHONEST, ["列入严重失信主体名单"]),
    )
    enterprise_changed(enterprise.pk)
    page.reload()
    assert "verdict-dishonest" in page.get_by_role("status").get_attribute("class")
    assert page.get_by_text("列入严重失信主体名单", exact=True).is_visible()  # the reason, live
    screenshot("badge-scan-dishonest-phone")
    monkeypatch.undo()
    enterprise_changed(enterprise.pk)

    body, signature = badge.token.split(".")
    tampered = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:] + "." + signature
    page.goto(f"{live_server.url}/v/{tampered}")
    assert "verdict-not_genuine" in page.get_by_role("status").get_attribute("class")
    screenshot("badge-scan-not-genuine-phone")
    page.locator("a[href$='/report']").first.click()
    page.get_by_role("textbox").first.fill("贴在小区门口的中介广告上")
    page.get_by_role("button").last.click()
    page.wait_for_load_state()
    screenshot("badge-report-sent-phone")

    page.goto(url)
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Genuine · in good standing"
    screenshot("badge-scan-valid-phone-en")
