"""Random inspections graded by credit (双随机、一公开): inspectors, their conflicts of interest,
plans with a sampling rate per credit grade, the recorded draw and the inspections' results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Agency, Enterprise
from sanctions.choices import InspectionOutcome, InspectionPlanStatus, InspectionResultStatus
from sanctions.models.bases import Reviewed
from sanctions.models.lists import Listing
from sanctions.models.ratings import RatingModel


class Inspector(models.Model):
    """A member of an agency's staff on its roster of law-enforcement inspectors (执法检查人员名录库)."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="inspectors", verbose_name=_("agency")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    badge_number = models.CharField(
        _("law-enforcement certificate number"),
        max_length=40,
        help_text=_("Published with the draw: the draw names inspectors by this number."),
    )
    active = models.BooleanField(_("on the roster"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["agency", "badge_number"]
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="inspector_one_per_agency"),
            models.UniqueConstraint(fields=["agency", "badge_number"], name="inspector_unique_badge"),
        ]

    def __str__(self) -> str:
        return f"{self.badge_number} · {self.user}"


class InspectorConflict(models.Model):
    """An inspector recorded as conflicted with an enterprise: the draw never sends them there (回避)."""

    inspector = models.ForeignKey(
        Inspector, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("inspector")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["inspector", "enterprise"]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["inspector", "enterprise"], name="conflict_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} · {self.enterprise}"


class InspectionPlan(models.Model):
    """An agency's random inspection plan: its scope, period and sampling rate per credit grade,
    approved by a second reviewer, then drawn once with a published seed and population snapshot."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="inspection_plans", verbose_name=_("agency")
    )
    title = models.CharField(_("title"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    industries = models.JSONField(
        _("industry sections"), default=list, blank=True, help_text=_("Empty: every industry.")
    )
    division_prefix = models.CharField(
        _("administrative division prefix"), max_length=6, blank=True, help_text=_("Empty: everywhere.")
    )
    include_list_kinds = models.JSONField(
        _("only enterprises on these lists"),
        default=list,
        blank=True,
        help_text=_("Empty: no such condition."),
    )
    exclude_list_kinds = models.JSONField(_("not enterprises on these lists"), default=list, blank=True)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    rating_model = models.ForeignKey(
        RatingModel, on_delete=models.PROTECT, related_name="+", verbose_name=_("rating model")
    )
    rates = models.JSONField(
        _("sampling rate per grade (per cent)"),
        help_text=_(
            'Per grade of the rating model and "ungraded": {"A": "2", "B": "5", …, "ungraded": "10"}.'
        ),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InspectionPlanStatus.choices, default=InspectionPlanStatus.DRAFT
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    # The draw, recorded once (inspection_draw): what anyone needs to reproduce it.
    algorithm = models.CharField(_("draw algorithm"), max_length=40, blank=True)
    seed = models.CharField(_("published seed"), max_length=64, blank=True)
    snapshot = models.TextField(_("population snapshot"), blank=True, editable=False)
    snapshot_sha256 = models.CharField(_("snapshot SHA-256"), max_length=64, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    strata = models.JSONField(
        _("per grade"),
        default=dict,
        blank=True,
        help_text=_('Counted by the draw: {"A": {"population": 1200, "drawn": 24}, …}.'),
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="inspection_plan_period"
            ),
            models.CheckConstraint(
                condition=~Q(status="drawn") | (~Q(seed="") & ~Q(snapshot_sha256="")),
                name="inspection_plan_drawn_recorded",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Inspection(Reviewed, models.Model):
    """One enterprise drawn by a plan, its two drawn inspectors and the inspection's result."""

    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("plan")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("enterprise")
    )
    grade = models.CharField(_("grade when drawn"), max_length=8, blank=True)
    position = models.PositiveIntegerField(_("order in the draw"))
    inspector_1 = models.ForeignKey(
        Inspector, on_delete=models.PROTECT, related_name="+", verbose_name=_("first inspector")
    )
    inspector_2 = models.ForeignKey(
        Inspector, on_delete=models.PROTECT, related_name="+", verbose_name=_("second inspector")
    )
    result_status = models.CharField(
        _("result status"),
        max_length=12,
        choices=InspectionResultStatus.choices,
        default=InspectionResultStatus.PENDING,
    )
    outcome = models.CharField(_("result"), max_length=20, choices=InspectionOutcome.choices, blank=True)
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    consequences = models.TextField(_("consequences"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    # Published by a reviewer, or sent back (``Reviewed``).
    listing = models.ForeignKey(
        Listing,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("abnormal-operations listing"),
    )

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.UniqueConstraint(fields=["plan", "enterprise"], name="inspection_once_per_plan"),
            models.UniqueConstraint(fields=["plan", "position"], name="inspection_position_unique"),
            models.CheckConstraint(
                condition=~Q(inspector_1=models.F("inspector_2")), name="inspection_two_inspectors"
            ),
        ]
        indexes = [
            models.Index(
                fields=["enterprise", "-published_at"],
                condition=Q(result_status="published"),
                name="inspection_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.enterprise}"
