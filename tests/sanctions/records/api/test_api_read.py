"""Reading records through the API: the agency's own list, its filters and pages, a record's detail,
and a list that costs the same queries for one record or many."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanctions.records import services
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import licence_data, penalty_data
from tests.sanctions.records.api.helpers import RECORDS, published

pytestmark = [pytest.mark.django_db]


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
