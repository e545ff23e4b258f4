"""Publicity periods come from the rule catalogue in force on the decision date."""

import datetime as dt
from decimal import Decimal

import pytest

from registry.calendar import add_working_days, working_days_between
from sanctions.models import PublicityRule
from sanctions.records.publicity import add_months, publicity_for

pytestmark = [pytest.mark.django_db]


def compute(**overrides):
    args = {
        "kind": "penalty",
        "decision_date": dt.date(2024, 3, 15),
        "categories": ["fine"],
        "severity": "general",
        "regulatory_field": "",
        "province": "33",
        "fine": Decimal("5"),
        "valid_to": None,
    }
    args.update(overrides)
    return publicity_for(**args)


def test_general_penalty_after_order_58_is_public_three_years_repairable_after_three_months():
    result = compute()
    assert "第58号" in result.rule.legal_basis
    assert result.end == dt.date(2027, 3, 15)
    assert result.earliest_repair == dt.date(2024, 6, 15)
    assert result.early_repair_allowed and not result.never_published


def test_the_rule_in_force_on_the_decision_date_applies():
    result = compute(decision_date=dt.date(2022, 1, 10))
    assert "2019" in result.rule.name
    assert result.end == dt.date(2023, 1, 10)


def test_specific_serious_runs_the_full_period_and_cannot_be_repaired_early():
    result = compute(severity="specific_serious")
    assert result.end == dt.date(2027, 3, 15) and result.earliest_repair is None
    assert not result.early_repair_allowed


def test_work_safety_needs_a_year_before_repair():
    result = compute(regulatory_field="work_safety")
    assert result.earliest_repair == dt.date(2025, 3, 15)


def test_revoked_licence_can_never_end_early():
    result = compute(categories=["fine", "licence_revoked"])
    assert not result.early_repair_allowed and result.earliest_repair is None


def test_several_penalty_kinds_take_the_longest_period():
    short = compute(categories=["criticism"])
    assert short.end == dt.date(2024, 6, 15)
    both = compute(categories=["criticism", "fine"])
    assert both.end == dt.date(2027, 3, 15)


def test_warning_only_is_never_published():
    assert compute(categories=["warning"]).never_published
    assert not compute(categories=["warning", "fine"]).never_published


def test_licence_is_public_while_valid():
    result = compute(kind="licence", categories=[], valid_to=dt.date(2030, 1, 1))
    assert result.end == dt.date(2030, 1, 1)


def test_a_provincial_low_fine_rule_is_more_specific():
    base = compute()
    PublicityRule.objects.create(
        name="浙江省低额罚款",
        kind="penalty",
        province="33",
        fine_at_most=Decimal("1"),
        min_months=3,
        max_months=3,
        early_repair_allowed=False,
        legal_basis="test",
        effective_from=dt.date(2023, 1, 1),
    )
    assert compute(fine=Decimal("0.5")).end == dt.date(2024, 6, 15)
    assert compute(fine=Decimal("5")).end == base.end
    assert compute(fine=Decimal("0.5"), province="32").end == base.end


def test_no_rule_in_force_is_an_error():
    PublicityRule.objects.filter(kind="reward").delete()
    with pytest.raises(LookupError):
        compute(kind="reward", categories=[])


def test_publish_deadline_counts_working_days_with_holidays():
    # 2026-09-30 (Wed) + 3 working days skips the National Day holiday (Oct 1–7): Oct 8, Oct 9 and
    # the make-up working day Saturday Oct 10; Oct 11 is an ordinary Sunday.
    assert add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)
    assert add_working_days(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 30)
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 12)) == 4


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)
