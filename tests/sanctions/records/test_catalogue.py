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


def test_the_seeded_catalogue_says_how_far_each_rule_is_checked_and_how_it_is_read():
    rules = {r.name: r for r in PublicityRule.objects.all()}
    assert {r.verification for r in rules.values()} <= {"checked", "unconfirmed", "registry_default"}
    criticism = rules["市场监管总局令第45号：通报批评公示三个月"]
    assert criticism.agency_system == "market_regulation" and "第十三条" in criticism.legal_basis
    assert criticism.verification == "checked"
    general = rules["市场监管总局令第45号：行政处罚信息公示三年"]
    assert general.effective_from == dt.date(2021, 9, 1) and general.max_months == 36
    # Where the text allows two readings, the catalogue gives both, the one chosen and why.
    assert "两种理解" in general.reading and "选定" in general.reading
    # What is still unchecked says so in its verification, not only in its name.
    assert rules["国家发展改革委令第58号：特种设备领域最短公示一年"].verification == "unconfirmed"
    assert rules["守信激励信息：公示三年（登记系统默认，待核对）"].verification == "registry_default"


def test_an_existing_database_is_upgraded_without_losing_an_administrators_edit():
    from sanctions.reference import load_catalogue, upgrade_catalogue

    # As seeded before: the field rule under its former name, the criticism rule citing art. 14 for
    # every agency, nothing checked; and one rule an administrator has edited since.
    field_rule = PublicityRule.objects.get(name="国家发展改革委令第58号：特种设备领域最短公示一年")
    field_rule.name, field_rule.verification, field_rule.reading = (
        "国家发展改革委令第58号：特种设备领域（最短一年，待核对条文）",
        "unconfirmed",
        "",
    )
    field_rule.save()
    criticism = PublicityRule.objects.get(name="市场监管总局令第45号：通报批评公示三个月")
    criticism.legal_basis = "《市场监督管理行政处罚信息公示规定》（国家市场监督管理总局令第45号）第十四条"
    criticism.agency_system, criticism.verification, criticism.reading = "", "unconfirmed", ""
    criticism.save()
    edited = PublicityRule.objects.get(name="国家发展改革委令第58号：行政处罚信息")
    edited.legal_basis, edited.reading = "管理员修改的依据", ""
    edited.save()
    PublicityRule.objects.filter(name__contains="较低数额罚款").delete()

    upgrade_catalogue(PublicityRule)
    load_catalogue(PenaltyCategory, PublicityRule)

    field_rule.refresh_from_db()
    assert field_rule.name == "国家发展改革委令第58号：特种设备领域最短公示一年" and field_rule.reading
    assert not PublicityRule.objects.filter(name__contains="待核对条文").exists()
    criticism.refresh_from_db()
    assert criticism.legal_basis.endswith("第十三条第一款") and criticism.agency_system == "market_regulation"
    assert criticism.verification == "checked"
    edited.refresh_from_db()
    assert edited.legal_basis == "管理员修改的依据" and edited.reading  # the edit stays, the reading is added
    assert (
        PublicityRule.objects.filter(name__contains="较低数额罚款", party_category="legal_person").count()
        == 2
    )


def test_the_public_rule_catalogue_lists_every_rule_with_its_basis_dates_and_readings(client):
    client.cookies["django_language"] = "en"
    response = client.get("/credit-system/rules/")
    assert response.status_code == 200
    html = response.content.decode()
    for rule in PublicityRule.objects.all():
        assert f'id="rule-{rule.pk}"' in html and rule.name in html
    assert html.count("To be checked") == PublicityRule.objects.filter(verification="unconfirmed").count()
    assert "Checked against the text" in html and "Registry default, no legal basis" in html
    assert "decisions of agencies of Market regulation" in html
    assert "2021-09-01" in html and "两种理解" in html
    assert "Periods are counted from the decision date." in html
    # Linked from the other public pages of the credit system.
    assert 'href="/credit-system/rules/"' in client.get("/credit-system/lists/").content.decode()
