"""A missing annual report puts the enterprise on the abnormal operations list on 1 July; filing and
applying takes it off. Walked with the clock, as the enterprise, a citizen and the rating see it."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command

from registry.annual_reports.services import annual_report_file
from sanctions.choices import ListingStatus
from sanctions.lists import services as lists
from sanctions.lists.annual_reports import annual_report_removal_apply, annual_reports_enforce
from sanctions.lists.ratings import rating_current
from sanctions.lists.standing import enterprise_standing
from sanctions.models import Listing, ListKind
from tests.annual_reports_support import at, enterprise_with_account, report_data
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(registry_admin, market_agency):
    return enterprise_with_account(
        registry_admin,
        name="杭州西湖年报测试有限公司",
        established_on=dt.date(2025, 3, 1),
        registration_authority=market_agency.name,
    )


def _page(client, enterprise) -> str:
    response = client.get(f"/enterprises/{enterprise.uscc}/", HTTP_COOKIE="django_language=en")
    assert response.status_code == 200
    return response.content.decode()


def test_a_year_without_a_report_lists_the_enterprise_on_1_july_and_filing_then_applying_removes_it(
    monkeypatch, client, owner, django_capture_on_commit_callbacks
):
    enterprise, user = owner
    at(monkeypatch, dt.date(2026, 6, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert annual_reports_enforce() == 0  # the period is not over yet
    assert rating_current(enterprise=enterprise) is None or rating_current(enterprise=enterprise).grade == "A"

    at(monkeypatch, dt.date(2026, 7, 1), hour=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert annual_reports_enforce() == 1
        assert annual_reports_enforce() == 0  # idempotent
    listing = Listing.objects.get(enterprise=enterprise)
    assert (listing.list_kind_id, listing.status, listing.start_date) == (
        "abnormal",
        "active",
        dt.date(2026, 7, 1),
    )
    assert listing.document_number == f"年报2025-{enterprise.uscc}"
    assert "第十七条" in listing.legal_basis and "2025年度报告" in listing.grounds
    content = _page(client, enterprise)
    assert "经营异常名录" in content and "standing-attention" in content
    assert enterprise_standing(enterprise=enterprise).level == "attention"
    assert (rating_current(enterprise=enterprise).grade, rating_current(enterprise=enterprise).points) == (
        "B",
        85,
    )

    at(monkeypatch, dt.date(2026, 7, 10))
    with pytest.raises(ValidationError, match="File the annual report for 2025 first"):
        annual_report_removal_apply(actor=user, enterprise=enterprise, year=2025)
    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_file(enterprise=enterprise, year=2025, data=report_data(), actor=user)
    assert report.is_late
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE  # filing alone does not remove: the enterprise applies

    with django_capture_on_commit_callbacks(execute=True):
        annual_report_removal_apply(actor=user, enterprise=enterprise, year=2025)
    listing.refresh_from_db()
    assert (listing.status, listing.removal_reason) == ("removed", "repaired")
    assert "第十一条" in listing.removal_note
    content = _page(client, enterprise)
    assert "Not on any list." in content and "standing-good" in content
    assert "Annual report for 2025" in content and "Filed late" in content
    assert rating_current(enterprise=enterprise).grade == "A"

    at(monkeypatch, dt.date(2026, 7, 11), hour=0)
    assert annual_reports_enforce() == 0  # never listed twice for the same year
    assert Listing.objects.filter(enterprise=enterprise).count() == 1


def test_only_enterprises_in_operation_established_by_the_years_end_are_listed(monkeypatch, market_agency):
    kwargs = {"registration_authority": market_agency.name}
    due = EnterpriseFactory(established_on=dt.date(2025, 12, 31), status="in_operation", **kwargs)
    EnterpriseFactory(established_on=dt.date(2026, 1, 1), status="in_operation", **kwargs)
    EnterpriseFactory(established_on=dt.date(2020, 1, 1), status="deregistered", **kwargs)
    EnterpriseFactory(established_on=dt.date(2020, 1, 1), status="revoked", **kwargs)
    at(monkeypatch, dt.date(2026, 7, 2))
    assert annual_reports_enforce() == 1
    assert list(Listing.objects.values_list("enterprise_id", flat=True)) == [due.pk]


def test_the_job_runs_in_batches_and_the_command_reports_progress(monkeypatch, market_agency):
    for _ in range(5):
        EnterpriseFactory(
            established_on=dt.date(2021, 1, 1),
            status="in_operation",
            registration_authority=market_agency.name,
        )
    at(monkeypatch, dt.date(2026, 8, 1))
    out, err = StringIO(), StringIO()
    call_command("annual_reports_enforce", "--batch-size", "2", stdout=out, stderr=err)
    assert Listing.objects.filter(status="active").count() == 5
    # An operator's terminal gets the portal's language (LANGUAGE_CODE), as any command's output.
    assert "第 3 批：1 家企业列入" in err.getvalue()
    assert "5 家未报送 2025 年度报告的企业已列入经营异常名录" in out.getvalue()
    call_command("annual_reports_enforce", "--date", "2026-08-02", stdout=out, stderr=err)
    assert Listing.objects.count() == 5


def test_the_date_option_runs_the_job_as_of_that_day(market_agency):
    EnterpriseFactory(
        established_on=dt.date(2021, 1, 1), status="in_operation", registration_authority=market_agency.name
    )
    out = StringIO()
    call_command("annual_reports_enforce", "--date", "2024-07-01", stdout=out, stderr=StringIO())
    assert Listing.objects.get().document_number.startswith("年报2023-")


def test_a_list_kind_that_wants_review_gets_a_submitted_listing_for_its_agencys_reviewers(
    monkeypatch, market_agency, reviewer
):
    ListKind.objects.filter(code="abnormal").update(rule_listings_reviewed=True)
    enterprise = EnterpriseFactory(
        established_on=dt.date(2021, 1, 1), status="in_operation", registration_authority=market_agency.name
    )
    at(monkeypatch, dt.date(2026, 7, 1))
    annual_reports_enforce()
    listing = Listing.objects.get(enterprise=enterprise)
    assert (listing.status, listing.agency_id, listing.published_at) == ("submitted", market_agency.pk, None)
    assert enterprise_standing(enterprise=enterprise).level == "good"
    lists.listing_publish(actor=reviewer, listing=listing)
    assert enterprise_standing(enterprise=enterprise).level == "attention"


def test_the_provincial_market_regulator_acts_when_the_registration_authority_is_not_an_agency_here(
    monkeypatch, market_agency
):
    market_agency.publicity_system = "market_regulation"
    market_agency.save(update_fields=["publicity_system"])
    enterprise = EnterpriseFactory(
        established_on=dt.date(2021, 1, 1),
        status="in_operation",
        registration_authority="杭州市西湖区市场监督管理局",
    )
    at(monkeypatch, dt.date(2026, 7, 1))
    annual_reports_enforce()
    assert Listing.objects.get(enterprise=enterprise).agency == market_agency


def test_without_a_matching_agency_the_configured_one_acts_and_otherwise_none(
    monkeypatch, settings, other_agency
):
    enterprise = EnterpriseFactory(
        established_on=dt.date(2021, 1, 1),
        status="in_operation",
        registration_authority="北京市朝阳区市场监督管理局",
        division_code="110105",
    )
    at(monkeypatch, dt.date(2026, 7, 1))
    settings.ANNUAL_REPORTS_AGENCY = ""
    annual_reports_enforce()
    assert not Listing.objects.exists()
    settings.ANNUAL_REPORTS_AGENCY = other_agency.uscc
    annual_reports_enforce()
    assert Listing.objects.get(enterprise=enterprise).agency == other_agency


def test_another_enterprises_user_cannot_apply_for_removal(monkeypatch, owner, registry_admin):
    from django.core.exceptions import PermissionDenied

    enterprise, _user = owner
    _other, stranger = enterprise_with_account(registry_admin, username="stranger")
    at(monkeypatch, dt.date(2026, 7, 1))
    annual_reports_enforce()
    with pytest.raises(PermissionDenied):
        annual_report_removal_apply(actor=stranger, enterprise=enterprise, year=2025)


def test_the_daily_tasks_are_scheduled_and_run_the_services(monkeypatch, settings, owner):
    from config.celery import app
    from registry.tasks import annual_report_reminders
    from sanctions.tasks import annual_reports_enforce as enforce_task

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"sanctions.tasks.annual_reports_enforce", "registry.tasks.annual_report_reminders"} <= schedule
    assert {"sanctions.tasks.annual_reports_enforce", "registry.tasks.annual_report_reminders"} <= set(
        app.tasks
    )
    enterprise, _user = owner
    at(monkeypatch, dt.date(2026, 6, 1))
    assert annual_report_reminders() == 1
    at(monkeypatch, dt.date(2026, 7, 1))
    assert enforce_task() == 1
    assert Listing.objects.get(enterprise=enterprise).status == "active"


def test_each_rule_listing_has_its_audit_entry_by_the_system_account(monkeypatch, owner):
    from registry.models import AuditEntry
    from registry.services import system_actor

    enterprise, _user = owner
    at(monkeypatch, dt.date(2026, 7, 1))
    annual_reports_enforce()
    listing = Listing.objects.get(enterprise=enterprise)
    entry = AuditEntry.objects.get(action="listing.create.rule.active", target_id=str(listing.pk))
    assert entry.actor_id == system_actor().pk
    assert listing.created_by == system_actor() and listing.published_by == system_actor()
