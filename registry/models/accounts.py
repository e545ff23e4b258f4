"""Enterprise users: claim codes and accounts (``registry.accounts``), sign-in addresses
(``registry.sign_up``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import SignInChannel
from .enterprises import Enterprise


class EnterpriseClaimCode(models.Model):
    """A one-time code a registry administrator gives an enterprise so a person can act for it."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="claim_codes", verbose_name=_("enterprise")
    )
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("used by"),
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("enterprise claim code")
        verbose_name_plural = _("enterprise claim codes")

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.issued_at:%Y-%m-%d}"


class EnterpriseAccountStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class EnterpriseAccount(models.Model):
    """A person verified as acting for one enterprise: claimed with a one-time code, then confirmed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enterprise_accounts",
        verbose_name=_("user"),
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("enterprise")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EnterpriseAccountStatus.choices,
        default=EnterpriseAccountStatus.PENDING,
    )
    claim_code = models.OneToOneField(
        EnterpriseClaimCode, on_delete=models.PROTECT, related_name="account", verbose_name=_("claim code")
    )
    claimed_at = models.DateTimeField(_("claimed"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        verbose_name = _("enterprise account")
        verbose_name_plural = _("enterprise accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=~Q(status="revoked"),
                name="enterprise_account_one_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"


class SignInAddress(models.Model):
    """An e-mail address or mobile number an enterprise user signs in with (registry/sign_up.py).

    Until its one-time code is entered it is a sign-up waiting for verification: the chosen
    password (hashed) and the code (a keyed hash) wait here, and no user exists yet.
    """

    channel = models.CharField(_("channel"), max_length=5, choices=SignInChannel.choices)
    # Lower-case e-mail, or "+86" and the 11 digits of a mainland mobile number.
    address = models.CharField(_("address"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sign_in_addresses",
        verbose_name=_("user"),
    )
    password = models.CharField(_("password (hashed)"), max_length=128, blank=True)
    code_hash = models.CharField(_("code hash"), max_length=64, blank=True)
    code_sent_at = models.DateTimeField(_("code sent"), null=True, blank=True)
    code_expires_at = models.DateTimeField(_("code expires"), null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(_("wrong codes entered"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sign-in address")
        verbose_name_plural = _("sign-in addresses")
        indexes = [models.Index(fields=["address"], name="sign_in_address")]
        constraints = [
            models.UniqueConstraint(
                fields=["address"],
                condition=Q(verified_at__isnull=False),
                name="sign_in_address_verified_once",
            ),
        ]

    def __str__(self) -> str:  # no address: this shows in the audit trail
        return f"{self.get_channel_display()} #{self.pk}"
