"""Password guessing: the API takes no password at all, and an account locks after repeated failures."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db]

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """The user names whose password was compared, whoever asked."""
    User = get_user_model()
    original = User.check_password
    seen: list[str] = []

    def check_password(self, raw_password):
        seen.append(self.get_username())
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", check_password)
    return seen


def basic(username: str, password: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {pair}")
    return client


# --- HTTP Basic on the API --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/records/", "/api/v1/imports/", "/api/v1/agencies/{agency}/tokens/"], ids=str
)
def test_basic_credentials_open_nothing_and_are_never_checked(
    url, clerk, agency_admin, market_agency, password_checks
):
    url = url.format(agency=market_agency.uscc)
    right = basic("agency_admin", PASSWORD).get(url)
    wrong = basic("agency_admin", "not-the-password").get(url)
    assert right.status_code in (401, 403)
    # The same answer whether the password is right or not: no way to tell a good guess.
    assert (wrong.status_code, wrong.json()) == (right.status_code, right.json())
    assert password_checks == []


def test_basic_credentials_do_not_lift_the_anonymous_view(clerk, password_checks):
    """A public endpoint answers as to anyone: the header is ignored, not verified."""
    response = basic("clerk", PASSWORD).get("/api/v1/agencies/")
    assert response.status_code == 200
    assert password_checks == []
    assert basic("clerk", PASSWORD).post("/api/v1/records/", {}, format="json").status_code in (401, 403)
