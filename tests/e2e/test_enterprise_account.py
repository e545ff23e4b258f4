"""An enterprise gets its own login: sign up with an e-mail address, enter the code from the mail,
claim the enterprise with its claim code, and use the account's home once a registry administrator
confirms. Then an objector follows an objection by its reference and key.

The pages speak Simplified Chinese (the default language): fields and links are found by name or
id, and the assertions are on what the person sees (the enterprise, the masked address, the page
language and the steps).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from registry.accounts import claim_code_issue, enterprise_account_confirm
from registry.choices import StaffRoleKind
from registry.models import EnterpriseAccount, StaffRole
from sanctions.records import services
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import AgencyFactory, EnterpriseFactory, UserFactory
from tests.sanctions.payloads import penalty_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Anju-fangwu-2026"
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def world():
    admin = UserFactory(username="admin_zhao")
    StaffRole.objects.create(user=admin, role=StaffRoleKind.REGISTRY_ADMIN)
    enterprise = EnterpriseFactory(name="杭州安居房屋租赁有限公司")
    return admin, enterprise


def test_an_enterprise_signs_up_verifies_claims_and_reaches_its_account(
    live_server, page, screenshot, world, mailoutbox
):
    admin, enterprise = world
    _claim, claim_code = claim_code_issue(actor=admin, enterprise=enterprise)  # handed over on paper

    # From the portal's navigation to the enterprise sign-in, and on to the sign-up.
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.click("#nav-enterprise-sign-in")
    page.wait_for_url("**/account/sign-in/")
    assert page.locator("#to-staff-sign-in").is_visible()  # the agency staff's page is one click away
    screenshot("account-sign-in")
    page.click("#to-sign-up")
    page.wait_for_url("**/account/sign-up/")
    page.fill("[name=address]", "Boss@Anju.example")
    page.fill("[name=password]", "12345678")
    page.fill("[name=password_again]", "12345678")
    page.click("#send-code")
    assert page.locator("#id_password_errors").is_visible()  # Django's validators, next to the field
    screenshot("account-sign-up-weak-password")
    page.fill("[name=password]", PASSWORD)
    page.fill("[name=password_again]", PASSWORD)
    page.click("#send-code")

    # The code from the mail.
    page.wait_for_url("**/account/sign-up/verify/")
    assert "b***@anju.example" in page.locator("#code-sent-to").inner_text()
    [mail] = mailoutbox
    assert mail.to == ["boss@anju.example"]
    code = CODE.search(mail.body).group(1)
    screenshot("account-verify")
    page.fill("[name=code]", "000000" if code != "000000" else "111111")
    page.click("#verify")
    assert page.locator("#id_code_errors").is_visible()
    page.fill("[name=code]", code)
    page.click("#verify")

    # Signed in, and on to the claim: the enterprise's code and its one-time claim code.
    page.wait_for_url("**/account/claim/")
    assert page.locator("#nav-account").is_visible() and page.locator("#nav-sign-out").is_visible()
    page.fill("[name=uscc]", enterprise.uscc.lower())
    page.fill("[name=code]", claim_code.lower())
    screenshot("account-claim")
    page.get_by_role("button", name=re.compile("认领|Claim")).click()
    page.wait_for_url("**/account/")
    assert page.locator("#claim-waiting").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == enterprise.name
    screenshot("account-waiting")

    # A registry administrator confirms; the account's home now leads everywhere it may go.
    enterprise_account_confirm(actor=admin, account=EnterpriseAccount.objects.get(enterprise=enterprise))
    page.reload()
    assert page.get_by_role("heading", level=1).inner_text() == enterprise.name
    assert "b***@anju.example" in page.locator("#signed-in-as").inner_text()
    for link in (
        "#link-public-page",
        "#link-repair",
        "#link-eligibility",
        "#link-objections",
        "#link-badges",
    ):
        assert page.locator(link).is_visible(), link
    screenshot("account-home")
    page.click("#link-badges")
    page.wait_for_url(f"**/account/enterprises/{enterprise.uscc}/")
    assert page.get_by_role("heading", level=1).inner_text() == enterprise.name
    page.goto(f"{live_server.url}/account/")
    page.click("#link-public-page")
    page.wait_for_url(f"**/enterprises/{enterprise.uscc}/")
    page.goto(f"{live_server.url}/account/")
    page.click("#sign-out")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("#nav-enterprise-sign-in").is_visible()

    # Signing in again with the address, typed otherwise.
    page.goto(f"{live_server.url}/account/")  # a page of the account: the enterprise sign-in
    page.wait_for_url("**/account/sign-in/?next=*")
    page.fill("[name=username]", "BOSS@anju.example")
    page.fill("[name=password]", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/account/")
    assert page.get_by_role("heading", level=1).inner_text() == enterprise.name


def test_an_objector_follows_an_objection_by_its_reference_and_key(live_server, page, screenshot, world):
    admin, enterprise = world
    agency = AgencyFactory(name="浙江省市场监督管理局")
    clerk, reviewer = UserFactory(username="clerk_wang"), UserFactory(username="reviewer_li")
    StaffRole.objects.create(user=clerk, agency=agency, role=StaffRoleKind.CLERK)
    StaffRole.objects.create(user=reviewer, agency=agency, role=StaffRoleKind.REVIEWER)
    record, _ = services.record_create(
        actor=clerk,
        agency=agency,
        kind="penalty",
        data=penalty_data(
            agency, enterprise, decision_date=(timezone.localdate() - dt.timedelta(days=20)).isoformat()
        ),
    )
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)

    page.goto(f"{live_server.url}/records/{record.pk}/object/")
    page.fill("[name=objector_name]", "张三")
    page.fill("[name=contact]", "13800138000")
    page.fill("[name=reason]", "该处罚决定已被行政复议撤销。")
    page.click("#submit-objection")
    page.wait_for_url("**/objections/YY*/")  # post/redirect/get: the follow-up page itself
    reference = page.locator("#objection-reference").inner_text().strip()
    key = page.locator("#objection-key").inner_text().strip()
    assert page.locator("#keep-key").is_visible() and page.locator("#decide-by").is_visible()
    assert page.locator("#back-to-enterprise").get_attribute("href") == f"/enterprises/{enterprise.uscc}/"
    screenshot("objection-filed-follow-up")
    page.reload()
    assert page.locator("#objection-key").count() == 0  # the key was shown once

    # Another browser, later: the reference alone asks for the key.
    other = page.context.browser.new_context()
    later = other.new_page()
    later.goto(f"{live_server.url}/objections/{reference}/")
    assert later.locator("#needs-key").is_visible()
    assert later.locator("[name=reference]").input_value() == reference
    later.fill("[name=key]", key + "x")
    later.click("#track-submit")
    assert later.locator("#error-summary").is_visible()
    later.screenshot(path=str(SCREENSHOTS / "objection-track-wrong-key.png"), full_page=True)
    later.goto(f"{live_server.url}/")
    later.click("#nav-track-objection")
    later.wait_for_url("**/objections/")
    later.fill("[name=reference]", reference.lower())
    later.fill("[name=key]", key)
    later.click("#track-submit")
    later.wait_for_url(f"**/objections/{reference}/")
    assert later.locator("#decide-by").is_visible() and later.locator("#objection-key").count() == 0
    later.screenshot(path=str(SCREENSHOTS / "objection-track-opened.png"), full_page=True)
    other.close()
