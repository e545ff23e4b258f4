"""The records API: who may read and write, filters, creation through the service, invalid input,
idempotency, and a record's whole life driven by an agency's system with an API token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from registry.choices import StaffRoleKind
from registry.models import AuditEntry, StaffRole
from registry.tokens import token_issue
from sanctions.models import CreditRecord
from sanctions.records import services
from tests.factories import EnterpriseFactory, UserFactory, agency_code
from tests.sanctions.payloads import licence_data, penalty_data

pytestmark = [pytest.mark.django_db]

RECORDS = "/api/v1/records/"
ACTIONS = ["submit", "publish", "send-back", "correct", "revoke"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州西湖建设工程有限公司")


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def token_client(agency, issuer, *, read_only: bool = False) -> APIClient:
    _token, key = token_issue(actor=issuer, agency=agency, name="案件管理系统", read_only=read_only)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def token_api(market_agency, agency_admin):
    return token_client(market_agency, agency_admin)


@pytest.fixture
def read_only_api(market_agency, agency_admin):
    return token_client(market_agency, agency_admin, read_only=True)


@pytest.fixture
def clerk_api(clerk):
    return client_for(clerk)


@pytest.fixture
def reviewer_api(reviewer):
    return client_for(reviewer)


@pytest.fixture
def other_clerk_api(other_clerk):
    return client_for(other_clerk)


@pytest.fixture
def draft(clerk, market_agency, enterprise):
    record, _ = services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, enterprise)
    )
    return record


def published(clerk, reviewer, agency, enterprise, **overrides):
    record, _ = services.record_create(
        actor=clerk,
        agency=agency,
        kind="penalty",
        data=penalty_data(agency, enterprise, **overrides),
        submit=True,
    )
    return services.record_publish(actor=reviewer, record=record)


def errors_by_field(response) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in response.json()["errors"]:
        out.setdefault(error["field"], []).append(error["message"])
    return out


# --- Who may do what ------------------------------------------------------------------------------


def test_anonymous_is_asked_for_credentials_everywhere(api, draft):
    for method, url in [
        ("get", RECORDS),
        ("get", f"{RECORDS}{draft.pk}/"),
        ("post", RECORDS),
        ("patch", f"{RECORDS}{draft.pk}/"),
        *[("post", f"{RECORDS}{draft.pk}/{name}/") for name in ACTIONS],
    ]:
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 401, (method, url)
        assert response["WWW-Authenticate"] == "Bearer"
    assert CreditRecord.objects.get().status == "draft"


def test_a_signed_in_user_who_works_for_no_agency_is_refused(draft):
    response = client_for(UserFactory(username="citizen")).get(RECORDS)
    assert response.status_code == 403
    assert "agency's staff" in response.json()["detail"]


def test_another_agencys_clerk_neither_sees_nor_touches_the_record(other_clerk_api, draft):
    assert other_clerk_api.get(RECORDS).json()["count"] == 0
    assert other_clerk_api.get(f"{RECORDS}{draft.pk}/").status_code == 404
    assert other_clerk_api.patch(f"{RECORDS}{draft.pk}/", {"remarks": "x"}, format="json").status_code == 404
    for name in ACTIONS:
        response = other_clerk_api.post(
            f"{RECORDS}{draft.pk}/{name}/", {"comment": "x", "reason": "x"}, format="json"
        )
        assert response.status_code == 404, name
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.remarks == ""


def test_another_agencys_clerk_cannot_record_for_this_agency(other_clerk_api, market_agency, enterprise):
    response = other_clerk_api.post(
        RECORDS,
        {"kind": "penalty", "agency": market_agency.uscc, **penalty_data(market_agency, enterprise)},
        format="json",
    )
    assert response.status_code == 403
    assert "Only a clerk of" in response.json()["detail"]
    assert not CreditRecord.objects.exists()


def test_a_read_only_token_reads_but_every_write_is_refused(read_only_api, market_agency, enterprise, draft):
    assert read_only_api.get(RECORDS).json()["count"] == 1
    assert read_only_api.get(f"{RECORDS}{draft.pk}/").json()["document_number"] == draft.document_number
    writes = [
        (
            "post",
            RECORDS,
            {"kind": "penalty", **penalty_data(market_agency, enterprise, document_number="N2")},
        ),
        ("patch", f"{RECORDS}{draft.pk}/", {"remarks": "changed"}),
        *[("post", f"{RECORDS}{draft.pk}/{name}/", {"comment": "x", "reason": "x"}) for name in ACTIONS],
    ]
    for method, url, body in writes:
        response = getattr(read_only_api, method)(url, body, format="json")
        assert response.status_code == 403, url
        assert response.json()["detail"] == "This API token is read-only."
    assert CreditRecord.objects.count() == 1
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.remarks == ""


def test_a_reviewer_reads_but_may_not_record(reviewer_api, market_agency, enterprise, draft):
    assert reviewer_api.get(RECORDS).json()["count"] == 1
    response = reviewer_api.post(
        RECORDS,
        {"kind": "penalty", **penalty_data(market_agency, enterprise, document_number="N2")},
        format="json",
    )
    assert response.status_code == 403
    assert "Only a clerk of" in response.json()["detail"]


def test_a_clerk_may_not_publish(clerk_api, clerk, draft):
    services.record_submit(actor=clerk, record=draft)
    response = clerk_api.post(f"{RECORDS}{draft.pk}/publish/")
    assert response.status_code == 403
    assert "Only a reviewer of" in response.json()["detail"]
    draft.refresh_from_db()
    assert draft.status == "submitted"


# --- Reads ------------------------------------------------------------------------------------------


def test_clerk_lists_only_the_own_agencys_records(clerk_api, draft, other_clerk, other_agency):
    services.record_create(
        actor=other_clerk,
        agency=other_agency,
        kind="penalty",
        data=penalty_data(other_agency, EnterpriseFactory()),
    )
    body = clerk_api.get(RECORDS).json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == draft.pk
    assert body["results"][0]["agency"]["uscc"] == draft.agency.uscc


def test_list_filters(clerk_api, clerk, reviewer, market_agency, enterprise):
    other_party = EnterpriseFactory()
    old = published(
        clerk,
        reviewer,
        market_agency,
        enterprise,
        document_number="罚2020-1",
        decision_date=(dt.date.today() - dt.timedelta(days=400)).isoformat(),
    )
    warning, _ = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(
            market_agency,
            other_party,
            document_number="罚-警告",
            penalty_categories=["warning"],
            fine_amount=None,
        ),
    )
    licence, _ = services.record_create(
        actor=clerk, agency=market_agency, kind="licence", data=licence_data(market_agency, enterprise)
    )

    def ids(**params):
        response = clerk_api.get(RECORDS, params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert ids(kind="licence") == {licence.pk}
    assert ids(status="published") == {old.pk}
    assert ids(enterprise=other_party.uscc) == {warning.pk}
    assert ids(enterprise=other_party.uscc.lower()) == {warning.pk}
    cutoff = (dt.date.today() - dt.timedelta(days=100)).isoformat()
    assert ids(decision_date_before=cutoff) == {old.pk}
    assert ids(decision_date_after=cutoff) == {warning.pk, licence.pk}
    assert ids(document_number="罚2020-1") == {old.pk}
    assert ids(category="warning") == {warning.pk}
    assert ids(category="fine") == {old.pk}
    assert clerk_api.get(RECORDS, {"status": "nonsense"}).status_code == 400
    assert clerk_api.get(RECORDS, {"decision_date_after": "yesterday"}).status_code == 400


def test_list_is_paginated_and_its_depth_is_capped(clerk_api, draft):
    body = clerk_api.get(RECORDS, {"page_size": 1}).json()
    assert body["count"] == 1 and len(body["results"]) == 1
    assert clerk_api.get(RECORDS, {"page": 200, "page_size": 100}).status_code == 404


def test_detail_shows_publicity_history_and_versions(clerk_api, draft):
    body = clerk_api.get(f"{RECORDS}{draft.pk}/").json()
    assert body["status"] == "draft" and body["kind"] == "penalty"
    assert body["enterprise"] == draft.enterprise.uscc
    assert body["publicity"]["rule"] == draft.publicity_rule.name
    assert body["publicity"]["legal_basis"] == draft.publicity_rule.legal_basis
    assert body["publicity"]["publicity_end"] == draft.publicity_end.isoformat()
    assert body["publicity"]["publish_deadline"] == draft.publish_deadline.isoformat()
    assert body["publicity"]["never_published"] is False
    assert [e["action"] for e in body["history"]] == ["create"]
    assert body["history"][0]["by"] == "clerk"
    assert body["versions"] == [
        {
            "id": draft.pk,
            "version": 1,
            "status": "draft",
            "is_current": True,
            "change_reason": "",
            "created_at": body["created_at"],
            "published_at": None,
        }
    ]


# --- Create -----------------------------------------------------------------------------------------


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


# --- Edits and the workflow -------------------------------------------------------------------------


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


def test_the_list_costs_the_same_queries_for_one_record_or_many(clerk_api, clerk, market_agency, enterprise):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert clerk_api.get(RECORDS).status_code == 200
        return len(captured)

    services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, enterprise)
    )
    one = queries()
    for n in range(5):
        services.record_create(
            actor=clerk,
            agency=market_agency,
            kind="penalty",
            data=penalty_data(market_agency, EnterpriseFactory(), document_number=f"N{n}"),
        )
    assert queries() == one
