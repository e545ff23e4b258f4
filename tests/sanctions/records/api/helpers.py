"""What the records API tests share: the endpoint and its actions, clients for a user or an agency's
token, a published record, and a response's errors by field."""

from __future__ import annotations

from rest_framework.test import APIClient

from registry.tokens import token_issue
from sanctions.records import services
from tests.sanctions.payloads import penalty_data

RECORDS = "/api/v1/records/"
ACTIONS = ["submit", "publish", "send-back", "correct", "revoke"]


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def token_client(agency, issuer, *, read_only: bool = False) -> APIClient:
    _token, key = token_issue(actor=issuer, agency=agency, name="案件管理系统", read_only=read_only)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


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
