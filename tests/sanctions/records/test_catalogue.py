"""Registry administrators edit the catalogue and the calendar; others cannot; each edit is audited."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from registry import services as registry_services
from registry.calendar import add_working_days
from registry.models import AuditEntry, CalendarDay
from sanctions.models import PenaltyCategory, PublicityRule
from sanctions.records import catalogue

pytestmark = [pytest.mark.django_db]


def test_registry_admin_adds_a_provincial_rule(registry_admin):
    rule = PublicityRule(
        name="浙江省通报批评",
        kind="penalty",
        province="33",
        min_months=3,
        max_months=6,
        legal_basis="浙江省规定",
        effective_from=dt.date(2025, 1, 1),
    )
    catalogue.publicity_rule_save(actor=registry_admin, rule=rule)
    assert AuditEntry.objects.get(action="catalogue.publicity_rule_save").after["province"] == "33"


def test_rule_must_be_consistent(registry_admin):
    rule = PublicityRule(
        name="bad",
        kind="licence",
        penalty_category_id="fine",
        min_months=3,
        max_months=1,
        legal_basis="x",
        effective_from=dt.date(2025, 1, 1),
        province="3",
    )
    with pytest.raises(ValidationError):
        catalogue.publicity_rule_save(actor=registry_admin, rule=rule)


def test_clerk_cannot_edit_the_catalogue(clerk):
    category = PenaltyCategory.objects.get(code="fine")
    category.name_en = "Changed"
    with pytest.raises(PermissionDenied):
        catalogue.penalty_category_save(actor=clerk, category=category)


def test_holidays_are_editable_and_count_at_once(registry_admin, clerk):
    friday = dt.date(2027, 3, 5)
    assert add_working_days(friday, 1) == dt.date(2027, 3, 8)
    registry_services.calendar_day_set(
        actor=registry_admin, date=dt.date(2027, 3, 8), is_working_day=False, name="测试假日"
    )
    assert add_working_days(friday, 1) == dt.date(2027, 3, 9)
    with pytest.raises(PermissionDenied):
        registry_services.calendar_day_set(
            actor=clerk, date=dt.date(2027, 3, 9), is_working_day=False, name="x"
        )
    registry_services.calendar_day_remove(
        actor=registry_admin, day=CalendarDay.objects.get(date="2027-03-08")
    )
    assert add_working_days(friday, 1) == dt.date(2027, 3, 8)
