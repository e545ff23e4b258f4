"""What the random-inspection tests share: a plan's data, graded enterprises, a roster."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from sanctions.inspections import services
from sanctions.lists.ratings import default_rating_model
from sanctions.models import EnterpriseRating
from tests.factories import EnterpriseFactory, UserFactory

SEED = "5eed" * 16
RATES = {"A": "2", "B": "5", "C": "20", "D": "80", "ungraded": "10"}


def roster(agency, admin, size: int = 4):
    """``size`` clerks of the agency on its roster of inspectors."""
    inspectors = []
    for n in range(1, size + 1):
        user = UserFactory(username=f"inspector{n}")
        StaffRole.objects.create(user=user, agency=agency, role=StaffRoleKind.CLERK)
        inspectors.append(
            services.inspector_add(actor=admin, agency=agency, user=user, badge_number=f"ZJ-{n:04d}")
        )
    return inspectors


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
