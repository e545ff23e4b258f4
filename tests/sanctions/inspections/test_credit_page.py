"""Published inspection results (抽查检查结果) on the credit page, in its one query, and the API."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sanctions.choices import InspectionOutcome
from sanctions.inspections import services

from .helpers import SEED, graded

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspected(approved_plan, clerk, reviewer):
    enterprise = graded("D")
    plan = services.inspection_draw(actor=clerk, plan=approved_plan, seed=SEED)
    inspection = plan.inspections.get()
    services.inspection_result_enter(
        actor=clerk,
        inspection=inspection,
        data={
            "outcome": InspectionOutcome.PROBLEMS_CORRECTED,
            "inspected_on": timezone.localdate(),
            "findings": "未按规定公示即时信息，联系电话13812345678",
        },
    )
    return enterprise, inspection


def test_a_result_appears_on_the_credit_page_only_once_published(client, inspected, reviewer):
    enterprise, inspection = inspected
    page = client.get(f"/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "未按规定公示即时信息" not in page
    services.inspection_result_publish(actor=reviewer, inspection=inspection)
    page = client.get(f"/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="records-inspections"' in page and "Inspection results" in page
    assert "未按规定公示即时信息" in page and "13812345678" not in page
    assert "Problems found, ordered to correct them" in page and "责令限期改正" in page
    assert inspection.plan.title in page


def test_the_credit_page_stays_one_query_with_inspection_results(
    client, inspected, reviewer, django_assert_num_queries
):
    enterprise, inspection = inspected
    services.inspection_result_publish(actor=reviewer, inspection=inspection)
    from lookup.credit_page import credit_page_read

    with django_assert_num_queries(1):
        page = credit_page_read(uscc=enterprise.uscc)
    assert [i["outcome"] for i in page.inspections] == ["problems_corrected"]
    assert page.inspections[0]["total"] == 1


def test_the_public_api_gives_an_enterprises_published_inspection_results(api, inspected, reviewer):
    enterprise, inspection = inspected
    url = f"/api/v1/public/enterprises/{enterprise.uscc}/inspections"
    assert api.get(url + "/").status_code == 200
    assert api.get(url).json()["results"] == []
    services.inspection_result_publish(actor=reviewer, inspection=inspection)
    body = api.get(url).json()
    assert body["count"] == 1
    result = body["results"][0]
    assert result["outcome"] == "problems_corrected"
    assert result["outcome_display"] == "Problems found, ordered to correct them"
    assert "13812345678" not in result["findings"]
    assert result["plan"]["id"] == inspection.plan_id and result["plan"]["seed"] == SEED
    assert api.get("/api/v1/public/enterprises/91330106MA2XXXXX00/inspections").status_code == 404
