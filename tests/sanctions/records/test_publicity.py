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
    short = compute(categories=["criticism"], agency_system="market_regulation")
    assert short.end == dt.date(2024, 6, 15)
    both = compute(categories=["criticism", "fine"], agency_system="market_regulation")
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


@pytest.mark.parametrize(
    ("decided", "publish_by"),
    [(dt.date(2024, 9, 25), dt.date(2024, 10, 28)), (dt.date(2024, 6, 3), dt.date(2024, 7, 2))],
)
def test_publish_by_counts_the_2024_holidays(decided, publish_by):
    """20 working days after the decision, with National Day and Dragon Boat Festival 2024 off."""
    result = compute(decision_date=decided)
    assert result.publish_deadline == publish_by
    assert not result.publish_deadline_provisional


def test_publish_by_in_a_year_without_notice_skips_the_statutory_holidays_and_says_so():
    # No 2027 notice is loaded: 1 January 2027 is New Year's Day by law, never a working day.
    result = compute(decision_date=dt.date(2026, 12, 4))
    assert result.publish_deadline == dt.date(2027, 1, 4)
    assert result.publish_deadline_provisional


def test_market_regulation_fines_between_order_45_and_order_58_are_public_three_years():
    """SAMR Order 45 (from 2021-09-01) governs market regulation's decisions: 3 years, not 2019's 12 months."""
    market = compute(decision_date=dt.date(2022, 6, 1), agency_system="market_regulation")
    assert market.end == dt.date(2025, 6, 1)
    assert "第45号" in market.rule.legal_basis
    # Another agency's fine in the same window follows the national credit platform's 2019 rules.
    assert compute(decision_date=dt.date(2022, 6, 1)).end == dt.date(2023, 6, 1)
    # Before Order 45 took effect, market regulation's decisions follow them too.
    before = compute(decision_date=dt.date(2021, 8, 31), agency_system="market_regulation")
    assert before.end == dt.date(2022, 8, 31)


def test_circulated_criticism_is_three_months_for_market_regulation_only():
    market = compute(categories=["criticism"], agency_system="market_regulation")
    assert market.end == dt.date(2024, 6, 15) and "第十三条" in market.rule.legal_basis
    assert compute(categories=["criticism"]).end == dt.date(2027, 3, 15)  # Order 58 on the platform


@pytest.mark.parametrize(
    ("party", "fine", "months"),
    [
        ("legal_person", Decimal("4.9999"), 3),  # under 50,000 yuan (不含本数)
        ("legal_person", Decimal("5"), 36),
        ("natural_person", Decimal("0.4999"), 3),  # under 5,000 yuan
        ("natural_person", Decimal("2"), 36),
        ("individual_business", Decimal("2"), 36),  # the natural person's threshold (the stricter reading)
    ],
)
def test_low_fines_set_by_a_province_are_public_three_months(party, fine, months):
    result = compute(
        province="52", agency_system="market_regulation", party_category=party, fine=Decimal(fine)
    )
    assert result.end == add_months(dt.date(2024, 3, 15), months)
    # The same fine decided by another agency of the province follows Order 58.
    assert compute(province="52", party_category=party, fine=Decimal(fine)).end == dt.date(2027, 3, 15)


def test_a_warning_beside_a_low_fine_does_not_lengthen_the_period():
    result = compute(
        categories=["warning", "fine"],
        province="35",
        agency_system="market_regulation",
        party_category="legal_person",
        fine=Decimal("1"),
        decision_date=dt.date(2025, 3, 15),
    )
    assert result.end == dt.date(2025, 6, 15) and not result.never_published


def test_the_deciding_agencys_system_chooses_the_rule_when_a_record_is_entered(clerk, market_agency):
    from sanctions.records.services import record_create
    from tests.factories import EnterpriseFactory
    from tests.sanctions.payloads import penalty_data

    market_agency.publicity_system = "market_regulation"
    market_agency.save(update_fields=["publicity_system"])
    data = penalty_data(market_agency, EnterpriseFactory(), decision_date="2022-06-01", fine_amount="5")
    record, _created = record_create(actor=clerk, agency=market_agency, kind="penalty", data=data)
    assert record.publicity_end == dt.date(2025, 6, 1)


def test_loading_a_notice_recounts_the_provisional_publish_by_dates(registry_admin, clerk, market_agency):
    from registry.holiday_notices import calendar_notice_load, parse_days
    from registry.models import AuditEntry
    from sanctions.records.services import record_create
    from tests.factories import EnterpriseFactory
    from tests.sanctions.payloads import penalty_data

    data = penalty_data(market_agency, EnterpriseFactory(), decision_date="2026-12-04")
    record, _created = record_create(actor=clerk, agency=market_agency, kind="penalty", data=data)
    assert record.publish_deadline == dt.date(2027, 1, 4)
    # Suppose the 2027 notice gives 1–4 January off: the publish-by date moves to the 5th.
    calendar_notice_load(
        actor=registry_admin,
        year=2027,
        notice="国务院办公厅关于2027年部分节假日安排的通知（测试）",
        holidays=parse_days(["2027-01-01..2027-01-04:元旦"]),
    )
    record.refresh_from_db()
    assert record.publish_deadline == dt.date(2027, 1, 5)
    entry = AuditEntry.objects.get(action="records.publish_deadlines_recount")
    assert entry.before["publish_deadline"][str(record.pk)] == "2027-01-04"
    assert entry.after["publish_deadline"][str(record.pk)] == "2027-01-05"
