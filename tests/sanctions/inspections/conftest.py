"""Personas and a plan ready to draw, for the random-inspection tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from sanctions.inspections import services
from sanctions.lists.ratings import default_rating_model
from sanctions.models import EnterpriseRating
from tests.factories import EnterpriseFactory, UserFactory

SEED = "5eed" * 16
RATES = {"A": "2", "B": "5", "C": "20", "D": "80", "ungraded": "10"}


@pytest.fixture
def second_reviewer(market_agency):
    user = UserFactory(username="second_reviewer")
    StaffRole.objects.create(user=user, agency=market_agency, role=StaffRoleKind.REVIEWER)
    return user


@pytest.fixture
def inspectors(market_agency, agency_admin):
    """Four inspectors on the market agency's roster (clerks of the agency)."""
    roster = []
    for n in range(1, 5):
        user = UserFactory(username=f"inspector{n}")
        StaffRole.objects.create(user=user, agency=market_agency, role=StaffRoleKind.CLERK)
        roster.append(
            services.inspector_add(
                actor=agency_admin, agency=market_agency, user=user, badge_number=f"ZJ-{n:04d}"
            )
        )
    return roster


def plan_data(**overrides):
    today = timezone.localdate()
    return {
        "title": "2026年度市场监管随机抽查",
        "industries": [],
        "division_prefix": "",
        "period_start": today,
        "period_end": today + dt.timedelta(days=90),
        "rating_model": default_rating_model(),
        "rates": dict(RATES),
        **overrides,
    }


def graded(grade: str | None, **kwargs):
    """An enterprise in operation with a current grade under the default model (None: ungraded)."""
    enterprise = EnterpriseFactory(**kwargs)
    if grade:
        EnterpriseRating.objects.create(
            enterprise=enterprise, model=default_rating_model(), grade=grade, points=50, fingerprint="x"
        )
    return enterprise


@pytest.fixture
def approved_plan(market_agency, clerk, reviewer, inspectors):
    plan = services.plan_create(actor=clerk, agency=market_agency, data=plan_data(), submit=True)
    return services.plan_approve(actor=reviewer, plan=plan)
