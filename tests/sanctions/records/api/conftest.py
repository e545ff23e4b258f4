"""Fixtures of the records API tests: messages in English, an enterprise with a draft record, and a
client for each persona and kind of token."""

from __future__ import annotations

import pytest
from django.utils import translation

from sanctions.records import services
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import penalty_data
from tests.sanctions.records.api.helpers import client_for, token_client


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州西湖建设工程有限公司")


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
