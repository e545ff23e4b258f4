"""Reference data that ships with the code (``registry.reference``): the administrative divisions
and the working-day calendar."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import DivisionLevel


class Division(models.Model):
    """An administrative division of GB/T 2260, including those that no longer exist."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    full_name = models.CharField(_("full name"), max_length=200)
    level = models.CharField(_("level"), max_length=12, choices=DivisionLevel.choices)
    valid_from = models.PositiveSmallIntegerField(_("in use from (year)"), null=True, blank=True)
    valid_until = models.PositiveSmallIntegerField(_("in use until (year)"), null=True, blank=True)
    history = models.JSONField(
        _("earlier names"),
        default=list,
        blank=True,
        help_text=_("Earlier names of this code, each with the years it was used."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self) -> str:
        return f"{self.code} {self.full_name}"

    @property
    def is_current(self) -> bool:
        return self.valid_until is None


class CalendarDay(models.Model):
    """An exception to the Monday–Friday working week: a public holiday or a make-up working day."""

    date = models.DateField(_("date"), primary_key=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked for a make-up working day on a weekend; clear for a holiday.")
    )
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CalendarYear(models.Model):
    """A year whose holiday notice is loaded: its working days are known, not estimated from the law.

    For a year without one, deadlines are counted with the statutory holidays alone and shown as
    provisional (registry/calendar.py).
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    notice = models.CharField(
        _("notice"),
        max_length=500,
        help_text=_("Title and number of the State Council notice (and of any notice amending it)."),
    )
    loaded_at = models.DateTimeField(_("loaded"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday notice")
        verbose_name_plural = _("holiday notices")

    def __str__(self) -> str:
        return f"{self.year} {self.notice}"
