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
    assert (
        f'href="{dashboard_url(enterprise)}"' in client.get("/account/").content.decode()
    )  # the account's home


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
        f"{dashboard_url(enterprise)}badges/{badge.serial_display}/revoke",
        {"reason": "丢失", "confirmed": "1"},
    )
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.status == "revoked" and badge.revoke_reason == "丢失"
    assert client.get(f"/v/{badge.token}/photo").status_code == 404  # a revoked badge shows no photo
    response = client.post(f"{dashboard_url(enterprise)}staff/{staff.pk}/deactivate", {"confirmed": "1"})
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
        lambda *, enterprise, today=None: standing.Standing(
            standing.DISHONEST, lists=(standing.ListCount("dishonest", "名单", "", "punishment", 1),)
        ),
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


# --- Confirmation before what cannot be undone -------------------------------------------------


def test_revoking_asks_for_confirmation_first_and_keeps_the_reason(client, owner, enterprise):
    from lookup.badges import services

    badge = services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
    client.force_login(owner)
    url = f"{dashboard_url(enterprise)}badges/{badge.serial_display}/revoke"
    dashboard = client.get(dashboard_url(enterprise)).content.decode()
    form = dashboard[dashboard.index(f'action="{url}"') :]
    form = form[: form.index("</form>")]
    assert "data-confirm=" in form and 'name="confirmed" value=""' in form  # the dialog, when JavaScript runs
    assert "js/confirm.js" in dashboard

    response = client.post(url, {"reason": "丢失"})  # the button pressed, nothing confirmed (no JavaScript)
    assert response.status_code == 200
    badge.refresh_from_db()
    assert badge.status == "active"
    page = response.content.decode()
    assert badge.serial_display in page and 'value="丢失"' in page
    assert (
        'name="confirmed" value="True"' in page
        and f'href="{dashboard_url(enterprise)}#badge-{badge.serial}"' in page
    )
    assert client.get(url).status_code == 200 and Badge.objects.get().status == "active"  # a link to it, too

    response = client.post(url, {"reason": "丢失", "confirmed": "True"})  # "Yes, revoke this badge"
    assert response.status_code == 302
    badge.refresh_from_db()
    assert (badge.status, badge.revoke_reason) == ("revoked", "丢失")
    assert client.post(url, {"confirmed": "True"}).status_code == 302  # a second click changes nothing


def test_marking_a_staff_member_as_left_asks_for_confirmation_first(client, owner, enterprise):
    from lookup.badges import services

    staff = services.badge_staff_register(
        actor=owner, enterprise=enterprise, full_name="张三明", registration_number="FW-1"
    )
    badge = services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental", staff=staff)
    client.force_login(owner)
    url = f"{dashboard_url(enterprise)}staff/{staff.pk}/deactivate"
    dashboard = client.get(dashboard_url(enterprise)).content.decode()
    form = dashboard[dashboard.index(f'action="{url}"') :]
    assert "data-confirm=" in form[: form.index("</form>")]

    response = client.post(url)
    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.is_active
    page = response.content.decode()
    assert "张三明" in page and badge.serial_display in page and 'name="confirmed" value="1"' in page

    assert client.post(url, {"confirmed": "1"}).status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active


# --- The expiry date: a default the browser shows, and marked required --------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_expiry_field_shows_its_default_and_is_marked_required(client, owner, enterprise, language):
    import datetime as dt
    import re

    from django.utils import timezone

    client.force_login(owner)
    client.cookies["django_language"] = language
    page = client.get(dashboard_url(enterprise)).content.decode()
    [field] = re.findall(r"<input[^>]*name=\"expires_on\"[^>]*>", page)
    today = timezone.localdate()
    # A date field shows only an ISO value: 2027/01/05 (the Chinese format) would show an empty box.
    assert f'value="{(today + dt.timedelta(days=365)).isoformat()}"' in field
    assert 'type="date"' in field and " required" in field
    assert f'min="{(today + dt.timedelta(days=1)).isoformat()}"' in field
    label = page[page.index('<label for="id_expires_on">') :]
    label = label[: label.index("</label>")]
    assert 'class="req"' in label  # the visible mark, explained above the form


def test_an_expiry_date_typed_in_the_chinese_format_is_accepted(client, owner, enterprise):
    import datetime as dt

    from django.utils import timezone

    client.force_login(owner)
    expires = timezone.localdate() + dt.timedelta(days=100)
    response = client.post(
        dashboard_url(enterprise) + "badges/",
        {"sector": "housing_rental", "staff": "", "expires_on": expires.strftime("%Y/%m/%d")},
    )
    assert response.status_code == 302
    assert Badge.objects.get().expires_on == expires
