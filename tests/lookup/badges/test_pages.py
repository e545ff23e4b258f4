"""The enterprise account pages: claim an enterprise, then register staff and issue, print and revoke badges."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from PIL import Image

from lookup.badges.verification import local_clear
from lookup.models import Badge, BadgeStaff
from registry import accounts
from registry.models import EnterpriseAccount
from sanctions.lists import standing
from tests.factories import EnterpriseFactory, UserFactory
from tests.lookup.badges.support import confirmed_account

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.BADGE_LIVE_MEMO_SECONDS = 0
    cache.clear()
    local_clear()
    yield
    cache.clear()


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州安居房屋租赁有限公司")


@pytest.fixture
def owner(registry_admin, enterprise):
    return confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="landlord")


def dashboard_url(enterprise) -> str:
    return f"/account/enterprises/{enterprise.uscc}/"


def test_account_pages_need_a_sign_in(client, enterprise):
    for url in ("/account/", "/account/claim/", dashboard_url(enterprise)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_person_claims_an_enterprise_and_waits_for_confirmation(client, registry_admin, enterprise):
    person = UserFactory(username="new_boss")
    _, code = accounts.claim_code_issue(actor=registry_admin, enterprise=enterprise)
    client.force_login(person)
    assert client.get("/account/").url == "/account/claim/"
    response = client.post("/account/claim/", {"uscc": enterprise.uscc, "code": "WRONG-CODE-0000"})
    assert response.status_code == 400 and not EnterpriseAccount.objects.exists()
    response = client.post("/account/claim/", {"uscc": enterprise.uscc, "code": code.lower()}, follow=True)
    assert response.status_code == 200 and enterprise.name in response.content.decode()
    account = EnterpriseAccount.objects.get(user=person)
    assert account.status == "pending"
    assert client.get(dashboard_url(enterprise)).status_code == 403  # not before confirmation
    accounts.enterprise_account_confirm(actor=registry_admin, account=account)
    assert client.get("/account/").url == dashboard_url(enterprise)


def test_another_enterprises_account_cannot_open_the_dashboard(client, registry_admin, enterprise, owner):
    other = EnterpriseFactory()
    other_owner = confirmed_account(registry_admin=registry_admin, enterprise=other, username="other_owner")
    client.force_login(other_owner)
    assert client.get(dashboard_url(enterprise)).status_code == 403
    assert client.post(dashboard_url(enterprise) + "badges/", {"sector": "healthcare"}).status_code == 403


def test_a_registry_admin_opens_any_enterprises_dashboard(client, registry_admin, enterprise):
    client.force_login(registry_admin)
    assert client.get("/account/", {"uscc": enterprise.uscc}).url == dashboard_url(enterprise)
    assert client.get(dashboard_url(enterprise)).status_code == 200


def test_register_staff_issue_print_and_revoke_through_the_pages(client, owner, enterprise):
    client.force_login(owner)
    photo = io.BytesIO()
    Image.new("RGB", (600, 800), "#7a9cc6").save(photo, "JPEG")
    photo.seek(0)
    photo.name = "photo.jpg"
    response = client.post(
        dashboard_url(enterprise) + "staff/",
        {"full_name": "张三明", "registration_number": "FW-1", "photo": photo},
    )
    assert response.status_code == 302
    staff = BadgeStaff.objects.get()
    assert staff.has_photo
    response = client.post(
        dashboard_url(enterprise) + "badges/",
        {"sector": "housing_rental", "staff": str(staff.pk), "expires_on": "2099-01-01"},
    )
    assert response.status_code == 400  # more than three years
    response = client.post(
        dashboard_url(enterprise) + "badges/",
        {"sector": "housing_rental", "staff": str(staff.pk), "expires_on": _in_days(200)},
    )
    assert response.status_code == 302
    badge = Badge.objects.get()
    page = client.get(dashboard_url(enterprise)).content.decode()
    assert badge.serial_display in page and "张三明" in page and "card.pdf" in page
    for layout, kind in (
        ("card.pdf", "application/pdf"),
        ("stickers.pdf", "application/pdf"),
        ("qr.png", "image/png"),
        ("qr.svg", "image/svg+xml"),
    ):
        response = client.get(f"{dashboard_url(enterprise)}badges/{badge.serial_display}/{layout}")
        assert response.status_code == 200 and response["Content-Type"] == kind
    assert client.get(f"/v/{badge.token}/photo")["Content-Type"] == "image/jpeg"
    response = client.post(
        f"{dashboard_url(enterprise)}badges/{badge.serial_display}/revoke", {"reason": "丢失"}
    )
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.status == "revoked" and badge.revoke_reason == "丢失"
    assert client.get(f"/v/{badge.token}/photo").status_code == 404  # a revoked badge shows no photo
    response = client.post(f"{dashboard_url(enterprise)}staff/{staff.pk}/deactivate")
    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active


def _in_days(days: int) -> str:
    import datetime as dt

    from django.utils import timezone

    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_the_badge_list_shows_suspended_while_the_enterprise_is_dishonest(
    client, owner, enterprise, monkeypatch
):
    from lookup.badges import services

    badge = services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
    monkeypatch.setattr(
        standing,
        "enterprise_standing",
        lambda *, enterprise, today=None: standing.Standing(standing.DISHONEST, ["名单"]),
    )
    client.force_login(owner)
    page = client.get(dashboard_url(enterprise)).content.decode()
    assert 'class="bd-status bd-status-suspended"' in page and badge.serial_display in page
    assert 'class="notice bd-suspended"' in page
    assert f"badges/{badge.serial_display}/card.pdf" not in page  # no printing while suspended
    assert (
        "badge-issue" not in page
        and 'action="/account/enterprises/' + enterprise.uscc + '/badges/"' not in page
    )
