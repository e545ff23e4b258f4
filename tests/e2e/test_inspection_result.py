"""A citizen reads an enterprise's inspection result (抽查检查结果) on its credit page, follows it to
the plan's public page and finds the published seed and the snapshot that reproduce the draw."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from sanctions.choices import InspectionOutcome
from sanctions.inspections import services
from tests.factories import EnterpriseFactory
from tests.sanctions.inspections.helpers import graded, plan_data, roster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "杭州西湖食品经营有限公司"


@pytest.fixture
def inspected(clerk, reviewer, market_agency, agency_admin):
    roster(market_agency, agency_admin)
    enterprise = graded("D", name=NAME)
    EnterpriseFactory(name="宁波港口物流有限公司", status="deregistered")
    plan = services.plan_create(
        actor=clerk,
        agency=market_agency,
        data=plan_data(rates={"A": "2", "B": "5", "C": "20", "D": "100", "ungraded": "0"}),
        submit=True,
    )
    services.plan_approve(actor=reviewer, plan=plan)
    plan = services.inspection_draw(actor=clerk, plan=plan)
    inspection = plan.inspections.get(enterprise=enterprise)
    services.inspection_result_enter(
        actor=clerk,
        inspection=inspection,
        data={
            "outcome": InspectionOutcome.PROBLEMS_CORRECTED,
            "inspected_on": timezone.localdate(),
            "findings": "未按规定公示股东认缴出资信息",
            "consequences": "责令限期公示",
        },
    )
    services.inspection_result_publish(actor=reviewer, inspection=inspection)
    return enterprise, plan


def test_citizen_sees_an_inspection_result_on_the_credit_page(live_server, page, screenshot, inspected):
    enterprise, plan = inspected
    page.goto(f"{live_server.url}/enterprises/{enterprise.uscc}/")
    section = page.locator("#section-inspections")
    section.scroll_into_view_if_needed()
    assert section.is_visible()
    assert "未按规定公示股东认缴出资信息" in section.inner_text()
    assert "责令限期公示" in section.inner_text()
    screenshot("inspection-result-on-credit-page")
    section.get_by_role("link", name=plan.title).click()
    page.wait_for_url(f"**/inspections/{plan.pk}/")
    assert page.locator("#plan-seed").inner_text() == plan.seed
    assert page.locator("#snapshot-sha256").inner_text() == plan.snapshot_sha256
    snapshot = page.request.get(live_server.url + page.locator("#snapshot-link").get_attribute("href"))
    assert hashlib.sha256(snapshot.body()).hexdigest() == plan.snapshot_sha256
    assert NAME in page.content()
