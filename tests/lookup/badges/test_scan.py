"""What a scan says: one test per state; the live answer cheap but current; scans counted as an aggregate only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lookup.badges import services, verification
from lookup.models import BadgeScanDay
from registry.cache import enterprise_changed
from registry.models import AuditEntry
from registry.services import enterprise_update
from sanctions.lists import standing
from tests.lookup.badges.support import dishonest, publish_serious_penalty, result_of, scan

pytestmark = [pytest.mark.django_db]


# --- What a scan says: one test per state -------------------------------------------------------


def test_state_valid(client, badge, enterprise):
    response = scan(client, badge.token)
    page = response.content.decode()
    assert 'class="verdict verdict-valid"' in page
    assert enterprise.name in page and enterprise.uscc in page and badge.serial_display in page
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_state_attention_after_a_serious_penalty_is_published(
    client, badge, enterprise, clerk, reviewer, market_agency
):
    assert result_of(badge.token) == "valid"
    publish_serious_penalty(clerk=clerk, reviewer=reviewer, agency=market_agency, enterprise=enterprise)
    answer = verification.badge_verify(token=badge.token)
    assert answer["result"] == "attention"
    assert answer["enterprise"]["standing"]["level"] == "attention"
    assert answer["enterprise"]["standing"]["reasons"]
    assert "verdict-attention" in scan(client, badge.token).content.decode()


def test_state_dishonest_suspends_the_badge_and_warns_the_tenant(client, badge, enterprise, monkeypatch):
    monkeypatch.setattr(standing, "enterprise_standing", dishonest)
    enterprise_changed(enterprise.pk)  # what the lists feature does when it lists an enterprise
    answer = verification.badge_verify(token=badge.token)
    assert answer["result"] == "dishonest" and answer["badge"]["status"] == "suspended"
    page = scan(client, badge.token).content.decode()
    assert "verdict-dishonest" in page and 'id="advice-title"' in page  # what it means for the tenant
    assert "严重失信主体名单" in page  # the list it is on, in the standing's words


def test_dishonest_badges_are_restored_when_the_enterprise_is_eligible_again(badge, enterprise, monkeypatch):
    monkeypatch.setattr(standing, "enterprise_standing", dishonest)
    enterprise_changed(enterprise.pk)
    assert result_of(badge.token) == "dishonest"
    monkeypatch.undo()
    enterprise_changed(enterprise.pk)
    assert result_of(badge.token) == "valid"


@pytest.mark.parametrize("status", ["revoked", "deregistered"])
def test_state_suspended_while_the_enterprise_is_not_operating_and_restored_after(
    client, badge, enterprise, registry_admin, status
):
    assert result_of(badge.token) == "valid"  # cached from here on
    enterprise_update(actor=registry_admin, enterprise=enterprise, data={"status": status})
    answer = verification.badge_verify(token=badge.token)
    assert answer["result"] == "suspended" and answer["enterprise"]["standing"]["level"] == "inactive"
    assert "verdict-suspended" in scan(client, badge.token).content.decode()
    enterprise_update(actor=registry_admin, enterprise=enterprise, data={"status": "in_operation"})
    assert result_of(badge.token) == "valid"


def test_state_revoked_as_soon_as_the_enterprise_revokes_it(client, badge, owner):
    assert result_of(badge.token) == "valid"  # cached from here on
    services.badge_revoke(actor=owner, badge=badge, reason="丢失")
    assert result_of(badge.token) == "revoked"
    assert "verdict-revoked" in scan(client, badge.token).content.decode()
    assert AuditEntry.objects.filter(action="badge.revoke", target_id=str(badge.pk)).exists()


def test_state_expired_the_day_after_its_expiry(client, owner, enterprise, monkeypatch):
    today = timezone.localdate()
    badge = services.badge_issue(
        actor=owner,
        enterprise=enterprise,
        sector="domestic_cleaning",
        expires_on=today + dt.timedelta(days=30),
    )
    assert result_of(badge.token) == "valid"
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today + dt.timedelta(days=31))
    assert result_of(badge.token) == "expired"
    assert "verdict-expired" in scan(client, badge.token).content.decode()


def test_state_staff_member_no_longer_with_the_enterprise(client, staff_badge, staff, owner):
    answer = verification.badge_verify(token=staff_badge.token)
    assert answer["result"] == "valid" and answer["staff"]["name_masked"] == "张*明"
    services.badge_staff_deactivate(actor=owner, staff=staff)
    answer = verification.badge_verify(token=staff_badge.token)
    assert answer["result"] == "staff_inactive" and answer["staff"]["active"] is False
    page = scan(client, staff_badge.token).content.decode()
    assert "verdict-staff_inactive" in page and "张三明" not in page and "张*明" in page


def test_state_not_genuine_for_garbage(client):
    for token in ["garbage", "a.b", "", "x" * 5000, "AAAA.AAAA", "%E4%B8%AD"]:
        assert result_of(token) == "not_genuine"
    page = scan(client, "not-a-token").content.decode()
    assert "verdict-not_genuine" in page and "/v/not-a-token/report" in page


# --- Live answer, cheap: cache and invalidation --------------------------------------------------


def test_a_repeated_scan_costs_no_query_and_still_shows_the_time_of_the_scan(
    badge, django_assert_num_queries, settings
):
    settings.BADGE_SCAN_FLUSH_SECONDS = 3600
    first = verification.badge_verify(token=badge.token)
    with django_assert_num_queries(0):
        second = verification.badge_verify(token=badge.token)
    assert second["result"] == "valid" and second["checked_at"] > first["checked_at"]


def test_the_page_of_a_repeated_scan_costs_no_query(client, badge, django_assert_num_queries, settings):
    settings.BADGE_SCAN_FLUSH_SECONDS = 3600
    scan(client, badge.token)
    with django_assert_num_queries(0):
        scan(client, badge.token)


# --- Scan counts: an aggregate only -------------------------------------------------------------


def test_scans_are_counted_per_badge_per_day_and_nothing_else(client, badge):
    for _ in range(3):
        scan(client, badge.token)
    scan(client, "garbage")
    row = BadgeScanDay.objects.get()
    assert (row.badge_id, row.day, row.count) == (badge.pk, timezone.localdate(), 3)
    assert {f.name for f in BadgeScanDay._meta.get_fields()} == {"id", "badge", "day", "count"}


def test_scans_added_up_in_the_process_are_written_in_one_upsert(badge, settings):
    settings.BADGE_SCAN_FLUSH_SECONDS = 3600
    for _ in range(5):
        verification.badge_verify(token=badge.token)
    assert not BadgeScanDay.objects.exists()
    assert services.badge_scans_flush() == 1
    verification.badge_verify(token=badge.token)
    services.badge_scans_flush()
    assert BadgeScanDay.objects.get().count == 6


def test_a_cached_page_carries_each_visitors_own_scan_time_and_csrf_token(badge, monkeypatch):
    from django.middleware.csrf import _unmask_cipher_token
    from django.test import Client

    first = scan(Client(), badge.token).content.decode()
    later = timezone.now() + dt.timedelta(seconds=7)
    monkeypatch.setattr(verification.timezone, "now", lambda: later)
    second_client = Client()
    second = scan(second_client, badge.token).content.decode()
    assert "StandIn" not in first and "StandIn" not in second
    assert timezone.localtime(later).strftime("%Y-%m-%d %H:%M:%S") in second
    assert timezone.localtime(later).strftime("%Y-%m-%d %H:%M:%S") not in first
    if 'name="csrfmiddlewaretoken"' in second:  # the site frame has a form: the visitor's own token
        masked = second.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        assert _unmask_cipher_token(masked) == second_client.cookies["csrftoken"].value


def test_with_the_live_memo_a_change_shows_within_its_seconds(badge, owner, settings, monkeypatch):
    import time as time_module

    settings.BADGE_LIVE_MEMO_SECONDS = 1.0
    assert result_of(badge.token) == "valid"
    services.badge_revoke(actor=owner, badge=badge)
    clock = time_module.monotonic()
    monkeypatch.setattr(verification.time, "monotonic", lambda: clock + 1.01)
    assert result_of(badge.token) == "revoked"


# --- The person: compare the photo only when one is shown ---------------------------------------


def _person_section(client, token: str) -> str:
    client.cookies["django_language"] = "en"
    page = scan(client, token).content.decode()
    return page[page.index('id="person-title"') : page.index("</section>", page.index('id="person-title"'))]


def test_without_a_photo_the_scanner_is_not_told_to_compare_one(client, staff_badge):
    section = _person_section(client, staff_badge.token)
    assert "bv-photo" not in section
    assert "photo with the person" not in section
    assert "No photo was registered for this person" in section and "identity document" in section


def test_with_a_photo_the_scanner_compares_name_and_photo(client, owner, enterprise):
    import io

    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (300, 400), "#7a9cc6").save(photo, "JPEG")
    photo.seek(0)
    staff = services.badge_staff_register(
        actor=owner, enterprise=enterprise, full_name="李四海", registration_number="FW-2", photo=photo
    )
    badge = services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_services", staff=staff)
    section = _person_section(client, badge.token)
    assert 'class="bv-photo"' in section
    assert "Compare the name and photo with the person in front of you." in section
    assert "No photo was registered" not in section
    services.badge_revoke(
        actor=owner, badge=badge
    )  # a revoked badge shows no photo, and asks for no comparison
    section = _person_section(client, badge.token)
    assert "bv-photo" not in section and "photo with the person" not in section
    assert client.get(f"/v/{badge.token}/photo").status_code == 404
