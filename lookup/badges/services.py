"""Writes for QR credential badges: staff, issue, revoke, reports of fakes, scan counts."""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import io
import logging
import secrets
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lookup.models import Badge, BadgeReport, BadgeSector, BadgeStaff, BadgeStatus
from registry.accounts import enterprise_of
from registry.audit import audit_write
from registry.cache import enterprise_changed
from registry.changes import change_emit
from registry.choices import ChangeKind
from registry.models import Enterprise
from registry.permissions import is_registry_admin

from . import tokens
from .selectors import enterprise_badge_standing

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DEFAULT_DAYS = 365
MAX_DAYS = 3 * 366
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_BOX = (360, 480)


def can_manage_badges(user, enterprise: Enterprise) -> bool:
    """The enterprise's own confirmed account, or a registry administrator acting for it."""
    if is_registry_admin(user):
        return True
    found = enterprise_of(user)
    return found is not None and found.pk == enterprise.pk


def ensure_can_manage_badges(actor: User, enterprise: Enterprise) -> None:
    if not can_manage_badges(actor, enterprise):
        raise PermissionDenied(
            _("Only a confirmed account of %(name)s or a registry administrator may do this.")
            % {"name": enterprise.name}
        )


def _photo_jpeg(photo) -> bytes:
    """The uploaded photo as a small JPEG (at most 360×480), metadata (location, camera) dropped."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    data = photo.read() if hasattr(photo, "read") else bytes(photo)
    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": [_("The photo is larger than 5 MB.")]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail(PHOTO_BOX)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=82, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"photo": [_("This file is not a photo we can read (JPEG or PNG).")]}) from None
    return out.getvalue()


@transaction.atomic
def badge_staff_register(
    *, actor: User, enterprise: Enterprise, full_name: str, registration_number: str, photo=None
) -> BadgeStaff:
    """Register a practitioner who works for the enterprise, so that a staff badge can be issued."""
    ensure_can_manage_badges(actor, enterprise)
    errors: dict[str, list[str]] = {}
    full_name, registration_number = (full_name or "").strip(), (registration_number or "").strip()
    if not full_name:
        errors["full_name"] = [_("Enter the practitioner's full name.")]
    if not registration_number:
        errors["registration_number"] = [_("Enter the practitioner registration number.")]
    elif BadgeStaff.objects.filter(
        enterprise=enterprise, registration_number=registration_number, is_active=True
    ).exists():
        errors["registration_number"] = [
            _("A practitioner with this registration number is already registered.")
        ]
    if errors:
        raise ValidationError(errors)
    staff = BadgeStaff(
        enterprise=enterprise,
        full_name=full_name,
        registration_number=registration_number,
        photo=_photo_jpeg(photo) if photo else None,
        created_by=actor,
    )
    staff.full_clean(exclude=["photo"])
    staff.save()
    audit_write(
        actor=actor,
        action="badge_staff.register",
        target=staff,
        after={
            "enterprise": enterprise.uscc,
            "registration_number": registration_number,
            "photo": bool(photo),
        },
    )
    return staff


@transaction.atomic
def badge_staff_deactivate(*, actor: User, staff: BadgeStaff) -> BadgeStaff:
    """The practitioner no longer works for the enterprise: every badge of theirs stops verifying."""
    ensure_can_manage_badges(actor, staff.enterprise)
    staff = BadgeStaff.objects.select_for_update().get(pk=staff.pk)
    if not staff.is_active:
        return staff
    staff.is_active = False
    staff.deactivated_at = timezone.now()
    staff.deactivated_by = actor
    staff.save(update_fields=["is_active", "deactivated_at", "deactivated_by"])
    audit_write(
        actor=actor,
        action="badge_staff.deactivate",
        target=staff,
        before={"is_active": True},
        after={"is_active": False},
    )
    enterprise_changed(staff.enterprise_id)
    return staff


def _new_serial() -> int:
    while True:
        serial = secrets.randbelow(tokens.MAX_SERIAL - 2**40) + 2**40  # always ten characters shown
        if not Badge.objects.filter(serial=serial).exists():
            return serial


@transaction.atomic
def badge_issue(
    *,
    actor: User,
    enterprise: Enterprise,
    sector: str,
    staff: BadgeStaff | None = None,
    expires_on: dt.date | None = None,
    issued_on: dt.date | None = None,
) -> Badge:
    """Issue an enterprise badge (or a staff badge) with a signed QR token; refused to ineligible enterprises.

    ``issued_on`` is the day of issue, today unless a caller replays an earlier day (the demo seed,
    for its expired badges); every check and the validity limits count from that day.
    """
    ensure_can_manage_badges(actor, enterprise)
    enterprise = Enterprise.objects.get(pk=enterprise.pk)  # status as of now, not as the caller loaded it
    standing = enterprise_badge_standing(enterprise=enterprise)
    if not standing.eligible:
        raise ValidationError(
            _("%(name)s cannot issue badges: %(reason)s.")
            % {"name": enterprise.name, "reason": standing.label}
        )
    today = issued_on or timezone.localdate()
    expires_on = expires_on or today + dt.timedelta(days=DEFAULT_DAYS)
    errors: dict[str, list[str]] = {}
    if sector not in BadgeSector.values:
        errors["sector"] = [_("Choose a sector.")]
    if issued_on is not None and issued_on > timezone.localdate():
        errors["issued_on"] = [_("A badge cannot be issued on a day still to come.")]
    if expires_on <= today:
        errors["expires_on"] = [_("The expiry date must be after today.")]
    elif expires_on > today + dt.timedelta(days=MAX_DAYS):
        errors["expires_on"] = [_("A badge is valid for at most three years.")]
    if staff is not None and (staff.enterprise_id != enterprise.pk or not staff.is_active):
        errors["staff"] = [_("This practitioner is not an active staff member of the enterprise.")]
    if errors:
        raise ValidationError(errors)
    serial = _new_serial()
    token, kid = tokens.token_issue(
        tokens.BadgePayload(
            serial=serial,
            uscc=enterprise.uscc,
            staff_id=staff.pk if staff else None,
            issued_on=today,
            expires_on=expires_on,
        )
    )
    badge = Badge(
        serial=serial,
        enterprise=enterprise,
        staff=staff,
        sector=sector,
        issued_on=today,
        expires_on=expires_on,
        token=token,
        key_id=kid,
        issued_by=actor,
    )
    try:
        with transaction.atomic():
            badge.save()
    except IntegrityError:  # two issues drew the same serial at once
        raise ValidationError(_("Please try again.")) from None
    audit_write(
        actor=actor,
        action="badge.issue",
        target=badge,
        after={
            "serial": badge.serial_display,
            "enterprise": enterprise.uscc,
            "staff": badge.staff_id,
            "sector": sector,
            "issued_on": today,
            "expires_on": expires_on,
            "key_id": kid,
            **({"issued_as_of": True} if issued_on else {}),
        },
    )
    enterprise_changed(enterprise.pk)
    return badge


@transaction.atomic
def badge_revoke(*, actor: User, badge: Badge, reason: str = "") -> Badge:
    """Revoke a badge for good (lost, stolen, no longer wanted): its QR code then says so."""
    ensure_can_manage_badges(actor, badge.enterprise)
    badge = Badge.objects.select_for_update().get(pk=badge.pk)
    if badge.status == BadgeStatus.REVOKED:
        return badge
    badge.status = BadgeStatus.REVOKED
    badge.revoked_at = timezone.now()
    badge.revoked_by = actor
    badge.revoke_reason = (reason or "").strip()[:200]
    badge.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
    audit_write(
        actor=actor,
        action="badge.revoke",
        target=badge,
        before={"status": BadgeStatus.ACTIVE},
        after={"status": BadgeStatus.REVOKED, "reason": badge.revoke_reason},
    )
    # The reason stays with the enterprise: a scanner of the badge learns only that it is revoked.
    change_emit(
        kind=ChangeKind.BADGE_REVOKED,
        enterprise_uscc=badge.enterprise.uscc,
        subject=str(badge.serial),
        payload={"serial": badge.serial, "enterprise_uscc": badge.enterprise.uscc, "status": badge.status},
    )
    enterprise_changed(badge.enterprise_id)
    return badge


@transaction.atomic
def badge_report_create(*, token: str, message: str, contact: str = "") -> BadgeReport:
    """A member of the public reports a badge that did not verify; the token and their words are kept."""
    errors: dict[str, list[str]] = {}
    message, contact = (message or "").strip(), (contact or "").strip()
    if not message:
        errors["message"] = [_("Tell us where you saw the badge and what happened.")]
    elif len(message) > 2000:
        errors["message"] = [_("At most 2,000 characters.")]
    if len(contact) > 200:
        errors["contact"] = [_("At most 200 characters.")]
    if errors:
        raise ValidationError(errors)
    report = BadgeReport.objects.create(token=(token or "")[:1000], message=message, contact=contact)
    audit_write(actor="public", action="badge.report", target=report, after={"token": report.token[:120]})
    return report


# --- Scan counts ------------------------------------------------------------------------------
# A count per badge per day, nothing about who scanned. Counts are added up in the process and
# written as one UPSERT every few seconds, so that a scan costs no database write of its own;
# at most that many seconds of counts are lost if the process is killed.

_pending: Counter[tuple[int, dt.date]] = Counter()
_pending_lock = threading.Lock()
_last_flush = time.monotonic()


def _flush_seconds() -> float:
    return float(settings.BADGE_SCAN_FLUSH_SECONDS)


def badge_scan_count(*, badge_id: int) -> None:
    """Count one verification of the badge today (written in batches, see above).

    A database that cannot be reached does not fail the scan, whose answer may come from the cache:
    the counts are kept for the next flush."""
    with _pending_lock:
        _pending[(badge_id, timezone.localdate())] += 1
    if time.monotonic() - _last_flush >= _flush_seconds():
        try:
            badge_scans_flush()
        except (OperationalError, InterfaceError) as error:
            logging.getLogger(__name__).warning("badge scans: counts kept for the next flush (%s)", error)


def badge_scans_flush() -> int:
    """Write the counts added up so far (one UPSERT); returns the number of rows written."""
    global _last_flush
    with _pending_lock:
        # One order for every process: two workers upserting the same days never deadlock.
        rows = sorted(_pending.items())
        _pending.clear()
        _last_flush = time.monotonic()
    if not rows:
        return 0
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    params: list = []
    for (badge_id, day), count in rows:
        params += [badge_id, day, count]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL synchronous_commit = off"
            )  # a count may be lost in a crash, never wrong
            cursor.execute(
                "INSERT INTO lookup_badgescanday (badge_id, day, count) "  # noqa: S608 - placeholders only
                f"SELECT v.badge_id, v.day, v.count FROM (VALUES {values}) AS v(badge_id, day, count) "
                "JOIN lookup_badge b ON b.id = v.badge_id ORDER BY v.badge_id, v.day "
                "ON CONFLICT (badge_id, day) DO UPDATE SET count = lookup_badgescanday.count + EXCLUDED.count",
                params,
            )
    except Exception:
        with _pending_lock:  # keep the counts for the next flush
            for key, count in rows:
                _pending[key] += count
        raise
    return len(rows)


def _flush_at_exit() -> None:
    with contextlib.suppress(Exception):  # the process is ending; nothing left to tell
        badge_scans_flush()


atexit.register(_flush_at_exit)
