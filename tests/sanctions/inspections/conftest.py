"""Personas and a plan ready to draw, for the random-inspection tests."""

from __future__ import annotations

import pytest

from sanctions.inspections import services

from .helpers import plan_data, roster


@pytest.fixture(autouse=True)
def _in_english(request):
    """These tests read messages and pages in English: the portal speaks Chinese unless the visitor
    chose English (the language cookie; Accept-Language is not asked), and services' messages follow
    the active language."""
    from django.utils import translation

    if "client" in request.fixturenames:
        request.getfixturevalue("client").cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def inspectors(market_agency, agency_admin):
    """Four inspectors on the market agency's roster (clerks of the agency)."""
    return roster(market_agency, agency_admin)


@pytest.fixture
def approved_plan(market_agency, clerk, reviewer, inspectors):
    plan = services.plan_create(actor=clerk, agency=market_agency, data=plan_data(), submit=True)
    return services.plan_approve(actor=reviewer, plan=plan)
