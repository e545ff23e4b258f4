"""QR credential badges: issue, revoke, staff, and what a scan says in every state (page and API)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lookup import signing
from lookup.badges import services, tokens, verification
from lookup.models import Badge, BadgeReport, BadgeScanDay
from registry.cache import enterprise_changed
from registry.models import AuditEntry
from registry.services import enterprise_update
from sanctions.lists import standing
from tests.factories import EnterpriseFactory, UserFactory
from tests.lookup.test_badges_support import confirmed_account, publish_serious_penalty

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.BADGE_SCAN_FLUSH_SECONDS = 0  # write every scan at once, so the tests can count them
    settings.BADGE_LIVE_MEMO_SECONDS = 0  # every change seen at the very next scan
    cache.clear()
    services._pending.clear()
    verification.local_clear()
    yield
    cache.clear()


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州安居房屋租赁有限公司")


@pytest.fixture
def owner(registry_admin, enterprise):
    return confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="landlord")


@pytest.fixture
def badge(owner, enterprise):
    return services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")


@pytest.fixture
def staff(owner, enterprise):
    return services.badge_staff_register(
        actor=owner, enterprise=enterprise, full_name="张三明", registration_number="FW-330106-0042"
    )


@pytest.fixture
def staff_badge(owner, enterprise, staff):
    return services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_services", staff=staff)


def scan(client, token: str):
    response = client.get(f"/v/{token}")
    assert response.status_code == 200
    return response


def result_of(token: str) -> str:
    return verification.badge_verify(token=token)["result"]


def dishonest(*, enterprise, today=None):
    return standing.Standing(standing.DISHONEST, ["列入严重失信主体名单（测试）"])


# --- Tokens ------------------------------------------------------------------------------------


def test_the_payload_is_compact_and_round_trips(badge, enterprise):
    kid, payload = tokens.token_read(badge.token)
    assert payload == tokens.BadgePayload(
        serial=badge.serial,
        uscc=enterprise.uscc,
        staff_id=None,
        issued_on=badge.issued_on,
        expires_on=badge.expires_on,
    )
    assert kid == badge.key_id
    assert tokens.SIZE == 27
    assert len(badge.token) < 140  # the whole URL stays under ~170 bytes: QR version ≤ 13 at level Q


def test_serial_numbers_are_printed_in_crockford_base32(badge):
    assert len(badge.serial_display) == 11 and badge.serial_display[5] == "-"
    assert tokens.serial_parse(badge.serial_display.lower()) == badge.serial


# --- Issue, revoke, staff ----------------------------------------------------------------------


def test_the_enterprise_account_issues_a_badge_with_an_audit_entry(badge, enterprise, owner):
    assert badge.enterprise == enterprise and badge.issued_by == owner and badge.status == "active"
    assert badge.expires_on == timezone.localdate() + dt.timedelta(days=365)
    assert AuditEntry.objects.filter(action="badge.issue", target_id=str(badge.pk)).exists()


def test_a_registry_admin_issues_for_the_enterprise(registry_admin, enterprise):
    badge = services.badge_issue(actor=registry_admin, enterprise=enterprise, sector="healthcare")
    assert result_of(badge.token) == "valid"


def test_nobody_else_issues_or_revokes(enterprise, badge, registry_admin, clerk):
    other = EnterpriseFactory()
    other_owner = confirmed_account(registry_admin=registry_admin, enterprise=other, username="other_owner")
    for actor in (other_owner, clerk, UserFactory(username="passer_by")):
        with pytest.raises(PermissionDenied):
            services.badge_issue(actor=actor, enterprise=enterprise, sector="housing_rental")
        with pytest.raises(PermissionDenied):
            services.badge_revoke(actor=actor, badge=badge)


def test_a_claim_waiting_for_confirmation_cannot_issue(registry_admin, enterprise):
    from registry import accounts

    person = UserFactory(username="not_yet")
    _, code = accounts.claim_code_issue(actor=registry_admin, enterprise=enterprise)
    accounts.enterprise_claim(actor=person, uscc=enterprise.uscc, code=code)
    with pytest.raises(PermissionDenied):
        services.badge_issue(actor=person, enterprise=enterprise, sector="housing_rental")


@pytest.mark.parametrize("status", ["revoked", "deregistered"])
def test_a_revoked_or_deregistered_enterprise_cannot_issue(owner, enterprise, status):
    enterprise.status = status
    enterprise.save()
    with pytest.raises(ValidationError, match=str(standing.LEVEL_LABELS[standing.INACTIVE])):
        services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
    assert not Badge.objects.exists()


def test_a_seriously_dishonest_enterprise_cannot_issue(owner, enterprise, monkeypatch):
    monkeypatch.setattr(standing, "enterprise_standing", dishonest)
    with pytest.raises(ValidationError, match=str(standing.LEVEL_LABELS[standing.DISHONEST])):
        services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
    assert not Badge.objects.exists()


def test_expiry_is_after_today_and_at_most_three_years(owner, enterprise):
    today = timezone.localdate()
    for bad in (today, today + dt.timedelta(days=3 * 366 + 1)):
        with pytest.raises(ValidationError) as caught:
            services.badge_issue(actor=owner, enterprise=enterprise, sector="healthcare", expires_on=bad)
        assert "expires_on" in caught.value.message_dict


def test_a_staff_badge_is_only_for_the_enterprises_active_staff(owner, enterprise, staff, registry_admin):
    other = EnterpriseFactory()
    outsider = services.badge_staff_register(
        actor=registry_admin, enterprise=other, full_name="李四", registration_number="X-1"
    )
    with pytest.raises(ValidationError) as caught:
        services.badge_issue(actor=owner, enterprise=enterprise, sector="healthcare", staff=outsider)
    assert "staff" in caught.value.message_dict
    services.badge_staff_deactivate(actor=owner, staff=staff)
    staff.refresh_from_db()
    with pytest.raises(ValidationError):
        services.badge_issue(actor=owner, enterprise=enterprise, sector="healthcare", staff=staff)


def test_a_registration_number_is_registered_once_while_active(owner, enterprise, staff):
    with pytest.raises(ValidationError) as caught:
        services.badge_staff_register(
            actor=owner,
            enterprise=enterprise,
            full_name="王五",
            registration_number=staff.registration_number,
        )
    assert "registration_number" in caught.value.message_dict


def test_a_photo_is_stored_as_a_small_jpeg_without_metadata(owner, enterprise):
    import io

    from PIL import Image

    raw = io.BytesIO()
    Image.new("RGB", (1200, 1600), "#88aacc").save(raw, "PNG")
    raw.seek(0)
    staff = services.badge_staff_register(
        actor=owner, enterprise=enterprise, full_name="赵六", registration_number="P-9", photo=raw
    )
    with Image.open(io.BytesIO(bytes(staff.photo))) as image:
        assert image.format == "JPEG" and image.size == (360, 480) and not image.getexif()
    with pytest.raises(ValidationError) as caught:
        services.badge_staff_register(
            actor=owner,
            enterprise=enterprise,
            full_name="钱七",
            registration_number="P-10",
            photo=io.BytesIO(b"not an image"),
        )
    assert "photo" in caught.value.message_dict


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
    assert "列入严重失信主体名单（测试）" in page


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


def _flip(char: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return alphabet[(alphabet.index(char) + 1) % len(alphabet)]


def test_a_token_with_one_character_changed_is_not_genuine(badge):
    body, signature = badge.token.split(".")
    for position in (0, len(body) // 2, len(body) - 2):
        altered = body[:position] + _flip(body[position]) + body[position + 1 :] + "." + signature
        assert result_of(altered) == "not_genuine"
    altered = body + "." + _flip(signature[0]) + signature[1:]
    assert result_of(altered) == "not_genuine"


def test_a_payload_swapped_between_two_genuine_badges_is_not_genuine(owner, enterprise, badge):
    second = services.badge_issue(actor=owner, enterprise=enterprise, sector="healthcare")
    swapped = second.token.split(".")[0] + "." + badge.token.split(".")[1]
    assert result_of(swapped) == "not_genuine"


def test_a_signature_from_another_key_is_not_genuine(badge):
    body = badge.token.split(".")[0]
    forged = Ed25519PrivateKey.generate().sign(signing.b64decode(body))
    assert result_of(body + "." + signing.b64encode(forged)) == "not_genuine"


def test_an_unknown_key_id_is_not_genuine(badge):
    payload = signing.verify(badge.token)[1]
    key = Ed25519PrivateKey.generate()
    body = bytes([5]) + b"rogue" + payload
    assert result_of(signing.b64encode(body) + "." + signing.b64encode(key.sign(body))) == "not_genuine"


def test_a_genuine_signature_over_facts_the_registry_never_issued_is_not_genuine(badge, enterprise):
    kid, payload = tokens.token_read(badge.token)
    other_dates = tokens.BadgePayload(
        serial=payload.serial,
        uscc=payload.uscc,
        staff_id=None,
        issued_on=payload.issued_on,
        expires_on=payload.expires_on + dt.timedelta(days=1),
    )
    assert result_of(signing.sign(tokens.pack(other_dates))) == "not_genuine"
    unknown_serial = tokens.BadgePayload(
        serial=payload.serial + 1,
        uscc=payload.uscc,
        staff_id=None,
        issued_on=payload.issued_on,
        expires_on=payload.expires_on,
    )
    assert result_of(signing.sign(tokens.pack(unknown_serial))) == "not_genuine"


def test_a_badge_signed_with_a_retired_key_still_verifies(settings, badge):
    """Keys rotate: badges already printed keep verifying while the old key is published."""
    from cryptography.hazmat.primitives import serialization

    old_private = signing.keyring().private[badge.key_id]
    new = Ed25519PrivateKey.generate()
    raw = new.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = old_private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    settings.SIGNING_KEYS = {"2099a": signing.b64encode(raw)}
    settings.SIGNING_PUBLIC_KEYS = {badge.key_id: signing.b64encode(public)}
    settings.SIGNING_CURRENT_KID = "2099a"
    signing.keyring.cache_clear()
    try:
        assert result_of(badge.token) == "valid"
    finally:
        signing.keyring.cache_clear()


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


# --- Report of a suspicious badge --------------------------------------------------------------


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


# --- JSON API --------------------------------------------------------------------------------


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
    assert set(operation["responses"]) == {"200", "400", "429"}
    assert operation["parameters"][0]["name"] == "token" and operation["parameters"][0]["required"]
    assert operation["security"] == [{}]  # public: no credentials


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
