"""Credit commitments: recorded by a clerk, marked fulfilled or breached; a breach becomes a draft
dishonesty record that goes through the desk's review like any other."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from registry.models import AuditEntry
from sanctions.models import Commitment, CreditRecord
from sanctions.records import services
from sanctions.records.selectors import public_records_for
from sanctions.remedies import commitments, selectors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
TODAY = timezone.localdate
BASIS = "《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》（国办发〔2020〕42号）"


def record_commitment(actor, agency, enterprise, **overrides):
    values = {
        "kind": "notification",
        "content": "承诺在30日内补交消防安全检查合格证明。",
        "legal_basis": BASIS,
        "signed_on": TODAY() - dt.timedelta(days=40),
        "due_date": TODAY() - dt.timedelta(days=10),
    }
    values.update(overrides)
    return commitments.commitment_record(actor=actor, agency=agency, enterprise=enterprise, **values)


@pytest.fixture
def commitment(clerk, market_agency, enterprise):
    return record_commitment(clerk, market_agency, enterprise)


def test_a_clerk_records_a_commitment_and_it_is_public(commitment, clerk, enterprise):
    assert commitment.status == "open" and commitment.recorded_by == clerk
    assert list(selectors.public_commitments_for(enterprise=enterprise)) == [commitment]
    assert AuditEntry.objects.filter(action="commitment.record", target_id=str(commitment.pk)).exists()


@pytest.mark.parametrize("who", ["reviewer", "other_clerk", "registry_admin"])
def test_only_a_clerk_of_the_agency_records_commitments(request, market_agency, enterprise, who):
    with pytest.raises(PermissionDenied):
        record_commitment(request.getfixturevalue(who), market_agency, enterprise)
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"content": " "}, "content"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"kind": "promise"}, "kind"),
        ({"signed_on": TODAY() + dt.timedelta(days=1), "due_date": None}, "signed_on"),
        ({"due_date": TODAY() - dt.timedelta(days=100)}, "due_date"),
    ],
)
def test_a_commitment_needs_its_facts(clerk, market_agency, enterprise, overrides, field):
    with pytest.raises(ValidationError) as caught:
        record_commitment(clerk, market_agency, enterprise, **overrides)
    assert field in caught.value.message_dict


def test_the_agency_marks_it_fulfilled_once(commitment, reviewer, clerk, other_clerk):
    with pytest.raises(PermissionDenied):
        commitments.commitment_fulfil(actor=other_clerk, commitment=commitment)
    commitments.commitment_fulfil(actor=reviewer, commitment=commitment, note="已按期补交。")
    commitment.refresh_from_db()
    assert commitment.status == "fulfilled" and commitment.decided_by == reviewer
    with pytest.raises(ValidationError, match="already"):
        commitments.commitment_breach(actor=clerk, commitment=commitment, note="x")
    with pytest.raises(ValidationError, match="already"):
        commitments.commitment_fulfil(actor=reviewer, commitment=commitment)


def test_a_breach_creates_a_draft_dishonesty_record_for_the_agency(
    commitment, clerk, reviewer, market_agency, enterprise
):
    breached_on = TODAY() - dt.timedelta(days=5)
    commitments.commitment_breach(
        actor=clerk, commitment=commitment, note="逾期未补交消防安全检查合格证明。", breached_on=breached_on
    )
    commitment.refresh_from_db()
    record = commitment.breach_record
    assert commitment.status == "breached"
    assert record.status == "draft" and record.agency == market_agency and record.created_by == clerk
    assert record.kind == "penalty"
    assert record.enterprise == enterprise and record.party_uscc == enterprise.uscc
    assert record.party_name == enterprise.name
    assert record.violation_type == "违背信用承诺"
    assert record.penalty_categories == ["other"]
    assert record.legal_basis == BASIS
    assert record.decision_date == breached_on
    assert record.violation_facts == "逾期未补交消防安全检查合格证明。"
    assert commitment.content in record.content
    assert str(commitment.pk) in record.document_number
    assert (record.authority_uscc, record.source_unit_uscc) == (market_agency.uscc, market_agency.uscc)
    assert record not in public_records_for(enterprise=enterprise)
    # The clerk reviews the draft and submits it; a reviewer publishes it.
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)
    assert record in public_records_for(enterprise=enterprise)


def test_a_breach_needs_a_clerk_a_note_and_a_plausible_date(commitment, reviewer, clerk, other_clerk):
    with pytest.raises(PermissionDenied):
        commitments.commitment_breach(actor=reviewer, commitment=commitment, note="逾期")
    with pytest.raises(PermissionDenied):
        commitments.commitment_breach(actor=other_clerk, commitment=commitment, note="逾期")
    with pytest.raises(ValidationError) as caught:
        commitments.commitment_breach(actor=clerk, commitment=commitment, note=" ")
    assert "note" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        commitments.commitment_breach(
            actor=clerk, commitment=commitment, note="逾期", breached_on=TODAY() + dt.timedelta(days=1)
        )
    assert "breached_on" in caught.value.message_dict
    with pytest.raises(ValidationError):
        commitments.commitment_breach(
            actor=clerk,
            commitment=commitment,
            note="逾期",
            breached_on=commitment.signed_on - dt.timedelta(days=1),
        )
    commitment.refresh_from_db()
    assert commitment.status == "open"
    assert not CreditRecord.objects.exists()


def test_staff_see_their_agencys_commitments_and_the_overdue_ones(
    commitment, clerk, other_clerk, market_agency, enterprise
):
    later = record_commitment(clerk, market_agency, enterprise, due_date=TODAY() + dt.timedelta(days=10))
    assert set(selectors.commitments_for_staff(user=clerk)) == {commitment, later}
    assert list(selectors.commitments_for_staff(user=clerk, overdue_only=True)) == [commitment]
    assert list(selectors.commitments_for_staff(user=other_clerk)) == []
