"""Registration details: shareholders, key personnel, branches, change history (``registry.details``)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..choices import ChangeItem, ContributionForm, PersonnelRole, ShareholderKind
from .enterprises import Enterprise


class Shareholder(models.Model):
    """A shareholder or other contributor of an enterprise, with what it subscribed and paid in."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="shareholders")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ShareholderKind.choices)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("For a shareholder that is an enterprise."),
    )
    subscribed_amount = models.DecimalField(
        _("subscribed contribution (10,000 yuan)"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    subscribed_on = models.DateField(_("subscribed by"), null=True, blank=True)
    paid_in_amount = models.DecimalField(
        _("paid-in contribution (10,000 yuan)"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    paid_in_on = models.DateField(_("paid in on"), null=True, blank=True)
    contribution_form = models.CharField(
        _("form of contribution"), max_length=24, choices=ContributionForm.choices, blank=True
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["enterprise", "position", "id"]
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="shareholder_unique_name"),
            models.CheckConstraint(
                condition=Q(subscribed_amount__isnull=True) | Q(subscribed_amount__gte=0),
                name="shareholder_subscribed_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(paid_in_amount__isnull=True) | Q(paid_in_amount__gte=0),
                name="shareholder_paid_in_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(paid_in_amount__isnull=True)
                | Q(subscribed_amount__isnull=True)
                | Q(paid_in_amount__lte=F("subscribed_amount")),
                name="shareholder_paid_in_within_subscribed",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class KeyPerson(models.Model):
    """A director, supervisor or manager of an enterprise as registered (主要人员)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="personnel")
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=24, choices=PersonnelRole.choices)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["enterprise", "position", "id"]
        verbose_name = _("key person")
        verbose_name_plural = _("key personnel")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name", "role"], name="key_person_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class Branch(models.Model):
    """A branch (分支机构) of an enterprise, under its own code; linked to the branch's own entry
    when that is registered here."""

    parent = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="branches")
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    name = models.CharField(_("name"), max_length=200)
    registration_authority = models.CharField(_("registration authority"), max_length=200, blank=True)
    branch_enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parent_links",
        verbose_name=_("branch as registered here"),
    )

    class Meta:
        ordering = ["parent", "uscc"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        constraints = [
            models.UniqueConstraint(fields=["parent", "uscc"], name="branch_unique_code"),
        ]
        indexes = [models.Index(fields=["uscc"], name="branch_uscc")]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


class EnterpriseChange(models.Model):
    """One entry of an enterprise's change history (变更记录): what changed, from what, to what, when.

    ``before`` and ``after`` are JSON: a field's value as stored, or a shareholder, the key
    personnel or a branch as an object, so that every public output words and masks them alike
    (``registry.details.changes``)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="changes")
    item = models.CharField(_("item changed"), max_length=24, choices=ChangeItem.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    changed_on = models.DateField(_("date of change"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["enterprise", "-changed_on", "-id"]
        verbose_name = _("change")
        verbose_name_plural = _("change history")
        indexes = [models.Index(fields=["enterprise", "-changed_on", "-id"], name="enterprise_change_latest")]

    def __str__(self) -> str:
        return f"{self.item} {self.changed_on}"
