"""Revoking a badge and recording that a staff member left ask first: the browser's dialog (with
JavaScript), and nothing happens unless the person agrees."""

import pytest
from django.core.cache import cache
from django.test import Client

from lookup.badges import services
from lookup.models import Badge, BadgeStaff
from tests.factories import EnterpriseFactory
from tests.lookup.badges.support import confirmed_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_revoking_and_recording_a_departure_ask_in_a_dialog(live_server, page, screenshot, registry_admin):
    cache.clear()
    enterprise = EnterpriseFactory(name="杭州安居房屋租赁有限公司")
    owner = confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="landlord")
    staff = services.badge_staff_register(
        actor=owner, enterprise=enterprise, full_name="张三明", registration_number="FW-1"
    )
    badge = services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental", staff=staff)
    _sign_in(page, live_server, owner)
    page.goto(f"{live_server.url}/account/enterprises/{enterprise.uscc}/")
    row = page.locator(f"#badge-{badge.serial}")

    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    row.get_by_role("textbox").fill("丢失")
    row.get_by_role("button", name="撤销").click()
    page.wait_for_timeout(300)
    assert badge.serial_display in messages[0]
    assert Badge.objects.get(pk=badge.pk).status == "active"  # "Cancel": nothing happened

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="撤销").click()
    page.wait_for_load_state()
    page.wait_for_url(f"**/account/enterprises/{enterprise.uscc}/")
    revoked = Badge.objects.get(pk=badge.pk)
    assert (revoked.status, revoked.revoke_reason) == ("revoked", "丢失")
    screenshot("badge-revoked-after-dialog")

    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.locator(f"form[action$='/staff/{staff.pk}/deactivate'] button").click()  # "Record as left"
    page.wait_for_load_state()
    page.wait_for_url(f"**/account/enterprises/{enterprise.uscc}/")
    assert "张三明" in messages[-1]
    assert not BadgeStaff.objects.get(pk=staff.pk).is_active


def test_without_javascript_a_confirmation_page_asks(live_server, browser, registry_admin):
    cache.clear()
    enterprise = EnterpriseFactory(name="杭州安居房屋租赁有限公司")
    owner = confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="landlord")
    badge = services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_server, owner)
    page.goto(f"{live_server.url}/account/enterprises/{enterprise.uscc}/")
    page.locator(f"#badge-{badge.serial}").get_by_role("button", name="撤销").click()
    page.wait_for_load_state()
    assert badge.serial_display in page.get_by_role("heading", level=1).inner_text()
    assert Badge.objects.get(pk=badge.pk).status == "active"
    page.locator("button.bd-button-danger").click()  # "Yes, revoke this badge"
    page.wait_for_load_state()
    assert Badge.objects.get(pk=badge.pk).status == "revoked"
    context.close()
