"""QR credential badges: an enterprise's staff, the badges it prints, reports of fakes, scan counts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models import Enterprise

__all__ = ["Badge", "BadgeReport", "BadgeScanDay", "BadgeSector", "BadgeStaff", "BadgeStatus"]


class BadgeSector(models.TextChoices):
    """Sectors where tenants and customers most need to check who is at the door."""

    HOUSING_RENTAL = "housing_rental", _("Housing rental")
    HOUSING_SERVICES = "housing_services", _("Housing services (agency, property, repairs)")
    DOMESTIC_CLEANING = "domestic_cleaning", _("Domestic services and cleaning")
    HEALTHCARE = "healthcare", _("Healthcare")
    OTHER = "other", _("Other")


class BadgeStatus(models.TextChoices):
    """The stored status; "expired" and "suspended" are computed live at every scan."""

    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class BadgeStaff(models.Model):
    """A practitioner working for an enterprise, registered by its account to carry a staff badge."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="badge_staff", verbose_name=_("enterprise")
    )
    full_name = models.CharField(pgettext_lazy("person", "full name"), max_length=60)
    registration_number = models.CharField(_("practitioner registration number"), max_length=40)
    photo = models.BinaryField(_("photo (JPEG)"), null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("works for the enterprise"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    deactivated_at = models.DateTimeField(_("left the enterprise"), null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deactivated by"),
    )

    class Meta:
        ordering = ["-is_active", "full_name", "id"]
        verbose_name = _("badge staff member")
        verbose_name_plural = _("badge staff members")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "registration_number"],
                condition=Q(is_active=True),
                name="badge_staff_active_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.registration_number})"

    @property
    def has_photo(self) -> bool:
        return bool(self.photo)


class Badge(models.Model):
    """A printed credential (enterprise or staff) whose QR code leads to a live verification page."""

    serial = models.BigIntegerField(_("serial number"), unique=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="badges", verbose_name=_("enterprise")
    )
    staff = models.ForeignKey(
        BadgeStaff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="badges",
        verbose_name=_("staff member"),
    )
    sector = models.CharField(_("sector"), max_length=20, choices=BadgeSector.choices)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(
        _("status"), max_length=10, choices=BadgeStatus.choices, default=BadgeStatus.ACTIVE
    )
    token = models.CharField(_("signed token"), max_length=300, unique=True)
    key_id = models.CharField(_("signing key"), max_length=32)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.CharField(_("reason for revocation"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("credential badge")
        verbose_name_plural = _("credential badges")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")), name="badge_expires_after_issue"
            ),
        ]

    def __str__(self) -> str:
        return self.serial_display

    @property
    def serial_display(self) -> str:
        from lookup.badges.tokens import serial_display

        return serial_display(self.serial)

    @property
    def kind(self) -> str:
        return "staff" if self.staff_id else "enterprise"


class BadgeScanDay(models.Model):
    """How many times a badge was verified on one day: an aggregate only (no IP, no user agent)."""

    badge = models.ForeignKey(
        Badge, on_delete=models.CASCADE, related_name="scan_days", verbose_name=_("badge")
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("scans"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("badge scans per day")
        verbose_name_plural = _("badge scans per day")
        constraints = [models.UniqueConstraint(fields=["badge", "day"], name="badge_scan_day_unique")]

    def __str__(self) -> str:
        return f"{self.badge_id} {self.day}: {self.count}"


class BadgeReport(models.Model):
    """A member of the public reports a badge that did not verify (a suspected fake)."""

    token = models.CharField(_("scanned token"), max_length=1000)
    message = models.TextField(_("what happened"), max_length=2000)
    contact = models.CharField(_("contact (optional)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report of a suspicious badge")
        verbose_name_plural = _("reports of suspicious badges")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.token[:24]}…"
