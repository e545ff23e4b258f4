"""Named personas: a citizen, a registry administrator, a clerk and a reviewer of one agency,
a clerk of another agency."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from tests.factories import AgencyFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def citizen():
    return AnonymousUser()


@pytest.fixture
def registry_admin(db):
    user = UserFactory(username="registry_admin")
    StaffRole.objects.create(user=user, role=StaffRoleKind.REGISTRY_ADMIN)
    return user


@pytest.fixture
def market_agency(db):
    return AgencyFactory(name="浙江省市场监督管理局")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(name="江苏省市场监督管理局")


@pytest.fixture
def agency_admin(market_agency):
    user = UserFactory(username="agency_admin")
    StaffRole.objects.create(user=user, agency=market_agency, role=StaffRoleKind.AGENCY_ADMIN)
    return user


@pytest.fixture
def clerk(market_agency):
    user = UserFactory(username="clerk")
    StaffRole.objects.create(user=user, agency=market_agency, role=StaffRoleKind.CLERK)
    return user


@pytest.fixture
def reviewer(market_agency):
    user = UserFactory(username="reviewer")
    StaffRole.objects.create(user=user, agency=market_agency, role=StaffRoleKind.REVIEWER)
    return user


@pytest.fixture
def other_clerk(other_agency):
    user = UserFactory(username="other_clerk")
    StaffRole.objects.create(user=user, agency=other_agency, role=StaffRoleKind.CLERK)
    return user


@pytest.fixture
def api():
    """An API client that asks for English, as most partner systems do."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def admin_api(registry_admin):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(registry_admin)
    return client
