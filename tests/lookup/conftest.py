"""Fixtures of the portal's tests (the root conftest empties every cache before each test)."""

from __future__ import annotations

import pytest

from sanctions.records import services
from tests.sanctions.payloads import licence_data, penalty_data


@pytest.fixture
def publish(clerk, reviewer, market_agency):
    """Create, submit and publish a record as the agency's clerk and reviewer; returns it."""

    def make(enterprise, kind="penalty", **overrides):
        payload = {"penalty": penalty_data, "licence": licence_data, "reward": penalty_data}[kind]
        data = payload(market_agency, enterprise, **overrides)
        if kind == "reward":
            for name in (
                "violation_type",
                "violation_facts",
                "legal_basis",
                "penalty_categories",
                "fine_amount",
            ):
                data.pop(name, None)
            data.setdefault("content", "守信激励：纳税信用A级")
        record, _created = services.record_create(actor=clerk, agency=market_agency, kind=kind, data=data)
        services.record_submit(actor=clerk, record=record)
        return services.record_publish(actor=reviewer, record=record)

    return make
