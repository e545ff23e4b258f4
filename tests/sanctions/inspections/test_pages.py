"""The desk pages (plan, review, draw, results, roster) and the public pages of random inspections."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.utils import timezone

from sanctions.choices import InspectionOutcome, InspectionPlanStatus, InspectionResultStatus
from sanctions.inspections import services
from sanctions.models import InspectionPlan, Inspector

from .helpers import SEED, graded

pytestmark = pytest.mark.django_db


def _plan_post(**overrides):
    today = timezone.localdate()
    data = {
        "agency": "",
        "title": "食品经营者随机抽查",
        "period_start": today.isoformat(),
        "period_end": (today.replace(day=1) + timezone.timedelta(days=60)).isoformat(),
        "rate_A": "2",
        "rate_B": "5",
        "rate_C": "20",
        "rate_D": "80",
        "rate_ungraded": "10",
        "action": "submit",
    }
    data.update(overrides)
    return data


def test_clerk_creates_a_plan_at_the_desk_and_another_reviewer_approves_and_draws_it(
    client, clerk, reviewer, market_agency, inspectors
):
    graded("D")
    client.force_login(clerk)
    response = client.post("/desk/inspections/new/", _plan_post(agency=market_agency.pk))
    plan = InspectionPlan.objects.get()
    assert response.status_code == 302 and plan.status == InspectionPlanStatus.SUBMITTED
    page = client.get(f"/desk/inspections/{plan.pk}/").content.decode()
    assert "approve-plan" not in page
    client.force_login(reviewer)
    assert "approve-plan" in client.get(f"/desk/inspections/{plan.pk}/").content.decode()
    client.post(f"/desk/inspections/{plan.pk}/approve/")
    client.post(f"/desk/inspections/{plan.pk}/draw/")
    plan.refresh_from_db()
    assert plan.status == InspectionPlanStatus.DRAWN and plan.inspections.count() == 1
    response = client.post(f"/desk/inspections/{plan.pk}/draw/", follow=True)
    assert "drawn once" in response.content.decode()


def test_a_rate_above_100_is_shown_back_on_the_form_and_nothing_saved(client, clerk, market_agency):
    client.force_login(clerk)
    response = client.post("/desk/inspections/new/", _plan_post(agency=market_agency.pk, rate_D="120"))
    assert response.status_code == 400
    assert "must be between 0 and 100" in response.content.decode()
    assert not InspectionPlan.objects.exists()


def test_results_are_entered_and_published_at_the_desk(client, approved_plan, clerk, reviewer):
    graded("D")
    plan = services.inspection_draw(actor=clerk, plan=approved_plan, seed=SEED)
    inspection = plan.inspections.get()
    client.force_login(clerk)
    response = client.post(
        f"/desk/inspections/results/{inspection.pk}/",
        {"outcome": InspectionOutcome.NO_PROBLEM, "inspected_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    client.force_login(reviewer)
    client.post(f"/desk/inspections/results/{inspection.pk}/publish/")
    inspection.refresh_from_db()
    assert inspection.result_status == InspectionResultStatus.PUBLISHED


def test_another_agencys_plan_is_unknown_at_the_desk(client, approved_plan, other_clerk):
    client.force_login(other_clerk)
    assert client.get(f"/desk/inspections/{approved_plan.pk}/").status_code == 404


def test_agency_admin_adds_an_inspector_and_a_clerk_records_a_conflict(
    client, agency_admin, clerk, market_agency
):
    client.force_login(agency_admin)
    response = client.post(
        "/desk/inspections/roster/",
        {
            "form": "inspector",
            "inspector-agency": market_agency.pk,
            "inspector-username": "clerk",
            "inspector-badge_number": "ZJ-9",
        },
    )
    assert response.status_code == 302
    inspector = Inspector.objects.get(badge_number="ZJ-9")
    enterprise = graded("A")
    client.force_login(clerk)
    response = client.post(
        "/desk/inspections/roster/",
        {
            "form": "conflict",
            "conflict-inspector": inspector.pk,
            "conflict-enterprise": enterprise.uscc,
            "conflict-reason": "曾任该企业顾问",
        },
    )
    assert response.status_code == 302 and inspector.conflicts.filter(enterprise=enterprise).exists()


def test_the_public_plan_page_publishes_the_seed_the_snapshot_and_the_results(
    client, approved_plan, clerk, reviewer
):
    enterprise = graded("D")
    plan = services.inspection_draw(actor=clerk, plan=approved_plan, seed=SEED)
    inspection = plan.inspections.get()
    services.inspection_result_enter(
        actor=clerk,
        inspection=inspection,
        data={"outcome": InspectionOutcome.NO_PROBLEM, "inspected_on": timezone.localdate()},
    )
    before = client.get(f"/inspections/{plan.pk}/").content.decode()
    assert "未发现问题" not in before and SEED in before
    services.inspection_result_publish(actor=reviewer, inspection=inspection)
    page = client.get(f"/inspections/{plan.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert enterprise.uscc in page and plan.snapshot_sha256 in page
    snapshot = client.get(f"/inspections/{plan.pk}/snapshot.json")
    assert snapshot["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(snapshot.content).hexdigest() == plan.snapshot_sha256
    assert json.loads(snapshot.content)["population"] == [[enterprise.uscc, "D"]]


def test_the_public_page_shows_the_realised_rate_per_grade(client, approved_plan, clerk):
    for _ in range(50):
        graded("A")
    for _ in range(5):
        graded("D")
    services.inspection_draw(actor=clerk, plan=approved_plan, seed=SEED)
    page = client.get("/inspections/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2.00 %" in page and "80.00 %" in page


def test_a_plan_not_drawn_has_no_public_page(client, approved_plan):
    assert client.get(f"/inspections/{approved_plan.pk}/").status_code == 404
    assert client.get(f"/inspections/{approved_plan.pk}/snapshot.json").status_code == 404


def test_the_public_pages_cost_a_few_queries_however_many_plans_and_results(
    client, approved_plan, clerk, reviewer, django_assert_max_num_queries
):
    for _ in range(6):
        graded("D")
    plan = services.inspection_draw(actor=clerk, plan=approved_plan, seed=SEED)
    for inspection in plan.inspections.all():
        services.inspection_result_enter(
            actor=clerk,
            inspection=inspection,
            data={"outcome": InspectionOutcome.NO_PROBLEM, "inspected_on": timezone.localdate()},
        )
        services.inspection_result_publish(actor=reviewer, inspection=inspection)
    client.get("/inspections/")  # the frame's caches warmed
    with django_assert_max_num_queries(6):
        assert client.get("/inspections/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"/inspections/{plan.pk}/").status_code == 200
