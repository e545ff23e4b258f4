"""Credit repair: who may apply for what and from when, the materials, and the agency's decision."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from registry.cache import enterprise_generation
from registry.models import AuditEntry
from sanctions.models import DeadlineRule, Listing, RecordEvent, RepairApplication
from sanctions.records import services
from sanctions.records.publicity import add_months
from sanctions.records.selectors import public_records_for
from sanctions.remedies import eligibility, repair, selectors
from sanctions.remedies.deadlines import deadline, deadline_rule_save
from tests.sanctions.payloads import licence_data
from tests.sanctions.remedies.helpers import (
    EXE,
    HTML,
    PDF,
    days_ago,
    good_materials,
    publish_listing,
    publish_penalty,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# -- eligibility ------------------------------------------------------------------------------------------
def test_a_recent_fine_can_be_repaired_from_the_end_of_its_minimum_period(
    clerk, reviewer, market_agency, enterprise
):
    record = publish_penalty(clerk, reviewer, market_agency, enterprise, decision_date=days_ago(10))
    result = eligibility.record_repair_eligibility(record=record)
    assert not result.can_apply and result.possible
    assert result.from_date == record.earliest_repair_date
    assert record.earliest_repair_date.isoformat() in result.reason


def test_a_fine_past_its_minimum_period_can_be_repaired_now(old_fine):
    result = eligibility.record_repair_eligibility(record=old_fine)
    assert result.can_apply
    assert result.ends_on == old_fine.publicity_end


def test_a_revoked_licence_can_never_end_early(clerk, reviewer, market_agency, enterprise):
    record = publish_penalty(
        clerk,
        reviewer,
        market_agency,
        enterprise,
        decision_date=days_ago(400),
        penalty_categories=["fine", "licence_revoked"],
    )
    result = eligibility.record_repair_eligibility(record=record)
    assert not result.can_apply and not result.possible
    assert "吊销许可证件" in result.reason and "never" in result.reason


def test_specific_serious_dishonesty_runs_its_full_period(clerk, reviewer, market_agency, enterprise):
    record = publish_penalty(
        clerk, reviewer, market_agency, enterprise, decision_date=days_ago(400), severity="specific_serious"
    )
    result = eligibility.record_repair_eligibility(record=record)
    assert not result.possible
    assert "full period" in result.reason


def test_a_warning_only_penalty_has_nothing_to_repair(clerk, reviewer, market_agency, enterprise):
    record = publish_penalty(
        clerk,
        reviewer,
        market_agency,
        enterprise,
        decision_date=days_ago(200),
        penalty_categories=["warning"],
        fine_amount="",
    )
    assert record.never_published
    result = eligibility.record_repair_eligibility(record=record)
    assert not result.possible and "warning-only" in result.reason


def test_a_licence_is_not_repaired(clerk, reviewer, market_agency, enterprise):
    record, _ = services.record_create(
        actor=clerk, agency=market_agency, kind="licence", data=licence_data(market_agency, enterprise)
    )
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)
    result = eligibility.record_repair_eligibility(record=record)
    assert not result.possible and "licences" in result.reason


def test_penalties_of_an_enterprise_on_the_dishonest_list_cannot_be_repaired_early(
    clerk, reviewer, market_agency, enterprise, old_fine
):
    publish_listing(clerk, reviewer, market_agency, enterprise, "dishonest")
    result = eligibility.record_repair_eligibility(record=old_fine)
    assert not result.can_apply and result.possible
    assert "严重失信主体名单" in result.reason


def test_which_lists_block_repair_is_data_an_administrator_can_change(
    clerk, reviewer, market_agency, enterprise, old_fine
):
    from sanctions.models import ListKind

    publish_listing(clerk, reviewer, market_agency, enterprise, "watch")
    assert eligibility.record_repair_eligibility(record=old_fine).can_apply  # a watch list does not block
    ListKind.objects.filter(code="watch").update(blocks_record_repair=True)
    assert not eligibility.record_repair_eligibility(record=old_fine).can_apply


def test_eligibility_lists_public_penalties_and_punitive_listings_but_not_red_lists(
    clerk, reviewer, market_agency, enterprise, old_fine
):
    publish_listing(clerk, reviewer, market_agency, enterprise, "watch", start_days_ago=10)
    publish_listing(clerk, reviewer, market_agency, enterprise, "red", start_days_ago=10)
    rows = eligibility.repair_eligibility_for(enterprise=enterprise)
    kinds = [(row.is_listing, getattr(row.target, "list_kind_id", None)) for row in rows]
    assert kinds == [(True, "watch"), (False, None)]
    watch = rows[0]
    assert not watch.can_apply and watch.possible
    assert watch.from_date == add_months(watch.target.start_date, 3)


def test_a_listing_can_be_removed_early_only_after_the_lists_published_months(
    clerk, reviewer, market_agency, enterprise
):
    early = publish_listing(clerk, reviewer, market_agency, enterprise, "dishonest", start_days_ago=100)
    assert not eligibility.listing_repair_eligibility(listing=early).can_apply
    Listing.objects.filter(pk=early.pk).update(start_date=timezone.localdate() - dt.timedelta(days=400))
    early.refresh_from_db()
    assert eligibility.listing_repair_eligibility(listing=early).can_apply


# -- applying ---------------------------------------------------------------------------------------------
def test_an_enterprise_account_applies_with_its_materials(application, old_fine, market_agency, media_root):
    assert application.status == "submitted"
    assert application.agency == market_agency
    assert application.decide_by == deadline("repair_decision", timezone.localdate())
    materials = list(application.materials.order_by("kind"))
    assert [(m.kind, m.content_type) for m in materials] == [
        ("commitment_letter", "application/pdf"),
        ("proof_of_performance", "image/png"),
    ]
    assert materials[0].sha256 == hashlib.sha256(PDF).hexdigest()
    assert materials[0].original_name == "承诺书.pdf"
    stored = Path(media_root) / materials[0].file.name
    assert stored.read_bytes() == PDF
    assert not stored.name.endswith(".pdf")  # stored under a random name, never the uploader's
    assert AuditEntry.objects.filter(action="repair.apply", target_id=str(application.pk)).exists()
    assert not eligibility.record_repair_eligibility(
        record=old_fine
    ).can_apply  # one open application at a time


def test_only_the_enterprises_own_account_may_apply(media_root, old_fine, other_account, clerk):
    for actor in (other_account, clerk):
        with pytest.raises(PermissionDenied):
            repair.repair_apply(actor=actor, record=old_fine, statement="x", materials=good_materials())
    assert not RepairApplication.objects.exists()


def test_applying_before_the_minimum_period_is_refused(
    media_root, clerk, reviewer, market_agency, enterprise, account
):
    record = publish_penalty(clerk, reviewer, market_agency, enterprise, decision_date=days_ago(10))
    with pytest.raises(ValidationError, match="minimum publicity period"):
        repair.repair_apply(actor=account, record=record, statement="已整改", materials=good_materials())


def test_a_second_application_while_one_is_open_is_refused(application, account, old_fine):
    with pytest.raises(ValidationError, match="being decided"):
        repair.repair_apply(actor=account, record=old_fine, statement="再次申请", materials=good_materials())


def test_the_statement_and_the_required_materials_are_required(media_root, account, old_fine):
    with pytest.raises(ValidationError) as caught:
        repair.repair_apply(
            actor=account,
            record=old_fine,
            statement=" ",
            materials=[("application_form", upload("form.pdf", PDF))],
        )
    errors = caught.value.message_dict
    assert set(errors) == {"statement", "commitment_letter", "proof_of_performance"}


@pytest.mark.parametrize(
    "name,content,claimed",
    [
        ("proof.pdf", EXE, "application/pdf"),  # an executable renamed .pdf
        ("receipt.png", HTML, "image/png"),  # an HTML page named .png
        ("receipt.jpg", b"\xff\xd8\xff\xe0" + HTML, "image/jpeg"),  # a JPEG signature on garbage
        ("empty.pdf", b"", "application/pdf"),
    ],
)
def test_files_are_judged_by_their_content_not_their_name(
    media_root, account, old_fine, name, content, claimed
):
    materials = [
        ("commitment_letter", upload("承诺书.pdf", PDF)),
        ("proof_of_performance", upload(name, content, claimed)),
    ]
    with pytest.raises(ValidationError) as caught:
        repair.repair_apply(actor=account, record=old_fine, statement="已整改", materials=materials)
    assert "proof_of_performance" in caught.value.message_dict
    assert not RepairApplication.objects.exists()
    assert not [p for p in Path(media_root).rglob("*") if p.is_file()]


def test_a_file_over_the_size_limit_is_refused(settings, media_root, account, old_fine):
    settings.REMEDY_UPLOAD_MAX_BYTES = 50
    with pytest.raises(ValidationError) as caught:
        repair.repair_apply(actor=account, record=old_fine, statement="已整改", materials=good_materials())
    assert "larger than" in " ".join(caught.value.message_dict["commitment_letter"])


def test_a_pdf_named_jpg_is_stored_as_what_it_is(media_root, account, old_fine):
    materials = [
        ("commitment_letter", upload("scan.jpg", PDF, "image/jpeg")),
        ("proof_of_performance", upload("receipt.pdf", PDF)),
    ]
    application = repair.repair_apply(actor=account, record=old_fine, statement="已整改", materials=materials)
    letter = application.materials.get(kind="commitment_letter")
    assert (letter.content_type, letter.original_name) == ("application/pdf", "scan.pdf")


# -- deciding ---------------------------------------------------------------------------------------------
def test_approval_ends_the_records_publicity_and_keeps_its_history(
    application, reviewer, old_fine, enterprise
):
    generation = enterprise_generation(enterprise.pk)
    repair.repair_approve(actor=reviewer, application=application, reason="已履行处罚，消除影响。")
    application.refresh_from_db()
    old_fine.refresh_from_db()
    assert application.status == "approved" and application.decided_by == reviewer
    assert old_fine.repaired_at is not None and old_fine.status == "published"
    assert old_fine not in public_records_for(enterprise=enterprise)
    event = RecordEvent.objects.get(record=old_fine, action="repair")
    assert event.comment == "已履行处罚，消除影响。"
    assert AuditEntry.objects.filter(action="record.repair", target_id=str(old_fine.pk)).exists()
    assert AuditEntry.objects.filter(action="repair.approve", target_id=str(application.pk)).exists()
    assert enterprise_generation(enterprise.pk) > generation


def test_rejection_needs_reasons_and_leaves_the_record_public(application, reviewer, old_fine, enterprise):
    with pytest.raises(ValidationError):
        repair.repair_reject(actor=reviewer, application=application, reason="  ")
    repair.repair_reject(actor=reviewer, application=application, reason="未提交罚款缴纳凭证原件。")
    application.refresh_from_db()
    assert application.status == "rejected"
    assert old_fine in public_records_for(enterprise=enterprise)
    assert eligibility.record_repair_eligibility(record=old_fine).can_apply  # may apply again


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "account", "registry_admin"])
def test_only_a_reviewer_of_the_deciding_agency_decides(application, request, who):
    actor = request.getfixturevalue(who)
    for decide in (repair.repair_approve, repair.repair_reject):
        with pytest.raises(PermissionDenied):
            decide(actor=actor, application=application, reason="理由")
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_decided_application_cannot_be_decided_again(application, reviewer):
    repair.repair_reject(actor=reviewer, application=application, reason="材料不全")
    with pytest.raises(ValidationError, match="already decided"):
        repair.repair_approve(actor=reviewer, application=application, reason="改变主意")


def test_approval_of_a_record_revoked_meanwhile_is_refused(application, reviewer, old_fine):
    services.record_revoke(actor=reviewer, record=old_fine, reason="复议撤销")
    with pytest.raises(ValidationError, match="no longer public"):
        repair.repair_approve(actor=reviewer, application=application, reason="同意")


def test_the_enterprise_may_withdraw_but_not_another(application, account, other_account):
    with pytest.raises(PermissionDenied):
        repair.repair_withdraw(actor=other_account, application=application)
    repair.repair_withdraw(actor=account, application=application)
    application.refresh_from_db()
    assert application.status == "withdrawn"
    with pytest.raises(ValidationError):
        repair.repair_withdraw(actor=account, application=application)


def test_approval_removes_a_listing_early(media_root, clerk, reviewer, market_agency, enterprise, account):
    listing = publish_listing(clerk, reviewer, market_agency, enterprise, "watch", start_days_ago=120)
    application = repair.repair_apply(
        actor=account, listing=listing, statement="已完成整改", materials=good_materials()
    )
    repair.repair_approve(actor=reviewer, application=application, reason="整改到位，提前移出。")
    listing.refresh_from_db()
    assert (listing.status, listing.removal_reason) == ("removed", "repaired")
    assert eligibility.repair_eligibility_for(enterprise=enterprise) == []


def test_the_overdue_queue_shows_open_applications_past_their_deadline(application, reviewer, other_clerk):
    assert list(selectors.repair_queue(user=reviewer, overdue_only=True)) == []
    RepairApplication.objects.filter(pk=application.pk).update(
        decide_by=timezone.localdate() - dt.timedelta(days=1)
    )
    assert list(selectors.repair_queue(user=reviewer, overdue_only=True)) == [application]
    assert list(selectors.repair_queue(user=other_clerk)) == []


# -- deadlines --------------------------------------------------------------------------------------------
def test_the_repair_decision_deadline_skips_the_national_day_holiday():
    # 2026-09-30 (Wed) + 10 working days: 1–7 October are holidays, Saturday 10 October is a working day.
    assert deadline("repair_decision", dt.date(2026, 9, 30)) == dt.date(2026, 10, 20)


def test_a_deadline_rule_changed_by_an_administrator_applies_from_its_effective_date(registry_admin, clerk):
    old = DeadlineRule.objects.get(kind="repair_decision")
    rule = DeadlineRule(
        kind="repair_decision",
        working_days=15,
        legal_basis="《某省信用修复办法》第十条",
        effective_from=dt.date(2026, 10, 1),
    )
    with pytest.raises(PermissionDenied):
        deadline_rule_save(actor=clerk, rule=rule)
    deadline_rule_save(actor=registry_admin, rule=rule)
    assert deadline("repair_decision", dt.date(2026, 9, 30)) == dt.date(2026, 10, 20)  # the old rule
    assert deadline("repair_decision", dt.date(2026, 10, 12)) == dt.date(2026, 11, 2)
    assert AuditEntry.objects.filter(action="catalogue.deadline_rule_save").count() == 1
    with pytest.raises(ValidationError):
        deadline_rule_save(
            actor=registry_admin,
            rule=DeadlineRule(
                kind="repair_decision", working_days=3, legal_basis="x", effective_from=old.effective_from
            ),
        )


def test_approval_puts_the_end_of_the_records_publicity_in_the_change_feed(
    application, reviewer, old_fine, enterprise
):
    from registry.models import ChangeEvent

    repair.repair_approve(actor=reviewer, application=application, reason="已履行处罚，消除影响。")
    event = ChangeEvent.objects.get(kind="record.repaired")
    assert event.subject == str(old_fine.record_key) and event.enterprise_uscc == enterprise.uscc
    assert event.payload == {
        "record_key": str(old_fine.record_key),
        "version": old_fine.version,
        "document_number": old_fine.document_number,
        "agency_uscc": old_fine.agency.uscc,
    }
