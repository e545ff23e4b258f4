"""An agency's clerk subscribes the agency's system to the change feed at the desk, copies the secret
shown once, and deletes the webhook after the browser asks to confirm.

Found by id, not by text: the page's words come from the translation catalogue."""

import pytest

from lookup.models import WebhookSubscription
from registry.choices import StaffRoleKind
from registry.models import StaffRole
from tests.e2e.test_desk_publish import sign_in
from tests.factories import AgencyFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_creates_a_webhook_sees_its_secret_once_and_deletes_it(
    live_server, page, screenshot, monkeypatch
):
    from lookup.webhooks import addresses

    monkeypatch.setattr(addresses, "_getaddrinfo", lambda host, port: ["93.184.216.34"])
    agency = AgencyFactory(name="浙江省市场监督管理局")
    StaffRole.objects.create(user=UserFactory(username="clerk_wang"), agency=agency, role=StaffRoleKind.CLERK)

    sign_in(page, live_server.url, "clerk_wang")
    page.click("a[href='/desk/webhooks/']")
    page.wait_for_url("**/desk/webhooks/")
    page.fill("#id_url", "http://169.254.169.254/latest/meta-data/")
    page.click("#create-webhook")
    assert "169.254.169.254" in page.locator(".error-summary").inner_text()
    screenshot("desk-webhook-refused")

    page.fill("#id_url", "https://hooks.zj-credit.example/registry")
    page.fill("#id_description", "浙江省信用平台")
    page.check("input[name=kinds][value='record.published']")
    page.check("input[name=kinds][value='record.revoked']")
    page.fill("#id_division_prefixes", "33")
    page.click("#create-webhook")
    secret = page.locator("#webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    screenshot("desk-webhook-created")
    webhook = WebhookSubscription.objects.get()
    assert webhook.kinds == ["record.published", "record.revoked"] and webhook.division_prefixes == ["33"]

    page.click(f"a[href='/desk/webhooks/{webhook.pk}/']")
    page.wait_for_url(f"**/desk/webhooks/{webhook.pk}/")
    assert secret not in page.content()
    screenshot("desk-webhook-detail")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete")
    page.wait_for_url("**/desk/webhooks/")
    assert not WebhookSubscription.objects.exists()
