"""Badges: the signed token, and who issues and revokes them for which staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lookup.badges import services, tokens
from lookup.models import Badge
from registry.models import AuditEntry
from sanctions.lists import standing
from tests.factories import EnterpriseFactory, UserFactory
from tests.lookup.badges.support import confirmed_account, dishonest, result_of

pytestmark = [pytest.mark.django_db]


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


def test_a_badge_issued_as_of_an_earlier_day_counts_its_limits_from_that_day(owner, enterprise):
    today = timezone.localdate()
    issued_on = today - dt.timedelta(days=400)
    badge = services.badge_issue(
        actor=owner,
        enterprise=enterprise,
        sector="healthcare",
        issued_on=issued_on,
        expires_on=today - dt.timedelta(days=35),
    )
    assert badge.issued_on == issued_on
    assert tokens.token_read(badge.token)[1].issued_on == issued_on
    assert result_of(badge.token) == "expired"
    assert AuditEntry.objects.get(action="badge.issue", target_id=str(badge.pk)).after["issued_as_of"] is True
    with pytest.raises(ValidationError) as caught:  # three years from the day of issue, not from today
        services.badge_issue(
            actor=owner,
            enterprise=enterprise,
            sector="healthcare",
            issued_on=issued_on,
            expires_on=issued_on + dt.timedelta(days=3 * 366 + 1),
        )
    assert "expires_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.badge_issue(
            actor=owner,
            enterprise=enterprise,
            sector="healthcare",
            issued_on=today + dt.timedelta(days=1),
            expires_on=today + dt.timedelta(days=30),
        )
    assert "issued_on" in caught.value.message_dict


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
