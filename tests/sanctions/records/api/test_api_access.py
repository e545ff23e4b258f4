"""Who may do what through the records API: credentials, staff of no agency or of another one,
read-only tokens, and what a clerk and a reviewer may each do."""

from __future__ import annotations

import pytest

from sanctions.models import CreditRecord
from sanctions.records import services
from tests.factories import UserFactory
from tests.sanctions.payloads import penalty_data
from tests.sanctions.records.api.helpers import ACTIONS, RECORDS, client_for

pytestmark = [pytest.mark.django_db]


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
