"""Agency API tokens: issued and revoked by the agency's administrators, the key shown once and
stored only as a hash; revoked and expired tokens no longer open the API."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from rest_framework.test import APIClient

from registry.choices import StaffRoleKind
from registry.models import ApiToken, AuditEntry, StaffRole
from registry.tokens import token_issue
from tests.factories import UserFactory, agency_code

pytestmark = [pytest.mark.django_db]

RECORDS = "/api/v1/records/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def tokens_url(agency) -> str:
    return f"/api/v1/agencies/{agency.uscc}/tokens/"


def signed_in(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def bearer(key: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def admin_session(agency_admin):
    return signed_in(agency_admin)


@pytest.fixture
def issued(market_agency, agency_admin):
    return token_issue(actor=agency_admin, agency=market_agency, name="案件管理系统")


# --- Who may manage tokens --------------------------------------------------------------------------


def test_anonymous_cannot_list_issue_or_revoke(api, market_agency, issued):
    token, _key = issued
    assert api.get(tokens_url(market_agency)).status_code == 403
    assert api.post(tokens_url(market_agency), {"name": "x"}, format="json").status_code == 403
    assert api.post(f"{tokens_url(market_agency)}{token.prefix}/revoke/").status_code == 403
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None


@pytest.mark.parametrize("persona", ["clerk", "reviewer", "other_clerk"])
def test_staff_who_are_not_its_administrators_cannot_manage_an_agencys_tokens(
    request, persona, market_agency, issued
):
    client = signed_in(request.getfixturevalue(persona))
    token, _key = issued
    response = client.get(tokens_url(market_agency))
    assert response.status_code == 403
    assert "Only an administrator of" in response.json()["detail"]
    assert client.post(tokens_url(market_agency), {"name": "x"}, format="json").status_code == 403
    assert client.post(f"{tokens_url(market_agency)}{token.prefix}/revoke/").status_code == 403
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None


def test_another_agencys_administrator_cannot_manage_them(other_agency, market_agency, issued):
    other_admin = UserFactory(username="other_admin")
    StaffRole.objects.create(user=other_admin, agency=other_agency, role=StaffRoleKind.AGENCY_ADMIN)
    client = signed_in(other_admin)
    assert client.get(tokens_url(market_agency)).status_code == 403
    assert client.get(tokens_url(other_agency)).json() == []


def test_a_token_cannot_manage_tokens_even_for_its_own_agency(market_agency, issued):
    _token, key = issued
    client = bearer(key)
    assert client.get(tokens_url(market_agency)).status_code == 403
    assert client.post(tokens_url(market_agency), {"name": "x"}, format="json").status_code == 403
    assert ApiToken.objects.count() == 1


def test_registry_admin_manages_any_agencys_tokens(registry_admin, market_agency, issued):
    client = signed_in(registry_admin)
    assert [t["name"] for t in client.get(tokens_url(market_agency)).json()] == ["案件管理系统"]
    assert client.post(tokens_url(market_agency), {"name": "数据交换平台"}, format="json").status_code == 201


def test_an_unknown_agency_or_prefix_is_404(admin_session, market_agency, issued):
    assert admin_session.get(f"/api/v1/agencies/{agency_code(999)}/tokens/").status_code == 404
    assert admin_session.post(f"{tokens_url(market_agency)}0000aaaa/revoke/").status_code == 404


# --- Issue, list, revoke ----------------------------------------------------------------------------


def test_agency_admin_issues_a_token_and_sees_the_key_once(admin_session, agency_admin, market_agency):
    response = admin_session.post(
        tokens_url(market_agency), {"name": "案件管理系统", "days": 30, "read_only": True}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["key"].startswith(f"crt_{body['prefix']}_")
    assert (body["name"], body["read_only"], body["state"], body["created_by"]) == (
        "案件管理系统",
        True,
        "active",
        "agency_admin",
    )
    token = ApiToken.objects.get(prefix=body["prefix"])
    assert timezone.now() + dt.timedelta(days=29) < token.expires_at <= timezone.now() + dt.timedelta(days=30)
    assert AuditEntry.objects.filter(
        action="token.issue", target_id=str(token.pk), actor=agency_admin
    ).exists()

    listed = admin_session.get(tokens_url(market_agency)).json()
    assert [t["prefix"] for t in listed] == [body["prefix"]]
    assert "key" not in listed[0] and body["key"] not in json.dumps(listed)

    assert bearer(body["key"]).get(RECORDS).status_code == 200


def test_the_key_is_stored_only_as_its_hash(admin_session, market_agency):
    key = admin_session.post(tokens_url(market_agency), {"name": "数据交换平台"}, format="json").json()["key"]
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    secret = key.split("_", 2)[2]
    stored = json.dumps([list(ApiToken.objects.values()), list(AuditEntry.objects.values())], default=str)
    assert key not in stored and secret not in stored


def test_issuing_with_invalid_input_names_the_field(admin_session, market_agency):
    response = admin_session.post(tokens_url(market_agency), {"name": "", "days": 0}, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"name", "days"}
    response = admin_session.post(tokens_url(market_agency), {"name": "x", "days": 731}, format="json")
    assert [e["field"] for e in response.json()["errors"]] == ["days"]
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused_at_once(admin_session, agency_admin, market_agency, issued):
    token, key = issued
    assert bearer(key).get(RECORDS).status_code == 200
    response = admin_session.post(f"{tokens_url(market_agency)}{token.prefix}/revoke/")
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    assert AuditEntry.objects.filter(
        action="token.revoke", target_id=str(token.pk), actor=agency_admin
    ).exists()
    response = bearer(key).get(RECORDS)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token is unknown, revoked or expired."


def test_an_expired_token_is_refused(issued):
    token, key = issued
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = bearer(key).get(RECORDS)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token is unknown, revoked or expired."


def test_a_made_up_or_malformed_key_is_refused(issued):
    _token, key = issued
    assert bearer(key[:-2] + "zz").get(RECORDS).status_code == 401
    assert bearer("not-a-token").get(RECORDS).status_code == 401


def test_issue_token_command_prints_a_key_that_works(market_agency):
    out = io.StringIO()
    call_command("issue_token", market_agency.uscc, "夜间批量上报", "--days", "7", stdout=out)
    [key] = [line for line in out.getvalue().splitlines() if line.startswith("crt_")]
    response = bearer(key).get(RECORDS)
    assert response.status_code == 200
    assert ApiToken.objects.get().name == "夜间批量上报"
