"""Every transition of a credit record and every refusal, with its audit entry and history."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from registry.models import AuditEntry
from sanctions.models import CreditRecord, RecordEvent
from sanctions.records import services
from sanctions.records.selectors import public_records_for, review_queue
from tests.factories import EnterpriseFactory, enterprise_code
from tests.sanctions.payloads import licence_data, penalty_data

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州西湖建设工程有限公司")


def create(clerk, agency, enterprise, **overrides):
    record, created = services.record_create(
        actor=clerk, agency=agency, kind="penalty", data=penalty_data(agency, enterprise, **overrides)
    )
    assert created
    return record


def published(clerk, reviewer, agency, enterprise, **overrides):
    record = create(clerk, agency, enterprise, **overrides)
    services.record_submit(actor=clerk, record=record)
    return services.record_publish(actor=reviewer, record=record)


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


def test_clerk_creates_a_draft_with_computed_publicity(clerk, market_agency, enterprise):
    record = create(clerk, market_agency, enterprise)
    assert record.status == "draft" and record.enterprise == enterprise
    assert record.publicity_rule is not None and record.publicity_end > record.decision_date
    assert record.publish_deadline > record.decision_date
    assert AuditEntry.objects.filter(action="record.create.draft", target_id=str(record.pk)).exists()
    assert list(RecordEvent.objects.filter(record=record).values_list("action", flat=True)) == ["create"]


@pytest.mark.parametrize("persona", ["reviewer", "other_clerk", "registry_admin"])
def test_only_a_clerk_of_the_agency_creates(request, persona, market_agency, enterprise):
    with pytest.raises(PermissionDenied):
        create(request.getfixturevalue(persona), market_agency, enterprise)


def test_bad_party_code_names_the_expected_check_character(clerk, market_agency, enterprise):
    code = enterprise.uscc
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        create(clerk, market_agency, enterprise, party_uscc=wrong)
    assert f"“{code[17]}”" in errors_of(exc)["party_uscc"][0]


def test_placeholder_codes_are_refused(clerk, market_agency, enterprise):
    for placeholder in ["00000000000000000X", "111111111111111111"]:
        with pytest.raises(ValidationError) as exc:
            create(clerk, market_agency, enterprise, party_uscc=placeholder)
        assert "placeholder" in errors_of(exc)["party_uscc"][0]


def test_party_must_be_registered(clerk, market_agency, enterprise):
    with pytest.raises(ValidationError) as exc:
        create(clerk, market_agency, enterprise, party_uscc=enterprise_code(4242))
    assert "register the enterprise first" in errors_of(exc)["party_uscc"][0]


def test_party_found_by_a_legacy_identifier(clerk, market_agency):
    enterprise = EnterpriseFactory(registration_number="330106000012345")
    record = create(
        clerk, market_agency, enterprise, party_uscc="", party_registration_number="330106000012345"
    )
    assert record.enterprise == enterprise and record.party_uscc == enterprise.uscc


def test_authority_must_be_the_clerks_own_agency(clerk, market_agency, other_agency, enterprise):
    with pytest.raises(ValidationError) as exc:
        create(clerk, market_agency, enterprise, authority_uscc=other_agency.uscc)
    assert market_agency.uscc in errors_of(exc)["authority_uscc"][0]


def test_publicity_end_before_decision_date_is_refused(clerk, market_agency, enterprise):
    decision = dt.date.today() - dt.timedelta(days=10)
    with pytest.raises(ValidationError) as exc:
        create(
            clerk,
            market_agency,
            enterprise,
            declared_publicity_end=(decision - dt.timedelta(days=1)).isoformat(),
        )
    assert "before the decision date" in errors_of(exc)["declared_publicity_end"][0]


def test_a_fine_that_looks_keyed_in_yuan_needs_confirmation(clerk, market_agency, enterprise):
    with pytest.raises(ValidationError) as exc:
        create(clerk, market_agency, enterprise, fine_amount="50000")
    assert "keyed in yuan" in errors_of(exc)["fine_amount"][0]
    record = create(clerk, market_agency, enterprise, fine_amount="50000", fine_confirmed=True)
    assert record.fine_amount == 50000


def test_a_duplicate_document_number_links_to_the_existing_record(clerk, market_agency, enterprise):
    first = create(clerk, market_agency, enterprise)
    with pytest.raises(services.DuplicateRecord) as exc:
        create(clerk, market_agency, enterprise)
    assert exc.value.existing == first


def test_the_same_idempotency_key_returns_the_first_record(clerk, market_agency, enterprise):
    first, created = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise),
        idempotency_key="k1",
    )
    again, created_again = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="other"),
        idempotency_key="k1",
    )
    assert created and not created_again and again == first
    assert CreditRecord.objects.count() == 1


def test_future_decision_and_missing_fields_are_reported_together(clerk, market_agency, enterprise):
    with pytest.raises(ValidationError) as exc:
        create(
            clerk, market_agency, enterprise, decision_date="2999-01-01", content="", penalty_categories=[]
        )
    assert {"decision_date", "content", "penalty_categories"} <= set(errors_of(exc))


def test_submit_publish_and_public_view(clerk, reviewer, market_agency, enterprise):
    record = create(clerk, market_agency, enterprise)
    assert not public_records_for(enterprise=enterprise).exists()
    services.record_submit(actor=clerk, record=record)
    assert list(review_queue(user=reviewer)) == [record]
    services.record_publish(actor=reviewer, record=record)
    record.refresh_from_db()
    assert record.status == "published" and record.published_by == reviewer
    assert list(public_records_for(enterprise=enterprise)) == [record]


def test_the_author_cannot_publish_their_own_record(clerk, market_agency, enterprise):
    from registry.models import StaffRole

    StaffRole.objects.create(user=clerk, agency=market_agency, role="reviewer")
    record = create(clerk, market_agency, enterprise)
    services.record_submit(actor=clerk, record=record)
    with pytest.raises(ValidationError, match="four eyes"):
        services.record_publish(actor=clerk, record=record)


def test_a_clerk_cannot_publish_and_another_agencys_reviewer_cannot_either(
    clerk, market_agency, other_agency, enterprise
):
    from registry.models import StaffRole
    from tests.factories import UserFactory

    other_reviewer = UserFactory(username="other_reviewer")
    StaffRole.objects.create(user=other_reviewer, agency=other_agency, role="reviewer")
    record = create(clerk, market_agency, enterprise)
    services.record_submit(actor=clerk, record=record)
    for actor in (clerk, other_reviewer):
        with pytest.raises(PermissionDenied):
            services.record_publish(actor=actor, record=record)


def test_send_back_needs_a_comment_and_returns_a_draft(clerk, reviewer, market_agency, enterprise):
    record = create(clerk, market_agency, enterprise)
    services.record_submit(actor=clerk, record=record)
    with pytest.raises(ValidationError):
        services.record_send_back(actor=reviewer, record=record, comment=" ")
    services.record_send_back(actor=reviewer, record=record, comment="罚款金额有误")
    record.refresh_from_db()
    assert record.status == "draft" and record.review_comment == "罚款金额有误"


def test_only_drafts_are_edited_and_changes_are_recorded(clerk, reviewer, market_agency, enterprise):
    record = create(clerk, market_agency, enterprise)
    services.record_update(actor=clerk, record=record, data={"fine_amount": "6"})
    event = RecordEvent.objects.filter(record=record, action="edit").get()
    assert event.changes["fine_amount"] == ["5.000000", "6.000000"]
    services.record_submit(actor=clerk, record=record)
    with pytest.raises(ValidationError):
        services.record_update(actor=clerk, record=record, data={"fine_amount": "7"})


def test_a_correction_is_a_new_version_and_the_old_one_stays(clerk, reviewer, market_agency, enterprise):
    record = published(clerk, reviewer, market_agency, enterprise)
    with pytest.raises(ValidationError):
        services.record_correct(actor=clerk, record=record, data={"fine_amount": "3"}, reason="")
    new = services.record_correct(
        actor=clerk, record=record, data={"fine_amount": "3"}, reason="金额录入错误"
    )
    assert new.version == 2 and new.status == "submitted" and new.previous == record
    assert list(public_records_for(enterprise=enterprise)) == [record]
    services.record_publish(actor=reviewer, record=new)
    record.refresh_from_db()
    assert record.status == "corrected" and not record.is_current
    assert list(public_records_for(enterprise=enterprise)) == [new]
    actions = list(RecordEvent.objects.filter(record_key=record.record_key).values_list("action", flat=True))
    assert actions == ["create", "submit", "publish", "correct", "superseded", "publish"]


def test_revocation_leaves_public_view_at_once(clerk, reviewer, market_agency, enterprise):
    record = published(clerk, reviewer, market_agency, enterprise)
    with pytest.raises(ValidationError):
        services.record_revoke(actor=reviewer, record=record, reason="")
    services.record_revoke(actor=reviewer, record=record, reason="行政复议撤销原处罚决定")
    assert not public_records_for(enterprise=enterprise).exists()
    assert AuditEntry.objects.filter(action="record.revoke").count() == 1


def test_expired_records_leave_public_view_without_a_job(clerk, reviewer, market_agency, enterprise):
    # A circulated criticism by market regulation is public three months (SAMR Order 45).
    market_agency.publicity_system = "market_regulation"
    market_agency.save(update_fields=["publicity_system"])
    decision = dt.date.today() - dt.timedelta(days=200)
    record = published(
        clerk,
        reviewer,
        market_agency,
        enterprise,
        penalty_categories=["criticism"],
        fine_amount="",
        decision_date=decision.isoformat(),
    )
    assert record.publicity_end < dt.date.today()
    assert not public_records_for(enterprise=enterprise).exists()
    assert services.records_expire() == 1
    record.refresh_from_db()
    assert record.status == "expired"
    assert services.records_expire() == 0


@pytest.mark.parametrize("scope", ["government", "authorised"])
def test_non_public_scopes_are_never_shown(clerk, reviewer, market_agency, enterprise, scope):
    published(clerk, reviewer, market_agency, enterprise, usage_scope=scope)
    assert not public_records_for(enterprise=enterprise).exists()


def test_warning_only_penalty_is_recorded_but_never_public(clerk, reviewer, market_agency, enterprise):
    record = published(
        clerk, reviewer, market_agency, enterprise, penalty_categories=["warning"], fine_amount=""
    )
    assert record.never_published
    assert not public_records_for(enterprise=enterprise).exists()


def test_exemption_needs_a_reason(clerk, market_agency, enterprise):
    with pytest.raises(ValidationError) as exc:
        create(clerk, market_agency, enterprise, is_exempt=True)
    assert "exemption_reason" in errors_of(exc)
    record = create(clerk, market_agency, enterprise, is_exempt=True, exemption_reason="疫情不可抗力")
    assert record.is_exempt


def test_licence_is_public_until_it_expires(clerk, reviewer, market_agency, enterprise):
    record, _ = services.record_create(
        actor=clerk, agency=market_agency, kind="licence", data=licence_data(market_agency, enterprise)
    )
    assert record.publicity_end == record.valid_to and not record.early_repair_allowed
    with pytest.raises(ValidationError) as exc:
        services.record_create(
            actor=clerk,
            agency=market_agency,
            kind="licence",
            data=licence_data(market_agency, enterprise, document_number="X2", fine_amount="5"),
        )
    assert "fine_amount" in errors_of(exc)


def test_references_kept_by_django_still_protect_the_record(clerk, market_agency, enterprise):
    """The author, the rule and the import are not foreign keys in the database (a bulk import
    writes 10,000 records a second): Django's on_delete keeps them."""
    from django.db.models import ProtectedError

    from sanctions.models import ImportBatch

    record = create(clerk, market_agency, enterprise)
    batch = ImportBatch.objects.create(
        agency=market_agency, uploaded_by=clerk, original_name="a.csv", sha256="0" * 64
    )
    CreditRecord.objects.filter(pk=record.pk).update(import_batch=batch)

    with pytest.raises(ProtectedError) as refused:
        record.publicity_rule.delete()
    assert record in refused.value.protected_objects
    with pytest.raises(ProtectedError) as refused:
        clerk.delete()
    assert record in refused.value.protected_objects
    batch.delete()
    record.refresh_from_db()
    assert record.import_batch is None and record.publicity_rule is not None
