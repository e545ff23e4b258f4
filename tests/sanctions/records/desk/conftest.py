"""Fixtures of the desk tests: an enterprise, one record of theirs at each step of its life, and a
reviewer who is also a clerk."""

from __future__ import annotations

import pytest

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from tests.factories import EnterpriseFactory
from tests.sanctions.records.desk.helpers import make_record


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="杭州西湖测试网络科技有限公司")


@pytest.fixture
def draft(clerk, market_agency, enterprise):
    return make_record(clerk=clerk, agency=market_agency, enterprise=enterprise)


@pytest.fixture
def submitted(clerk, market_agency, enterprise):
    return make_record(clerk=clerk, agency=market_agency, enterprise=enterprise, submit=True)


@pytest.fixture
def published(clerk, reviewer, market_agency, enterprise):
    return make_record(
        clerk=clerk, agency=market_agency, enterprise=enterprise, submit=True, publish_by=reviewer
    )


@pytest.fixture
def clerk_reviewer(reviewer, market_agency):
    """A reviewer who is also a clerk of the agency, so can write records too."""
    StaffRole.objects.create(user=reviewer, agency=market_agency, role=StaffRoleKind.CLERK)
    return reviewer
