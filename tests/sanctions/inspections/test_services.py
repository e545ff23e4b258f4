"""Plans, the draw and results through the services: permissions, four eyes, validation, effects."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from registry.audit import AuditEntry
from sanctions.choices import InspectionOutcome, InspectionPlanStatus, InspectionResultStatus, ListingStatus
from sanctions.inspections import services
from sanctions.inspections.draw import draw_verify, snapshot_sha256
from sanctions.inspections.selectors import inspection_rates, recorded_draw
from sanctions.models import Inspection, InspectionPlan, Listing

from .helpers import SEED, graded, plan_data

pytestmark = pytest.mark.django_db


def test_clerk_drafts_a_plan_and_another_reviewer_approves_it(market_agency, clerk, reviewer):
    plan = services.plan_create(actor=clerk, agency=market_agency, data=plan_data(), submit=True)
    assert plan.status == InspectionPlanStatus.SUBMITTED
    assert plan.rates == {"A": "2", "B": "5", "C": "20", "D": "80", "ungraded": "10"}
    plan = services.plan_approve(actor=reviewer, plan=plan)
    assert plan.status == InspectionPlanStatus.APPROVED and plan.approved_by == reviewer
    assert AuditEntry.objects.filter(action="inspection_plan.approve", target_id=str(plan.pk)).exists()


def test_clerk_of_another_agency_cannot_create_a_plan(market_agency, other_clerk):
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=other_clerk, agency=market_agency, data=plan_data())
    assert not InspectionPlan.objects.exists()


def test_clerk_cannot_approve_and_a_reviewer_cannot_approve_their_own_plan(market_agency, clerk, reviewer):
    from registry.choices import StaffRoleKind
    from registry.models import StaffRole

    plan = services.plan_create(actor=clerk, agency=market_agency, data=plan_data(), submit=True)
    with pytest.raises(PermissionDenied):
        services.plan_approve(actor=clerk, plan=plan)
    StaffRole.objects.create(user=reviewer, agency=market_agency, role=StaffRoleKind.CLERK)
    own = services.plan_create(actor=reviewer, agency=market_agency, data=plan_data(), submit=True)
    with pytest.raises(ValidationError, match="four eyes"):
        services.plan_approve(actor=reviewer, plan=own)


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        ({"A": "2", "B": "5", "C": "20", "D": "180", "ungraded": "1"}, "between 0 and 100"),
        ({"A": "-1", "B": "5", "C": "20", "D": "80", "ungraded": "1"}, "between 0 and 100"),
        ({"A": "2", "B": "5", "C": "20", "ungraded": "1"}, "grade D"),
        ({"A": "2", "B": "5", "C": "20", "D": "80", "ungraded": "1", "E": "3"}, "“E” is not a grade"),
        ({"A": "x", "B": "5", "C": "20", "D": "80", "ungraded": "1"}, "not a number"),
        ({"A": "0", "B": "0", "C": "0", "D": "0", "ungraded": "0"}, "draw no one"),
    ],
)
def test_bad_rates_are_refused_naming_the_grade_and_nothing_is_saved(market_agency, clerk, rates, message):
    with pytest.raises(ValidationError) as refused:
        services.plan_create(actor=clerk, agency=market_agency, data=plan_data(rates=rates))
    assert any(message in m for m in refused.value.message_dict["rates"])
    assert not InspectionPlan.objects.exists()


def test_an_insane_period_or_scope_is_refused_per_field(market_agency, clerk):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        services.plan_create(
            actor=clerk,
            agency=market_agency,
            data=plan_data(
                period_start=today,
                period_end=today - dt.timedelta(days=1),
                industries=["Z"],
                division_prefix="33a",
                include_list_kinds=["nosuchlist"],
            ),
        )
    errors = refused.value.message_dict
    assert set(errors) == {"period_end", "industries", "division_prefix", "include_list_kinds"}
    with pytest.raises(ValidationError, match="at most one year"):
        services.plan_create(
            actor=clerk, agency=market_agency, data=plan_data(period_end=today + dt.timedelta(days=400))
        )


def test_a_plan_must_be_approved_before_the_draw_and_is_drawn_once(
    market_agency, clerk, reviewer, inspectors
):
    graded("D")
    plan = services.plan_create(actor=clerk, agency=market_agency, data=plan_data(), submit=True)
    with pytest.raises(ValidationError, match="approves it first"):
        services.inspection_draw(actor=clerk, plan=plan)
    services.plan_approve(actor=reviewer, plan=plan)
    services.inspection_draw(actor=clerk, plan=plan, seed=SEED)
    with pytest.raises(ValidationError, match="drawn once"):
        services.inspection_draw(actor=clerk, plan=plan)
    assert Inspection.objects.filter(plan=plan).count() == 1


def test_the_draw_samples_each_grade_at_its_rate_and_records_what_reproduces_it(approved_plan, clerk):
    population = (
        [graded("A") for _ in range(50)]
        + [graded("D") for _ in range(10)]
        + [graded(None) for _ in range(10)]
    )
    plan = services.inspection_draw(actor=clerk, plan=approved_plan)
    assert len(plan.seed) == 64 and plan.population == len(population)
    assert plan.strata["A"] == {"population": 50, "drawn": 1, "rate": "2"}
    assert plan.strata["D"] == {"population": 10, "drawn": 8, "rate": "80"}
    assert plan.strata["ungraded"] == {"population": 10, "drawn": 1, "rate": "10"}
    snapshot = json.loads(plan.snapshot)
    assert snapshot_sha256(snapshot) == plan.snapshot_sha256
    assert snapshot["population"] == sorted(snapshot["population"])
    assert (
        draw_verify(
            seed=plan.seed,
            snapshot_file=plan.snapshot.encode(),
            sha256=plan.snapshot_sha256,
            recorded=recorded_draw(plan=plan),
        )
        == []
    )
    for inspection in plan.inspections.all():
        assert inspection.inspector_1_id != inspection.inspector_2_id


def test_scope_limits_the_population_to_the_industry_division_and_lists(
    market_agency, clerk, reviewer, inspectors
):
    inside = graded("D", industry="C")
    graded("D", industry="F")
    graded("D", industry="C", status="deregistered")
    plan = services.plan_create(
        actor=clerk,
        agency=market_agency,
        data=plan_data(industries=["c"], division_prefix=inside.division_code[:2]),
        submit=True,
    )
    services.plan_approve(actor=reviewer, plan=plan)
    plan = services.inspection_draw(actor=clerk, plan=plan, seed=SEED)
    assert json.loads(plan.snapshot)["population"] == [[inside.uscc, "D"]]


def test_a_conflicted_inspector_is_never_drawn_for_that_enterprise(approved_plan, clerk, inspectors):
    enterprises = [graded("D") for _ in range(10)]
    for enterprise in enterprises:
        for inspector in inspectors[:2]:
            services.inspector_conflict_record(
                actor=clerk, inspector=inspector, enterprise=enterprise, reason="亲属在该企业任职"
            )
    plan = services.inspection_draw(actor=clerk, plan=approved_plan, seed=SEED)
    drawn = list(plan.inspections.all())
    assert drawn
    for inspection in drawn:
        assert {inspection.inspector_1_id, inspection.inspector_2_id} == {inspectors[2].pk, inspectors[3].pk}


def test_the_draw_is_refused_when_the_roster_has_fewer_than_two_inspectors(market_agency, clerk, reviewer):
    graded("D")
    plan = services.plan_create(actor=clerk, agency=market_agency, data=plan_data(), submit=True)
    services.plan_approve(actor=reviewer, plan=plan)
    with pytest.raises(ValidationError, match="fewer than two inspectors"):
        services.inspection_draw(actor=clerk, plan=plan)
    plan.refresh_from_db()
    assert plan.status == InspectionPlanStatus.APPROVED and not plan.inspections.exists()


@pytest.fixture
def drawn(approved_plan, clerk):
    graded("D")
    graded("D")
    graded("D")
    return services.inspection_draw(actor=clerk, plan=approved_plan, seed=SEED)


def _result(data=None):
    return {"outcome": InspectionOutcome.NO_PROBLEM, "inspected_on": timezone.localdate(), **(data or {})}


def test_a_result_is_entered_by_a_clerk_and_published_by_another_reviewer(drawn, clerk, reviewer):
    inspection = drawn.inspections.first()
    with pytest.raises(PermissionDenied):
        services.inspection_result_enter(actor=reviewer, inspection=inspection, data=_result())
    inspection = services.inspection_result_enter(actor=clerk, inspection=inspection, data=_result())
    assert inspection.result_status == InspectionResultStatus.SUBMITTED and inspection.consequences == "无"
    with pytest.raises(PermissionDenied):
        services.inspection_result_publish(actor=clerk, inspection=inspection)
    inspection = services.inspection_result_publish(actor=reviewer, inspection=inspection)
    assert inspection.result_status == InspectionResultStatus.PUBLISHED and inspection.listing is None


def test_who_entered_a_result_cannot_publish_it(drawn, clerk, reviewer, market_agency):
    from registry.choices import StaffRoleKind
    from registry.models import StaffRole

    StaffRole.objects.create(user=reviewer, agency=market_agency, role=StaffRoleKind.CLERK)
    inspection = services.inspection_result_enter(
        actor=reviewer, inspection=drawn.inspections.first(), data=_result()
    )
    with pytest.raises(ValidationError, match="four eyes"):
        services.inspection_result_publish(actor=reviewer, inspection=inspection)


def test_a_result_needs_an_outcome_a_sane_date_and_findings_when_problems_were_found(drawn, clerk):
    inspection = drawn.inspections.first()
    with pytest.raises(ValidationError) as refused:
        services.inspection_result_enter(
            actor=clerk,
            inspection=inspection,
            data={
                "outcome": InspectionOutcome.PROBLEMS_PENDING,
                "inspected_on": timezone.localdate() + dt.timedelta(days=2),
            },
        )
    assert set(refused.value.message_dict) == {"inspected_on", "findings"}
    with pytest.raises(ValidationError) as refused:
        services.inspection_result_enter(actor=clerk, inspection=inspection, data={"outcome": "bad"})
    assert set(refused.value.message_dict) == {"outcome", "inspected_on"}
    inspection.refresh_from_db()
    assert inspection.result_status == InspectionResultStatus.PENDING and inspection.outcome == ""


def test_a_result_sent_back_can_be_entered_again(drawn, clerk, reviewer):
    inspection = services.inspection_result_enter(
        actor=clerk, inspection=drawn.inspections.first(), data=_result()
    )
    with pytest.raises(ValidationError):
        services.inspection_result_send_back(actor=reviewer, inspection=inspection, comment="")
    inspection = services.inspection_result_send_back(
        actor=reviewer, inspection=inspection, comment="日期有误"
    )
    assert inspection.result_status == InspectionResultStatus.PENDING
    services.inspection_result_enter(actor=clerk, inspection=inspection, data=_result({"findings": "复核"}))


def test_not_found_at_address_puts_the_enterprise_on_the_abnormal_operations_list(drawn, clerk, reviewer):
    inspection = drawn.inspections.first()
    services.inspection_result_enter(
        actor=clerk, inspection=inspection, data=_result({"outcome": InspectionOutcome.NOT_FOUND})
    )
    inspection = services.inspection_result_publish(actor=reviewer, inspection=inspection)
    listing = Listing.objects.get(pk=inspection.listing_id)
    assert listing.list_kind_id == "abnormal" and listing.status == ListingStatus.ACTIVE
    assert listing.enterprise_id == inspection.enterprise_id
    assert listing.created_by == clerk and listing.published_by == reviewer
    assert "第四条" in listing.legal_basis
    assert inspection.consequences == "列入经营异常名录"


def test_statistics_give_the_realised_rate_per_grade(approved_plan, clerk, reviewer):
    for _ in range(50):
        graded("A")
    for _ in range(5):
        graded("D")
    plan = services.inspection_draw(actor=clerk, plan=approved_plan, seed=SEED)
    d_inspection = plan.inspections.filter(grade="D").first()
    services.inspection_result_enter(
        actor=clerk,
        inspection=d_inspection,
        data=_result({"outcome": InspectionOutcome.PROBLEMS_CORRECTED, "findings": "未按规定公示"}),
    )
    services.inspection_result_publish(actor=reviewer, inspection=d_inspection)
    rates = {r.grade: r for r in inspection_rates()}
    assert (rates["A"].population, rates["A"].drawn, str(rates["A"].rate)) == (50, 1, "2.00")
    assert (rates["D"].population, rates["D"].drawn, str(rates["D"].rate)) == (5, 4, "80.00")
    assert (rates["D"].published, rates["D"].problems) == (1, 1)


def test_the_verify_command_reproduces_a_draw_and_catches_a_tampered_one(drawn, tmp_path):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("inspection_draw_verify", str(drawn.pk), stdout=out)
    assert "reproduced" in out.getvalue()
    downloaded = tmp_path / "snapshot.json"
    downloaded.write_bytes(drawn.snapshot.encode())
    call_command(
        "inspection_draw_verify",
        str(drawn.pk),
        "--snapshot",
        str(downloaded),
        "--seed",
        drawn.seed,
        stdout=io.StringIO(),
    )
    with pytest.raises(CommandError, match="NOT reproduced"):
        call_command(
            "inspection_draw_verify",
            str(drawn.pk),
            "--seed",
            "0" * 64,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
