"""Writing records through the API: creation through the service, the national field codes, invalid
input, idempotency, edits, and a record's whole life driven by an agency's system with an API token."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.choices import StaffRoleKind
from registry.models import AuditEntry, StaffRole
from sanctions.models import CreditRecord
from sanctions.records import services
from tests.factories import agency_code
from tests.sanctions.payloads import penalty_data
from tests.sanctions.records.api.helpers import RECORDS, client_for, errors_by_field, published
from tests.sanctions.records.legacy import LEGACY_CODES, register_legacy, unflagged

pytestmark = [pytest.mark.django_db]


def test_clerk_creates_a_record_through_the_service(clerk_api, clerk, market_agency, enterprise):
    response = clerk_api.post(
        RECORDS, {"kind": "penalty", **penalty_data(market_agency, enterprise)}, format="json"
    )
    assert response.status_code == 201, response.content
    record = CreditRecord.objects.get()
    assert response.json()["id"] == record.pk
    assert response["Location"].endswith(f"{RECORDS}{record.pk}/")
    assert "Idempotent-Replayed" not in response
    assert (record.status, record.agency, record.enterprise, record.created_by) == (
        "draft",
        market_agency,
        enterprise,
        clerk,
    )
    assert str(record.fine_amount) == "5.000000"
    assert AuditEntry.objects.filter(
        action="record.create.draft", target_id=str(record.pk), actor=clerk
    ).exists()


def test_create_and_submit_at_once(clerk_api, market_agency, enterprise):
    response = clerk_api.post(
        RECORDS, {"kind": "penalty", "submit": True, **penalty_data(market_agency, enterprise)}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "submitted"
    assert [e["action"] for e in response.json()["history"]] == ["create", "submit"]


def test_the_national_field_codes_are_accepted_as_keys(clerk_api, market_agency, enterprise):
    data = penalty_data(market_agency, enterprise)
    body = {
        "CF_XDR_MC": data["party_name"],
        "CF_XDR_SHXYM": data["party_uscc"],
        "CF_WSH": "杭市监罚〔2026〕7号",
        "CF_WFXW": data["violation_type"],
        "CF_YJ": data["legal_basis"],
        "CF_CFLB": ["fine"],
        "CF_NR": data["content"],
        "CF_NR_FK": "2.5",
        "CF_JDRQ": data["decision_date"],
        "CF_CFJG": data["authority_name"],
        "CF_CFJGDM": data["authority_uscc"],
        "CF_SJLY": data["source_unit_name"],
        "CF_SJLYDM": data["source_unit_uscc"],
        "BZ": "经复核",
    }
    response = clerk_api.post(RECORDS, body, format="json")
    assert response.status_code == 201, response.content
    record = CreditRecord.objects.get()
    assert (record.kind, record.document_number, record.fine_amount, record.remarks) == (
        "penalty",
        "杭市监罚〔2026〕7号",
        2.5,
        "经复核",
    )


def test_a_field_given_both_by_name_and_by_code_is_refused(clerk_api, market_agency, enterprise):
    body = {"kind": "penalty", **penalty_data(market_agency, enterprise), "CF_WSH": "another number"}
    response = clerk_api.post(RECORDS, body, format="json")
    assert response.status_code == 400
    assert "document_number is given twice." in errors_by_field(response)["CF_WSH"]


def test_a_wrong_check_character_names_the_field_and_the_expected_character(
    clerk_api, market_agency, enterprise
):
    code = enterprise.uscc
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    response = clerk_api.post(
        RECORDS,
        {"kind": "penalty", **penalty_data(market_agency, enterprise, party_uscc=wrong)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input."
    [message] = errors_by_field(response)["party_uscc"]
    assert f"should be “{code[17]}”" in message
    assert not CreditRecord.objects.exists()


def test_a_placeholder_code_is_refused(clerk_api, market_agency, enterprise):
    response = clerk_api.post(
        RECORDS,
        {"kind": "penalty", **penalty_data(market_agency, enterprise, party_uscc="00000000000000000X")},
        format="json",
    )
    assert response.status_code == 400
    assert "placeholder" in errors_by_field(response)["party_uscc"][0]


def test_the_deciding_authority_must_be_the_own_agency(clerk_api, market_agency, other_agency, enterprise):
    response = clerk_api.post(
        RECORDS,
        {"kind": "penalty", **penalty_data(market_agency, enterprise, authority_uscc=other_agency.uscc)},
        format="json",
    )
    assert response.status_code == 400
    [message] = errors_by_field(response)["authority_uscc"]
    assert "must be your own agency" in message and market_agency.uscc in message


def test_the_input_serializer_checks_shape_before_the_service(clerk_api, market_agency, enterprise):
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    body = {
        "kind": "fine",
        **penalty_data(
            market_agency,
            enterprise,
            source_unit_uscc="123",
            severity="catastrophic",
            fine_amount="-1",
            party_name="名" * 201,
        ),
        "colour": "red",
    }
    response = clerk_api.post(RECORDS, body, format="json")
    assert response.status_code == 400
    errors = errors_by_field(response)
    assert errors["colour"] == ["Unknown field."]
    assert set(errors) == {"colour"}  # unknown keys are refused before anything else
    del body["colour"]
    errors = errors_by_field(clerk_api.post(RECORDS, body, format="json"))
    assert set(errors) == {"kind", "source_unit_uscc", "severity", "fine_amount", "party_name"}
    body = {"kind": "penalty", **penalty_data(market_agency, enterprise, decision_date=future)}
    errors = errors_by_field(clerk_api.post(RECORDS, body, format="json"))
    assert errors == {"decision_date": ["The decision date cannot be in the future."]}
    response = clerk_api.post(RECORDS, {"kind": "penalty"}, format="json")
    assert {"party_name", "document_number", "decision_date", "authority_uscc"} <= set(
        errors_by_field(response)
    )
    assert not CreditRecord.objects.exists()


def test_the_same_document_number_returns_the_first_record(clerk_api, market_agency, enterprise):
    body = {"kind": "penalty", **penalty_data(market_agency, enterprise)}
    first = clerk_api.post(RECORDS, body, format="json")
    again = clerk_api.post(RECORDS, {**body, "content": "罚款人民币六万元"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["content"] == "罚款人民币五万元"
    assert again["Idempotent-Replayed"] == "true"
    assert CreditRecord.objects.count() == 1
    assert AuditEntry.objects.filter(action__startswith="record.create").count() == 1


def test_the_same_idempotency_key_returns_the_first_record(clerk_api, market_agency, enterprise):
    first = clerk_api.post(
        RECORDS,
        {"kind": "penalty", **penalty_data(market_agency, enterprise)},
        format="json",
        HTTP_IDEMPOTENCY_KEY="case-4711",
    )
    again = clerk_api.post(
        RECORDS,
        {"kind": "penalty", **penalty_data(market_agency, enterprise, document_number="另一个文号")},
        format="json",
        HTTP_IDEMPOTENCY_KEY="case-4711",
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["document_number"] == "杭市监罚〔2026〕101号"
    assert again["Idempotent-Replayed"] == "true"
    assert CreditRecord.objects.count() == 1
    too_long = clerk_api.post(RECORDS, {"kind": "penalty"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert too_long.status_code == 400 and "Idempotency-Key" in errors_by_field(too_long)


def test_a_clerk_of_several_agencies_records_for_the_deciding_one(
    clerk, market_agency, other_agency, enterprise
):
    StaffRole.objects.create(user=clerk, agency=other_agency, role=StaffRoleKind.CLERK)
    client = client_for(clerk)
    response = client.post(
        RECORDS, {"kind": "penalty", **penalty_data(other_agency, enterprise)}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["agency"]["uscc"] == other_agency.uscc
    body = {
        "kind": "penalty",
        **penalty_data(market_agency, enterprise, authority_uscc=agency_code(999), document_number="N2"),
    }
    response = client.post(RECORDS, body, format="json")
    assert response.status_code == 400
    assert "give the USCC of the one that records this decision" in errors_by_field(response)["agency"][0]
    response = client.post(RECORDS, {**body, "agency": market_agency.uscc}, format="json")
    assert response.status_code == 400 and "authority_uscc" in errors_by_field(response)
    response = client.post(RECORDS, {**body, "agency": agency_code(999)}, format="json")
    assert errors_by_field(response) == {"agency": ["No agency has this code."]}


def test_clerk_edits_a_draft_but_not_a_published_record(
    clerk_api, clerk, reviewer, market_agency, enterprise, draft
):
    response = clerk_api.patch(
        f"{RECORDS}{draft.pk}/", {"CF_NR": "罚款人民币四万元", "fine_amount": "4"}, format="json"
    )
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert (draft.content, str(draft.fine_amount)) == ("罚款人民币四万元", "4.000000")
    assert AuditEntry.objects.filter(action="record.edit", target_id=str(draft.pk)).exists()
    response = clerk_api.patch(f"{RECORDS}{draft.pk}/", {"party_uscc": "00000000000000000X"}, format="json")
    assert response.status_code == 400 and "party_uscc" in errors_by_field(response)
    public = published(clerk, reviewer, market_agency, enterprise, document_number="N2")
    response = clerk_api.patch(f"{RECORDS}{public.pk}/", {"remarks": "x"}, format="json")
    assert response.status_code == 400
    [message] = errors_by_field(response)[None]
    assert "correct a published record instead" in message


def test_reviewer_sends_a_record_back_with_a_comment(reviewer_api, clerk, draft):
    services.record_submit(actor=clerk, record=draft)
    response = reviewer_api.post(f"{RECORDS}{draft.pk}/send-back/", {"comment": ""}, format="json")
    assert response.status_code == 400 and "comment" in errors_by_field(response)
    response = reviewer_api.post(
        f"{RECORDS}{draft.pk}/send-back/", {"comment": "请补充违法事实"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["review_comment"]) == ("draft", "请补充违法事实")
    response = reviewer_api.post(f"{RECORDS}{draft.pk}/send-back/", {"comment": "again"}, format="json")
    assert response.status_code == 400
    assert "cannot be sent back" in errors_by_field(response)[None][0]


def test_a_records_whole_life_driven_by_an_agency_token(token_api, reviewer_api, market_agency, enterprise):
    response = token_api.post(
        RECORDS, {"kind": "penalty", **penalty_data(market_agency, enterprise)}, format="json"
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert token_api.post(f"{RECORDS}{pk}/submit/").json()["status"] == "submitted"

    # The token's account wrote the record: it may not approve it too (four eyes).
    refused = token_api.post(f"{RECORDS}{pk}/publish/")
    assert refused.status_code == 400
    assert errors_by_field(refused) == {
        None: ["You wrote this record: another reviewer must approve it (four eyes)."]
    }
    published_now = reviewer_api.post(f"{RECORDS}{pk}/publish/")
    assert published_now.status_code == 200
    assert (published_now.json()["status"], published_now.json()["published_by"]) == ("published", "reviewer")

    correction = token_api.post(
        f"{RECORDS}{pk}/correct/",
        {"fine_amount": "3", "content": "罚款人民币三万元", "reason": "金额录入错误"},
        format="json",
    )
    assert correction.status_code == 201, correction.content
    v2 = correction.json()
    assert (v2["version"], v2["status"], v2["change_reason"]) == (2, "submitted", "金额录入错误")
    assert correction["Location"].endswith(f"{RECORDS}{v2['id']}/")
    assert token_api.get(f"{RECORDS}{pk}/").json()["status"] == "published"
    assert reviewer_api.post(f"{RECORDS}{v2['id']}/publish/").status_code == 200
    v1 = token_api.get(f"{RECORDS}{pk}/").json()
    assert (v1["status"], v1["is_current"]) == ("corrected", False)
    assert [(v["version"], v["status"]) for v in v1["versions"]] == [(1, "corrected"), (2, "published")]

    response = token_api.post(f"{RECORDS}{v2['id']}/revoke/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in errors_by_field(response)
    response = token_api.post(f"{RECORDS}{v2['id']}/revoke/", {"reason": "行政复议撤销"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["revoked_reason"]) == ("revoked", "行政复议撤销")
    actions = [e["action"] for e in response.json()["history"]]
    assert actions == ["create", "submit", "publish", "correct", "superseded", "publish", "revoke"]
    assert AuditEntry.objects.filter(action="record.revoke", target_id=str(v2["id"])).exists()


def test_correcting_a_draft_is_refused_with_a_message(clerk_api, draft):
    response = clerk_api.post(f"{RECORDS}{draft.pk}/correct/", {"reason": "x", "remarks": "y"}, format="json")
    assert response.status_code == 400
    assert "cannot be corrected" in errors_by_field(response)[None][0]
    assert CreditRecord.objects.count() == 1


def test_a_party_registered_under_a_legacy_code_gets_a_record_through_the_api(
    token_api, market_agency, registry_admin
):
    legacy = register_legacy(registry_admin, LEGACY_CODES[1])
    data = penalty_data(market_agency, legacy)
    body = {"kind": "penalty", **data, "party_uscc": f"{LEGACY_CODES[1][:8]} {LEGACY_CODES[1][8:]}".lower()}

    response = token_api.post(RECORDS, body, format="json")

    assert response.status_code == 201, response.content
    record = CreditRecord.objects.get()
    assert (record.enterprise, record.party_uscc) == (legacy, LEGACY_CODES[1])


def test_a_code_failing_its_check_is_refused_by_the_api_unless_registered_as_legacy(
    token_api, market_agency, registry_admin
):
    register_legacy(registry_admin, LEGACY_CODES[0])
    held = unflagged(LEGACY_CODES[1])

    response = token_api.post(
        RECORDS, {"kind": "penalty", **penalty_data(market_agency, held)}, format="json"
    )

    assert response.status_code == 400
    assert "check character (18) should be" in " ".join(errors_by_field(response)["party_uscc"])
    assert not CreditRecord.objects.exists()
