"""``GET /api/v1/badges/verify``: the page's answer as JSON."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db]


def test_api_gives_the_same_answer(api, staff_badge, enterprise):
    response = api.get("/api/v1/badges/verify", {"token": staff_badge.token})
    assert response.status_code == 200
    body = response.json()
    assert body["result"] == "valid" and body["genuine"] is True
    assert body["enterprise"]["uscc"] == enterprise.uscc and body["enterprise"]["standing"]["level"] == "good"
    assert body["badge"]["serial"] == staff_badge.serial_display and body["badge"]["kind"] == "staff"
    assert body["staff"] == {
        "name_masked": "张*明",
        "registration_number": "FW-330106-0042",
        "active": True,
        "has_photo": False,
    }
    assert body["checked_at"] and "_facts" not in body and "_badge_id" not in body


def test_api_says_not_genuine_for_a_forged_token(api):
    response = api.get("/api/v1/badges/verify", {"token": "forged.token"})
    assert response.status_code == 200
    assert response.json()["result"] == "not_genuine" and response.json()["badge"] is None


def test_api_refuses_a_missing_or_overlong_token(api):
    assert api.get("/api/v1/badges/verify").status_code == 400
    response = api.get("/api/v1/badges/verify", {"token": "x" * 301})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "token"


def test_api_schema_documents_every_status_code(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/badges/verify"]["get"]
    assert set(operation["responses"]) == {"200", "400", "429", "503"}  # 503: the database is down
    assert operation["parameters"][0]["name"] == "token" and operation["parameters"][0]["required"]
    assert operation["security"] == [{}]  # public: no credentials
