"""Objections: anyone objects, the record is under objection at once, the deadlines in working days,
forwarding, the source agency's outcome, and the objector being told."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from registry.models import AuditEntry
from sanctions.models import CreditRecord, Objection
from sanctions.records import services
from sanctions.records.selectors import public_records_for
from sanctions.remedies import objections, selectors
from tests.sanctions.payloads import penalty_data
from tests.sanctions.remedies.helpers import (
    EXE,
    HTML,
    PDF,
    days_ago,
    png_bytes,
    publish_listing,
    publish_penalty,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def record(clerk, reviewer, market_agency, enterprise):
    return publish_penalty(clerk, reviewer, market_agency, enterprise, decision_date=days_ago(20))


def submit(target, contact="zhang@example.com", **kwargs):
    kind = "listing" if target.__class__.__name__ == "Listing" else "record"
    return objections.objection_submit(
        objector_name="张三", contact=contact, reason="处罚决定已被复议撤销。", **{kind: target}, **kwargs
    )


@pytest.fixture
def objection(record):
    found, _key = submit(record)
    return found


@pytest.fixture
def on_day(monkeypatch):
    """Pretend today is another day (the calendar of deadlines depends on it)."""

    def travel(day: dt.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return travel


# -- receiving ---------------------------------------------------------------------------------------------
def test_anyone_objects_and_the_record_is_under_objection_at_once(record, media_root):
    assert selectors.records_under_objection([record.pk]) == set()
    objection, key = submit(
        record, evidence=[upload("复议决定书.pdf", PDF), upload("照片.png", png_bytes(), "image/png")]
    )
    assert objection.status == "received"
    assert objection.agency == record.agency
    assert selectors.records_under_objection([record.pk]) == {record.pk}
    assert objection.follow_token_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in objection.follow_token_hash
    assert objection.evidence.count() == 2
    assert AuditEntry.objects.filter(
        action="objection.submit", target_id=str(objection.pk), actor_label="public"
    ).exists()
    entry = AuditEntry.objects.get(action="objection.submit")
    assert "zhang@example.com" not in str(entry.after)


def test_deadlines_of_an_objection_received_before_national_day(
    clerk,
    reviewer,
    market_agency,
    enterprise,
    registry_admin,
    on_day,
):
    record = publish_penalty(clerk, reviewer, market_agency, enterprise, decision_date="2026-09-01")
    on_day(dt.date(2026, 9, 30))  # a Wednesday; 1–7 October are holidays, Saturday 10 October is worked
    objection, _key = submit(record)
    assert objection.mark_by == dt.date(2026, 10, 8)  # 1 working day
    assert objection.forward_by == dt.date(2026, 10, 9)  # 2 working days
    assert objection.decide_by == dt.date(2026, 10, 13)  # 5 working days if the platform decides itself
    on_day(dt.date(2026, 10, 9))
    objections.objection_forward(actor=registry_admin, objection=objection)
    objection.refresh_from_db()
    assert objection.decide_by == dt.date(2026, 10, 15)  # the source's 5 working days from forwarding
    on_day(dt.date(2026, 10, 16))
    assert selectors.objection_lateness(objection) == ["decide"]


def test_only_a_public_record_can_be_objected_to(clerk, market_agency, enterprise):
    draft, _ = services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, enterprise)
    )
    with pytest.raises(ValidationError, match="public"):
        submit(draft)
    assert not Objection.objects.exists()


def test_name_contact_and_reason_are_required(record):
    with pytest.raises(ValidationError) as caught:
        objections.objection_submit(objector_name="", contact=" ", reason="", record=record)
    assert set(caught.value.message_dict) == {"objector_name", "contact", "reason"}


@pytest.mark.parametrize("name,content", [("evidence.pdf", EXE), ("evidence.png", HTML)])
def test_evidence_is_checked_by_content(record, media_root, name, content):
    with pytest.raises(ValidationError) as caught:
        submit(record, evidence=[upload(name, content)])
    assert "evidence" in caught.value.message_dict
    assert not Objection.objects.exists()
    assert not [p for p in Path(media_root).rglob("*") if p.is_file()]


def test_the_follow_up_key_opens_the_objection_and_nothing_else_does(record):
    objection, key = submit(record)
    assert selectors.objection_follow_get(reference=objection.reference, key=key) == objection
    assert selectors.objection_follow_get(reference=objection.reference, key=key + "x") is None
    assert selectors.objection_follow_get(reference=objection.reference, key="") is None
    assert selectors.objection_follow_get(reference="YY00000000XXXXXX", key=key) is None


# -- forwarding --------------------------------------------------------------------------------------------
def test_the_platform_forwards_once(objection, registry_admin, clerk):
    with pytest.raises(PermissionDenied):
        objections.objection_forward(actor=clerk, objection=objection)
    objections.objection_forward(actor=registry_admin, objection=objection)
    objection.refresh_from_db()
    assert objection.status == "forwarded" and objection.forwarded_at is not None
    with pytest.raises(ValidationError):
        objections.objection_forward(actor=registry_admin, objection=objection)


# -- outcomes ----------------------------------------------------------------------------------------------
def test_upheld_with_reasons_and_the_objector_is_written_to(
    objection, record, clerk, mailoutbox, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError):
        objections.objection_uphold(actor=clerk, objection=objection, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        objections.objection_uphold(actor=clerk, objection=objection, reason="经核实，处罚决定合法有效。")
    objection.refresh_from_db()
    assert objection.status == "upheld" and objection.decided_by == clerk
    assert objection.objector_notified_at is not None
    assert selectors.records_under_objection([record.pk]) == set()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["zhang@example.com"]
    assert objection.reference in mailoutbox[0].subject
    assert "经核实，处罚决定合法有效。" in mailoutbox[0].body
    record.refresh_from_db()
    assert record.status == "published"


def test_an_objector_who_gave_a_phone_number_gets_no_mail(
    record, clerk, mailoutbox, django_capture_on_commit_callbacks
):
    objection, _key = submit(record, contact="13800138000")
    with django_capture_on_commit_callbacks(execute=True):
        objections.objection_uphold(actor=clerk, objection=objection, reason="合法有效")
    assert mailoutbox == []
    objection.refresh_from_db()
    assert objection.objector_notified_at is None


@pytest.mark.parametrize("who", ["other_clerk", "account_less_user"])
def test_staff_of_another_agency_cannot_decide(objection, request, who):
    if who == "account_less_user":
        from tests.factories import UserFactory

        actor = UserFactory(username="nobody")
    else:
        actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        objections.objection_uphold(actor=actor, objection=objection, reason="x")
    with pytest.raises(PermissionDenied):
        objections.objection_revoke(actor=actor, objection=objection, reason="x")
    with pytest.raises(PermissionDenied):
        objections.objection_correct(actor=actor, objection=objection, data={}, reason="x")
    objection.refresh_from_db()
    assert objection.status == "received"


def test_the_platform_may_uphold_but_not_revoke(objection, registry_admin):
    with pytest.raises(PermissionDenied):
        objections.objection_revoke(actor=registry_admin, objection=objection, reason="x")
    objections.objection_uphold(actor=registry_admin, objection=objection, reason="数据与来源一致。")
    objection.refresh_from_db()
    assert objection.status == "upheld"


def test_revoked_the_record_leaves_public_view(
    objection,
    record,
    enterprise,
    clerk,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        objections.objection_revoke(actor=clerk, objection=objection, reason="处罚决定已被复议撤销。")
    record.refresh_from_db()
    objection.refresh_from_db()
    assert record.status == "revoked"
    assert objection.status == "revoked"
    assert record not in public_records_for(enterprise=enterprise)
    assert "Record revoked" in mailoutbox[0].subject


def test_corrected_a_new_version_goes_to_review(
    objection,
    record,
    enterprise,
    clerk,
    reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with pytest.raises(ValidationError):
        objections.objection_correct(
            actor=clerk, objection=objection, data={"fine_amount": "0.5"}, reason=" "
        )
    with django_capture_on_commit_callbacks(execute=True):
        new = objections.objection_correct(
            actor=clerk,
            objection=objection,
            data={"fine_amount": "0.5"},
            reason="罚款金额录入错误，应为五千元。",
        )
    objection.refresh_from_db()
    assert objection.status == "corrected"
    assert (new.version, new.status, new.previous_id) == (2, "submitted", record.pk)
    assert len(mailoutbox) == 1
    services.record_publish(actor=reviewer, record=new)
    shown = list(public_records_for(enterprise=enterprise))
    assert [r.pk for r in shown] == [new.pk]
    assert str(shown[0].fine_amount.normalize()) == "0.5"


def test_a_decided_objection_is_not_decided_again(objection, clerk):
    objections.objection_uphold(actor=clerk, objection=objection, reason="合法有效")
    with pytest.raises(ValidationError, match="already decided"):
        objections.objection_revoke(actor=clerk, objection=objection, reason="撤销")


def test_an_objection_follows_the_record_to_its_corrected_version(objection, record, clerk, reviewer):
    new = services.record_correct(actor=clerk, record=record, data={"fine_amount": "0.6"}, reason="更正")
    services.record_publish(actor=reviewer, record=new)
    assert selectors.records_under_objection([new.pk]) == {new.pk}


# -- listings ----------------------------------------------------------------------------------------------
def test_objection_to_a_listing_and_its_revocation(clerk, reviewer, market_agency, enterprise):
    listing = publish_listing(clerk, reviewer, market_agency, enterprise, "watch")
    objection, _key = submit(listing)
    assert selectors.listings_under_objection([listing.pk]) == {listing.pk}
    with pytest.raises(ValidationError):
        objections.objection_correct(actor=clerk, objection=objection, data={}, reason="x")
    objections.objection_revoke(actor=clerk, objection=objection, reason="列入决定已撤销。")
    listing.refresh_from_db()
    assert (listing.status, listing.removal_reason) == ("removed", "revoked")
    assert selectors.listings_under_objection([listing.pk]) == set()


# -- the agency's queue ------------------------------------------------------------------------------------
def test_the_queue_shows_the_agencys_objections_only(objection, clerk, other_clerk, registry_admin):
    assert list(selectors.objection_queue(user=clerk)) == [objection]
    assert list(selectors.objection_queue(user=other_clerk)) == []
    assert list(selectors.objection_queue(user=registry_admin)) == [objection]


def test_late_objections_are_flagged(objection):
    Objection.objects.filter(pk=objection.pk).update(
        forward_by=timezone.localdate() - dt.timedelta(days=1),
        decide_by=timezone.localdate() - dt.timedelta(days=1),
    )
    objection.refresh_from_db()
    assert selectors.objection_lateness(objection) == ["forward", "decide"]


def test_records_under_objection_answers_in_one_query(record, django_assert_num_queries):
    submit(record)
    other = list(CreditRecord.objects.exclude(pk=record.pk).values_list("pk", flat=True))
    with django_assert_num_queries(1):
        assert selectors.records_under_objection([record.pk, *other]) == {record.pk}
