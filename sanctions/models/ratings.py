from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.language import in_reader_language
from registry.models import Enterprise
from sanctions.choices import RatingRuleKind, RecordKind, Severity
from sanctions.models.lists import ListKind


class RatingModel(models.Model):
    """A transparent credit rating: a grade scale and rules, configured as data (docs/domain.md §7)."""

    code = models.CharField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    description_en = models.TextField(_("English description"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    base_points = models.IntegerField(_("starting points"), default=100)
    grades = models.JSONField(
        _("grade scale"),
        help_text=_(
            'Best grade first: [{"grade": "A", "min_points": 90, "label": "…", "label_en": "…"}, …]; the last '
            "has no minimum."
        ),
    )
    is_default = models.BooleanField(_("default model"), default=False)
    effective_from = models.DateField(_("effective from"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("rating model")
        verbose_name_plural = _("rating models")

    def __str__(self) -> str:
        return self.name

    # The texts a reader sees, in the active language: English where the model has it.
    @property
    def display_name(self) -> str:
        return in_reader_language(self.name, self.name_en)

    @property
    def display_description(self) -> str:
        return in_reader_language(self.description, self.description_en)

    @property
    def display_grades(self) -> list[dict[str, Any]]:
        """The grade scale, each grade's ``label`` in the active language."""
        return [
            {**g, "label": in_reader_language(g.get("label", ""), g.get("label_en"))} for g in self.grades
        ]


class RatingRule(models.Model):
    """One rule of a rating model: points per matching record or listing, or a grade ceiling while listed."""

    model = models.ForeignKey(
        RatingModel, on_delete=models.CASCADE, related_name="rules", verbose_name=_("model")
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=RatingRuleKind.choices)
    record_kind = models.CharField(_("record kind"), max_length=16, choices=RecordKind.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, blank=True)
    list_kind = models.ForeignKey(
        ListKind, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("list")
    )
    points = models.IntegerField(_("points"), default=0)
    max_count = models.PositiveSmallIntegerField(
        _("counted at most"), null=True, blank=True, help_text=_("Empty: every matching item counts.")
    )
    ceiling_grade = models.CharField(_("grade at best"), max_length=8, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["model", "order", "id"]
        verbose_name = _("rating rule")
        verbose_name_plural = _("rating rules")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return in_reader_language(self.name, self.name_en)


class EnterpriseRating(models.Model):
    """An enterprise's grade under a model at a time, with every rule that fired; the history is kept."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("enterprise")
    )
    model = models.ForeignKey(
        RatingModel, on_delete=models.PROTECT, related_name="+", verbose_name=_("model")
    )
    grade = models.CharField(_("grade"), max_length=8)
    points = models.IntegerField(_("points"))
    explanation = models.JSONField(_("explanation"), default=list)
    fingerprint = models.CharField(_("inputs fingerprint"), max_length=64)
    is_current = models.BooleanField(_("current"), default=True)
    computed_at = models.DateTimeField(_("computed"), auto_now_add=True)

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("enterprise rating")
        verbose_name_plural = _("enterprise ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "model"], condition=models.Q(is_current=True), name="rating_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.grade}"
