"""The catalogues a record is judged by: the kinds of penalty and the publicity rules."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.choices import PublicitySystem
from sanctions.choices import PartyCategory, RecordKind, RegulatoryField, RuleVerification, Severity


class PenaltyCategory(models.Model):
    """A kind of administrative penalty (CF_CFLB), kept as an editable catalogue."""

    code = models.CharField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=150)
    warning_only = models.BooleanField(
        _("warning only"), default=False, help_text=_("A penalty of this kind alone is never published.")
    )
    early_end_forbidden = models.BooleanField(
        _("early end of publicity forbidden"),
        default=False,
        help_text=_("Publicity can never end early (e.g. suspension of business, revoked licence)."),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("penalty category")
        verbose_name_plural = _("penalty categories")

    def __str__(self) -> str:
        return self.name


class PublicityRule(models.Model):
    """How long a record stays public and when it may be repaired, by kind, category, severity, field.

    The rule in force on a record's decision date that matches it most specifically decides.
    """

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("record kind"), max_length=16, choices=RecordKind.choices)
    penalty_category = models.ForeignKey(
        PenaltyCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("penalty category"),
        help_text=_("Empty: any category."),
    )
    severity = models.CharField(
        _("severity"),
        max_length=20,
        choices=Severity.choices,
        blank=True,
        help_text=_("Empty: any severity."),
    )
    regulatory_field = models.CharField(
        _("regulatory field"),
        max_length=20,
        choices=RegulatoryField.choices,
        blank=True,
        help_text=_("Empty: any field."),
    )
    province = models.CharField(
        _("province code"),
        max_length=2,
        blank=True,
        help_text=_("Two digits (e.g. 33): only records decided in that province. Empty: national."),
    )
    agency_system = models.CharField(
        _("agencies"),
        max_length=24,
        choices=PublicitySystem.choices,
        blank=True,
        help_text=_(
            "Only decisions of agencies of this publicity system (market regulation: SAMR Order 45). "
            "Empty: any agency."
        ),
    )
    party_category = models.CharField(
        _("party category"),
        max_length=24,
        choices=PartyCategory.choices,
        blank=True,
        help_text=_("Only parties of this category (a threshold set for organisations). Empty: any party."),
    )
    fine_at_most = models.DecimalField(
        _("fine at most (10,000 yuan)"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Only fines up to this amount (the provincial threshold for a low fine)."),
    )
    min_months = models.PositiveSmallIntegerField(_("minimum publicity (months)"))
    max_months = models.PositiveSmallIntegerField(
        _("maximum publicity (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: public until the licence's validity ends (or indefinitely)."),
    )
    early_repair_allowed = models.BooleanField(_("early repair allowed"), default=True)
    publish_within_working_days = models.PositiveSmallIntegerField(
        _("publish within (working days)"), default=20
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    verification = models.CharField(
        _("verification"),
        max_length=20,
        choices=RuleVerification.choices,
        default=RuleVerification.UNCONFIRMED,
        help_text=_("Whether the figures were checked against the text of the order the rule cites."),
    )
    reading = models.TextField(
        _("reading"),
        blank=True,
        help_text=_(
            "How the order's text is read here: any other reading, the one chosen and why (shown on the "
            "public rule catalogue)."
        ),
    )

    class Meta:
        ordering = ["kind", "effective_from", "name"]
        verbose_name = _("publicity rule")
        verbose_name_plural = _("publicity rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_months__isnull=True) | Q(max_months__gte=models.F("min_months")),
                name="publicity_rule_max_not_below_min",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="publicity_rule_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        return sum(
            bool(v)
            for v in (
                self.penalty_category_id,
                self.severity,
                self.regulatory_field,
                self.province,
                self.agency_system,
                self.party_category,
                self.fine_at_most is not None,
            )
        )
