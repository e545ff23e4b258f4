"""A citizen reports a badge that did not verify: kept with its token, limited per client."""

from __future__ import annotations

import pytest

from lookup.models import BadgeReport
from registry.models import AuditEntry

pytestmark = [pytest.mark.django_db]


def test_a_citizen_reports_a_fake_badge(client):
    response = client.post("/v/forged-token/report", {"message": "贴在小区门口的中介广告上", "contact": ""})
    assert response.status_code == 200
    report = BadgeReport.objects.get()
    assert report.token == "forged-token" and report.message == "贴在小区门口的中介广告上"
    assert AuditEntry.objects.filter(action="badge.report").exists()


def test_a_report_needs_a_message(client):
    response = client.post("/v/forged-token/report", {"message": ""})
    assert response.status_code == 400 and not BadgeReport.objects.exists()


def test_reports_are_rate_limited(client):
    for _ in range(5):
        assert client.post("/v/t/report", {"message": "x"}).status_code == 200
    assert client.post("/v/t/report", {"message": "x"}).status_code == 429
    assert BadgeReport.objects.count() == 5
