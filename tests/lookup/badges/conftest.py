"""The badge tests' enterprise, its confirmed account, a badge and a staff badge; every cache empty."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from lookup.badges import services, verification
from tests.factories import EnterpriseFactory
from tests.lookup.badges.support import confirmed_account


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.BADGE_SCAN_FLUSH_SECONDS = 0  # write every scan at once, so the tests can count them
    settings.BADGE_LIVE_MEMO_SECONDS = 0  # every change seen at the very next scan
    cache.clear()
    services._pending.clear()
    verification.local_clear()
    yield
    cache.clear()


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州安居房屋租赁有限公司")


@pytest.fixture
def owner(registry_admin, enterprise):
    return confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="landlord")


@pytest.fixture
def badge(owner, enterprise):
    return services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")


@pytest.fixture
def staff(owner, enterprise):
    return services.badge_staff_register(
        actor=owner, enterprise=enterprise, full_name="张三明", registration_number="FW-330106-0042"
    )


@pytest.fixture
def staff_badge(owner, enterprise, staff):
    return services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_services", staff=staff)
