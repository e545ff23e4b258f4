"""Agencies and who acts for them: staff roles, and API tokens (``registry.tokens``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import AgencyLevel, Industry, PublicitySystem, StaffRoleKind
from .reference import Division


class Agency(models.Model):
    """A government body that decides or supplies credit records, identified by its own USCC."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=AgencyLevel.choices)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("division")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent agency"),
    )
    sectors = ArrayField(
        models.CharField(max_length=1, choices=Industry.choices),
        default=list,
        blank=True,
        verbose_name=_("sectors"),
    )
    publicity_system = models.CharField(
        _("publicity system"),
        max_length=24,
        choices=PublicitySystem.choices,
        blank=True,
        default=PublicitySystem.CREDIT_PLATFORM,
        help_text=_(
            "Market regulation: its decisions follow the rules of the enterprise credit publicity system "
            "(SAMR Order 45). Otherwise the national credit platform's rules apply."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class StaffRole(models.Model):
    """A person's role in one agency, or as a registry administrator (no agency)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("user")
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_roles",
        verbose_name=_("agency"),
    )
    role = models.CharField(_("role"), max_length=16, choices=StaffRoleKind.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        ordering = ["user__username", "agency__name", "role"]
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role=StaffRoleKind.REGISTRY_ADMIN) & Q(agency__isnull=True))
                | (~Q(role=StaffRoleKind.REGISTRY_ADMIN) & Q(agency__isnull=False)),
                name="staff_role_agency_iff_not_registry_admin",
            ),
            models.UniqueConstraint(
                fields=["user", "agency", "role"],
                name="staff_role_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        where = self.agency.name if self.agency_id else _("registry")
        return f"{self.user} · {self.get_role_display()} · {where}"


class ApiToken(models.Model):
    """A per-agency API credential: shown once, stored as a SHA-256 hash, with expiry."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("agency")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What system uses this token."))
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    read_only = models.BooleanField(_("read only"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acts as"),
        help_text=_("The service account whose roles the token carries."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.agency} · {self.name} ({self.prefix}…)"
