"""The remedies API: repair applications, objections and commitments. For each: who may read and act,
another agency's objects unseen, lists and filters, acting through the services, invalid input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from registry.models import AuditEntry
from registry.tokens import token_issue
from sanctions.models import Commitment, CreditRecord, Objection, RepairApplication
from sanctions.remedies import commitments, objections
from tests.factories import enterprise_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

APPLICATIONS = "/api/v1/repair-applications/"
OBJECTIONS = "/api/v1/objections/"
COMMITMENTS = "/api/v1/commitments/"
TODAY = timezone.localdate


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def token_client(agency, issuer, *, read_only: bool = False) -> APIClient:
    _token, key = token_issue(actor=issuer, agency=agency, name="信用修复系统", read_only=read_only)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def errors_by_field(response) -> dict[str | None, list[str]]:
    out: dict[str | None, list[str]] = {}
    for error in response.json()["errors"]:
        out.setdefault(error["field"], []).append(error["message"])
    return out


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def objection(old_fine):
    found, _key = objections.objection_submit(
        objector_name="李四", contact="li@example.com", reason="该处罚已被复议撤销。", record=old_fine
    )
    return found


def record_commitment(clerk, agency, enterprise, **overrides) -> Commitment:
    values = {
        "kind": "notification",
        "content": "承诺在30日内补交消防安全检查合格证明。",
        "legal_basis": "国办发〔2020〕42号",
        "signed_on": TODAY() - dt.timedelta(days=40),
        "due_date": TODAY() - dt.timedelta(days=10),
    }
    values.update(overrides)
    return commitments.commitment_record(actor=clerk, agency=agency, enterprise=enterprise, **values)


@pytest.fixture
def commitment(clerk, market_agency, enterprise):
    return record_commitment(clerk, market_agency, enterprise)


def commitment_input(enterprise, **overrides) -> dict:
    data = {
        "enterprise": enterprise.uscc,
        "kind": "voluntary",
        "content": "自愿承诺守法经营，接受社会监督。",
        "legal_basis": "《关于建立健全信用承诺制度的指导意见》",
        "signed_on": TODAY().isoformat(),
    }
    data.update(overrides)
    return data


# --- Who may call the API -------------------------------------------------------------------------
def test_anonymous_is_asked_for_credentials_everywhere(api, application, objection, commitment):
    for method, url in [
        ("get", APPLICATIONS),
        ("get", f"{APPLICATIONS}{application.pk}/"),
        ("post", f"{APPLICATIONS}{application.pk}/decide/"),
        ("get", OBJECTIONS),
        ("get", f"{OBJECTIONS}{objection.pk}/"),
        ("post", f"{OBJECTIONS}{objection.pk}/forward/"),
        ("post", f"{OBJECTIONS}{objection.pk}/decide/"),
        ("get", COMMITMENTS),
        ("post", COMMITMENTS),
        ("get", f"{COMMITMENTS}{commitment.pk}/"),
        ("post", f"{COMMITMENTS}{commitment.pk}/decide/"),
    ]:
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 401, (method, url)
        assert response["WWW-Authenticate"] == "Bearer"
    application.refresh_from_db()
    assert application.status == "submitted"


def test_an_enterprise_account_is_not_agency_staff(account, application):
    response = client_for(account).get(APPLICATIONS)
    assert response.status_code == 403
    assert "remedies API" in response.json()["detail"]
    assert client_for(account).get(f"{APPLICATIONS}{application.pk}/").status_code == 403


def test_another_agency_sees_none_of_it(other_clerk, application, objection, commitment):
    client = client_for(other_clerk)
    for url in (APPLICATIONS, OBJECTIONS, COMMITMENTS):
        assert ids(client.get(url)) == [], url
    for url in (
        f"{APPLICATIONS}{application.pk}/",
        f"{OBJECTIONS}{objection.pk}/",
        f"{COMMITMENTS}{commitment.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    decisions = [
        (f"{APPLICATIONS}{application.pk}/decide/", {"decision": "approve", "reason": "同意"}),
        (f"{OBJECTIONS}{objection.pk}/decide/", {"outcome": "upheld", "reason": "无误"}),
        (f"{COMMITMENTS}{commitment.pk}/decide/", {"outcome": "fulfilled"}),
    ]
    for url, body in decisions:
        assert client.post(url, body, format="json").status_code == 404, url
    assert RepairApplication.objects.get().status == "submitted"
    assert Objection.objects.get().status == "received"
    assert Commitment.objects.get().status == "open"


def test_a_registry_administrator_sees_every_agency(registry_admin, application, objection, commitment):
    client = client_for(registry_admin)
    assert ids(client.get(APPLICATIONS)) == [application.pk]
    assert ids(client.get(OBJECTIONS)) == [objection.pk]
    assert ids(client.get(COMMITMENTS)) == [commitment.pk]


# --- Repair applications ------------------------------------------------------------------------------
def test_staff_list_and_read_their_agencys_applications(clerk, application, old_fine, enterprise):
    client = client_for(clerk)
    assert ids(client.get(APPLICATIONS)) == [application.pk]
    body = client.get(f"{APPLICATIONS}{application.pk}/").json()
    assert body["status"] == "submitted" and body["record"] == old_fine.pk and body["listing"] is None
    assert body["enterprise"] == enterprise.uscc and body["agency"]["uscc"] == old_fine.agency.uscc
    assert body["overdue"] is False
    assert sorted(m["kind"] for m in body["materials"]) == ["commitment_letter", "proof_of_performance"]
    assert "file" not in body["materials"][0]  # files are served on the desk only


def test_applications_are_filtered(clerk, reviewer, application, enterprise, other_enterprise):
    client = client_for(clerk)
    assert ids(client.get(APPLICATIONS, {"status": "submitted"})) == [application.pk]
    assert ids(client.get(APPLICATIONS, {"status": "rejected"})) == []
    assert ids(client.get(APPLICATIONS, {"enterprise": enterprise.uscc})) == [application.pk]
    assert ids(client.get(APPLICATIONS, {"enterprise": other_enterprise.uscc})) == []
    assert ids(client.get(APPLICATIONS, {"overdue": "true"})) == []
    RepairApplication.objects.filter(pk=application.pk).update(decide_by=TODAY() - dt.timedelta(days=1))
    assert ids(client.get(APPLICATIONS, {"overdue": "true"})) == [application.pk]
    response = client.get(APPLICATIONS, {"status": "pending"})
    assert response.status_code == 400 and "status" in errors_by_field(response)


def test_a_reviewer_approves_through_the_service(reviewer, application, old_fine):
    response = client_for(reviewer).post(
        f"{APPLICATIONS}{application.pk}/decide/",
        {"decision": "approve", "reason": "已履行处罚，消除影响。"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["decision_reason"] == "已履行处罚，消除影响。"
    old_fine.refresh_from_db()
    assert old_fine.repaired_at is not None
    assert AuditEntry.objects.filter(action="repair.approve", target_id=str(application.pk)).exists()


def test_a_clerk_may_read_but_not_decide(clerk, application):
    response = client_for(clerk).post(
        f"{APPLICATIONS}{application.pk}/decide/", {"decision": "reject", "reason": "材料不全"}, format="json"
    )
    assert response.status_code == 403
    assert "reviewer" in response.json()["detail"]


def test_an_agency_system_decides_with_its_token_and_a_read_only_token_may_not(
    market_agency, agency_admin, application
):
    url = f"{APPLICATIONS}{application.pk}/decide/"
    body = {"decision": "reject", "reason": "未提交罚款缴纳凭证原件。"}
    read_only = token_client(market_agency, agency_admin, read_only=True)
    assert ids(read_only.get(APPLICATIONS)) == [application.pk]
    assert read_only.post(url, body, format="json").status_code == 403
    response = token_client(market_agency, agency_admin).post(url, body, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"


def test_an_invalid_repair_decision_names_its_fields(reviewer, application):
    client = client_for(reviewer)
    url = f"{APPLICATIONS}{application.pk}/decide/"
    response = client.post(url, {"decision": "maybe", "reason": ""}, format="json")
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {"decision", "reason"}
    client.post(url, {"decision": "reject", "reason": "材料不全"}, format="json")
    again = client.post(url, {"decision": "approve", "reason": "改变主意"}, format="json")
    assert again.status_code == 400 and "already decided" in again.json()["detail"]


# --- Objections ---------------------------------------------------------------------------------------
def test_staff_list_and_read_objections_to_their_records(clerk, objection, old_fine):
    client = client_for(clerk)
    assert ids(client.get(OBJECTIONS)) == [objection.pk]
    body = client.get(f"{OBJECTIONS}{objection.pk}/").json()
    assert body["reference"] == objection.reference and body["record"] == old_fine.pk
    assert body["status"] == "received" and body["late"] == [] and body["evidence"] == []
    assert "follow_token_hash" not in body


def test_objections_are_filtered(clerk, registry_admin, objection):
    client = client_for(clerk)
    assert ids(client.get(OBJECTIONS, {"open": "true"})) == [objection.pk]
    assert ids(client.get(OBJECTIONS, {"open": "false"})) == []
    assert ids(client.get(OBJECTIONS, {"status": "forwarded"})) == []
    objections.objection_forward(actor=registry_admin, objection=objection)
    assert ids(client.get(OBJECTIONS, {"status": "forwarded"})) == [objection.pk]
    response = client.get(OBJECTIONS, {"status": "lost"})
    assert response.status_code == 400 and "status" in errors_by_field(response)


def test_the_platform_forwards_and_the_source_agency_decides(registry_admin, clerk, objection, old_fine):
    assert client_for(clerk).post(f"{OBJECTIONS}{objection.pk}/forward/").status_code == 403
    response = client_for(registry_admin).post(f"{OBJECTIONS}{objection.pk}/forward/")
    assert response.status_code == 200 and response.json()["status"] == "forwarded"
    again = client_for(registry_admin).post(f"{OBJECTIONS}{objection.pk}/forward/")
    assert again.status_code == 400
    response = client_for(clerk).post(
        f"{OBJECTIONS}{objection.pk}/decide/",
        {"outcome": "revoked", "reason": "处罚决定已被撤销。"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (
        response.json()["status"] == "revoked" and response.json()["outcome_reason"] == "处罚决定已被撤销。"
    )
    assert CreditRecord.objects.get(pk=old_fine.pk).status == "revoked"


def test_an_invalid_objection_outcome_names_its_fields(clerk, objection):
    url = f"{OBJECTIONS}{objection.pk}/decide/"
    response = client_for(clerk).post(url, {"outcome": "corrected", "reason": " "}, format="json")
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {"outcome", "reason"}
    assert Objection.objects.get().status == "received"


# --- Commitments --------------------------------------------------------------------------------------
def test_staff_list_and_read_their_agencys_commitments(reviewer, commitment, enterprise):
    client = client_for(reviewer)
    assert ids(client.get(COMMITMENTS)) == [commitment.pk]
    body = client.get(f"{COMMITMENTS}{commitment.pk}/").json()
    assert body["enterprise"] == enterprise.uscc and body["kind"] == "notification"
    assert body["status"] == "open" and body["overdue"] is True and body["recorded_by"] == "clerk"


def test_commitments_are_filtered(clerk, market_agency, enterprise, other_enterprise, commitment):
    later = record_commitment(
        clerk, market_agency, other_enterprise, kind="voluntary", due_date=TODAY() + dt.timedelta(days=10)
    )
    client = client_for(clerk)
    assert ids(client.get(COMMITMENTS, {"overdue": "true"})) == [commitment.pk]
    assert ids(client.get(COMMITMENTS, {"kind": "voluntary"})) == [later.pk]
    assert ids(client.get(COMMITMENTS, {"enterprise": enterprise.uscc})) == [commitment.pk]
    assert ids(client.get(COMMITMENTS, {"status": "breached"})) == []
    response = client.get(COMMITMENTS, {"kind": "promise"})
    assert response.status_code == 400 and "kind" in errors_by_field(response)


def test_a_clerk_records_a_commitment_through_the_service(clerk, enterprise, market_agency):
    response = client_for(clerk).post(COMMITMENTS, commitment_input(enterprise), format="json")
    assert response.status_code == 201, response.content
    commitment = Commitment.objects.get()
    assert response["Location"].endswith(f"{COMMITMENTS}{commitment.pk}/")
    assert response.json()["id"] == commitment.pk
    assert commitment.agency == market_agency and commitment.recorded_by == clerk
    assert AuditEntry.objects.filter(action="commitment.record", target_id=str(commitment.pk)).exists()


def test_a_reviewer_may_not_record_a_commitment(reviewer, enterprise):
    response = client_for(reviewer).post(COMMITMENTS, commitment_input(enterprise), format="json")
    assert response.status_code == 403
    assert not Commitment.objects.exists()


def test_a_clerk_of_several_agencies_names_the_agency(clerk, other_agency, enterprise):
    from registry.choices import StaffRoleKind
    from registry.models import StaffRole

    StaffRole.objects.create(user=clerk, agency=other_agency, role=StaffRoleKind.CLERK)
    client = client_for(clerk)
    response = client.post(COMMITMENTS, commitment_input(enterprise), format="json")
    assert response.status_code == 400 and "agency" in errors_by_field(response)
    response = client.post(COMMITMENTS, commitment_input(enterprise, agency=other_agency.uscc), format="json")
    assert response.status_code == 201
    assert Commitment.objects.get().agency == other_agency


def test_invalid_commitment_input_names_its_fields(clerk, enterprise):
    client = client_for(clerk)
    response = client.post(COMMITMENTS, {"enterprise": "not a code", "kind": "promise"}, format="json")
    assert response.status_code == 400
    assert {"enterprise", "kind", "content", "legal_basis", "signed_on"} <= set(errors_by_field(response))
    nobody = enterprise_code(999_999)
    response = client.post(COMMITMENTS, {**commitment_input(enterprise), "enterprise": nobody}, format="json")
    assert response.status_code == 400 and set(errors_by_field(response)) == {"enterprise"}
    future = (TODAY() + dt.timedelta(days=3)).isoformat()
    response = client.post(COMMITMENTS, commitment_input(enterprise, signed_on=future), format="json")
    assert response.status_code == 400 and set(errors_by_field(response)) == {"signed_on"}
    assert not Commitment.objects.exists()


def test_a_breach_creates_a_draft_record_through_the_service(clerk, commitment, market_agency):
    response = client_for(clerk).post(
        f"{COMMITMENTS}{commitment.pk}/decide/",
        {"outcome": "breached", "note": "逾期未补交。", "breached_on": TODAY().isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "breached" and body["breach_record"] is not None
    record = CreditRecord.objects.get(pk=body["breach_record"])
    assert record.status == "draft" and record.agency == market_agency


def test_a_commitment_is_marked_fulfilled(reviewer, commitment):
    response = client_for(reviewer).post(
        f"{COMMITMENTS}{commitment.pk}/decide/", {"outcome": "fulfilled"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "fulfilled"


def test_an_invalid_commitment_decision_names_its_fields(clerk, commitment):
    client = client_for(clerk)
    url = f"{COMMITMENTS}{commitment.pk}/decide/"
    response = client.post(url, {"outcome": "forgotten", "breached_on": "yesterday"}, format="json")
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {"outcome", "breached_on"}
    response = client.post(url, {"outcome": "breached", "note": ""}, format="json")
    assert response.status_code == 400 and set(errors_by_field(response)) == {"note"}
    assert Commitment.objects.get().status == "open"


# --- The schema ---------------------------------------------------------------------------------------
def test_the_schema_documents_the_remedies_api(api):
    import yaml

    schema = yaml.safe_load(api.get("/api/schema/").content)
    paths = schema["paths"]
    assert set(paths[APPLICATIONS.removesuffix("/") + "/{id}/decide/"]["post"]["responses"]) >= {
        "200",
        "400",
        "401",
        "403",
        "404",
    }
    assert "post" in paths[COMMITMENTS] and "get" in paths[OBJECTIONS]
    enums = schema["components"]["schemas"]
    assert enums["ObjectionOutcomeEnum"]["enum"] == ["upheld", "revoked"]
    assert enums["CommitmentOutcomeEnum"]["enum"] == ["fulfilled", "breached"]
    assert "withdrawn" in enums["ApplicationStatusEnum"]["enum"]
