"""Reads for QR credential badges: an enterprise's standing for badges, its staff and badges with live status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lookup.models import Badge, BadgeScanDay, BadgeStaff, BadgeStatus
from registry.models import Enterprise
from sanctions.lists import standing as standing_module

# Badges are suspended while the enterprise is on the seriously dishonest list or no longer
# operating (licence revoked, deregistered); they verify again once it is eligible again.
INELIGIBLE_LEVELS = {standing_module.DISHONEST, standing_module.INACTIVE}

LIVE_ACTIVE = "active"
LIVE_SUSPENDED = "suspended"
LIVE_EXPIRED = "expired"
LIVE_REVOKED = "revoked"
LIVE_STAFF_INACTIVE = "staff_inactive"
LIVE_LABELS = {
    LIVE_ACTIVE: _("Active"),
    LIVE_SUSPENDED: _("Suspended"),
    LIVE_EXPIRED: _("Expired"),
    LIVE_REVOKED: _("Revoked"),
    LIVE_STAFF_INACTIVE: _("Staff member left"),
}


@dataclass
class BadgeStanding:
    level: str
    label: str
    reasons: list[str] = field(default_factory=list)
    details: str = ""  # the reasons in one line, as the credit page and the report print them

    @property
    def eligible(self) -> bool:
        return self.level not in INELIGIBLE_LEVELS


def enterprise_badge_standing(*, enterprise: Enterprise, today: dt.date | None = None) -> BadgeStanding:
    """The enterprise's live standing (``sanctions.standing``) and whether its badges may verify."""
    found = standing_module.enterprise_standing(enterprise=enterprise, today=today)
    return BadgeStanding(level=found.level, label=found.label, reasons=found.reasons, details=found.details)


def badge_live_status(*, badge: Badge, standing: BadgeStanding, today: dt.date | None = None) -> str:
    """What a scan of the badge says now: revoked, expired, staff member left, suspended, or active."""
    today = today or timezone.localdate()
    if badge.status == BadgeStatus.REVOKED:
        return LIVE_REVOKED
    if badge.expires_on < today:
        return LIVE_EXPIRED
    if badge.staff_id and not badge.staff.is_active:
        return LIVE_STAFF_INACTIVE
    if not standing.eligible:
        return LIVE_SUSPENDED
    return LIVE_ACTIVE


def badge_staff_list(*, enterprise: Enterprise) -> QuerySet[BadgeStaff]:
    return BadgeStaff.objects.filter(enterprise=enterprise).defer("photo")


def badge_list(*, enterprise: Enterprise, standing: BadgeStanding, days: int = 30) -> list[Badge]:
    """The enterprise's badges, newest first, each with ``live_status`` and ``scans`` over ``days`` days."""
    today = timezone.localdate()
    since = today - dt.timedelta(days=days - 1)
    badges = list(
        Badge.objects.filter(enterprise=enterprise)
        .select_related("staff")
        .defer("staff__photo")
        .annotate(scans=Sum("scan_days__count", filter=Q(scan_days__day__gte=since)))
    )
    for badge in badges:
        badge.live_status = badge_live_status(badge=badge, standing=standing, today=today)
        badge.live_label = LIVE_LABELS[badge.live_status]
        badge.scans = badge.scans or 0
    return badges


def badge_get(*, enterprise: Enterprise, serial: int) -> Badge:
    """One badge of the enterprise, or 404 (another enterprise's badges stay unknown)."""
    badge = (
        Badge.objects.select_related("enterprise", "staff")
        .filter(enterprise=enterprise, serial=serial)
        .first()
    )
    if badge is None:
        raise Http404
    return badge


def badge_staff_get(*, enterprise: Enterprise, pk: int) -> BadgeStaff:
    staff = BadgeStaff.objects.filter(enterprise=enterprise, pk=pk).first()
    if staff is None:
        raise Http404
    return staff


def badges_of_staff(*, staff: BadgeStaff) -> list[Badge]:
    """The staff member's badges still in force (not revoked), to say what recording a departure affects."""
    return list(Badge.objects.filter(staff=staff, status=BadgeStatus.ACTIVE).order_by("expires_on", "serial"))


def badge_scans_total(*, badge: Badge) -> int:
    return BadgeScanDay.objects.filter(badge=badge).aggregate(total=Sum("count"))["total"] or 0
