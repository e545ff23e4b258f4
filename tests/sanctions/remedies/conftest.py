"""Fixtures of the remedies tests: an enterprise with its confirmed account, another one, a fine
old enough to be repaired, and an application for it."""

from __future__ import annotations

import pytest
from django.utils import translation

from sanctions.remedies import repair
from tests.factories import EnterpriseFactory
from tests.sanctions.remedies.helpers import days_ago, enterprise_account, good_materials, publish_penalty


@pytest.fixture
def english():
    """Messages in English, for the tests that compare them."""
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="杭州西湖信用修复测试有限公司")


@pytest.fixture
def other_enterprise(db):
    return EnterpriseFactory(name="杭州滨江其他测试有限公司")


@pytest.fixture
def account(registry_admin, enterprise):
    return enterprise_account(registry_admin, enterprise, "ent_account")


@pytest.fixture
def other_account(registry_admin, other_enterprise):
    return enterprise_account(registry_admin, other_enterprise, "other_ent_account")


@pytest.fixture
def old_fine(clerk, reviewer, market_agency, enterprise):
    """A fine decided four months ago: past the 3-month minimum of NDRC Order 58."""
    return publish_penalty(clerk, reviewer, market_agency, enterprise, decision_date=days_ago(125))


@pytest.fixture
def application(media_root, account, old_fine):
    return repair.repair_apply(
        actor=account, record=old_fine, statement="罚款已于2026年缴清，已整改。", materials=good_materials()
    )
