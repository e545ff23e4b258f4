"""The staff API of random inspections: who may call it, create through the service, invalid input,
four eyes, the draw and results — the same rules as the desk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sanctions.inspections import services

from .helpers import RATES, SEED, graded

pytestmark = pytest.mark.django_db


def _plan_body(**overrides):
    today = timezone.localdate()
    return {
        "title": "2026年度随机抽查",
        "period_start": today.isoformat(),
        "period_end": (today + dt.timedelta(days=30)).isoformat(),
        "rates": RATES,
        **overrides,
    }


def test_anonymous_and_citizens_cannot_use_the_inspections_api(api, django_user_model):
    assert api.get("/api/v1/inspection-plans/").status_code == 401
    api.force_authenticate(django_user_model.objects.create(username="citizen"))
    assert api.get("/api/v1/inspection-plans/").status_code == 403


def test_clerk_creates_a_plan_and_another_reviewer_approves_and_draws_it(api, clerk, reviewer, inspectors):
    graded("D")
    api.force_authenticate(clerk)
    created = api.post("/api/v1/inspection-plans/", _plan_body(submit=True), format="json")
    assert created.status_code == 201, created.json()
    plan = created.json()
    assert (
        plan["status"] == "submitted"
        and plan["rates"]["D"] == "80"
        and created["Location"].endswith(f"/{plan['id']}/")
    )
    assert api.post(f"/api/v1/inspection-plans/{plan['id']}/approve/").status_code == 403
    api.force_authenticate(reviewer)
    assert api.post(f"/api/v1/inspection-plans/{plan['id']}/approve/").json()["status"] == "approved"
    drawn = api.post(f"/api/v1/inspection-plans/{plan['id']}/draw/").json()
    assert drawn["status"] == "drawn" and len(drawn["seed"]) == 64 and drawn["strata"]["D"]["drawn"] == 1
    again = api.post(f"/api/v1/inspection-plans/{plan['id']}/draw/")
    assert again.status_code == 400 and "drawn once" in again.json()["detail"]


def test_invalid_rates_are_400_naming_the_field_and_nothing_is_saved(api, clerk):
    api.force_authenticate(clerk)
    response = api.post("/api/v1/inspection-plans/", _plan_body(rates={**RATES, "D": "101"}), format="json")
    assert response.status_code == 400
    body = response.json()
    assert any(
        error["field"] == "rates" and "between 0 and 100" in error["message"] for error in body["errors"]
    )
    assert api.get("/api/v1/inspection-plans/").json()["count"] == 0


def test_another_agencys_plans_and_inspections_are_unknown(api, approved_plan, clerk, other_clerk):
    graded("D")
    services.inspection_draw(actor=clerk, plan=approved_plan, seed=SEED)
    api.force_authenticate(other_clerk)
    assert api.get(f"/api/v1/inspection-plans/{approved_plan.pk}/").status_code == 404
    assert api.get("/api/v1/inspections/").json()["count"] == 0


def test_results_are_entered_by_a_clerk_and_published_by_a_reviewer_through_the_api(
    api, approved_plan, clerk, reviewer
):
    graded("D")
    services.inspection_draw(actor=clerk, plan=approved_plan, seed=SEED)
    api.force_authenticate(clerk)
    listed = api.get("/api/v1/inspections/", {"plan": approved_plan.pk}).json()["results"]
    assert len(listed) == 1 and len(listed[0]["inspectors"]) == 2
    url = f"/api/v1/inspections/{listed[0]['id']}"
    bad = api.post(
        f"{url}/result/",
        {"outcome": "problems_pending", "inspected_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert bad.status_code == 400 and any(e["field"] == "findings" for e in bad.json()["errors"])
    entered = api.post(
        f"{url}/result/",
        {"outcome": "not_found", "inspected_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert entered.json()["result_status"] == "submitted"
    assert api.post(f"{url}/publish/").status_code == 403
    api.force_authenticate(reviewer)
    published = api.post(f"{url}/publish/").json()
    assert published["result_status"] == "published" and published["listing"] is not None
