"""Statutory time limits, in working days, from the DeadlineRule catalogue in force on the start date."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _

from registry.calendar import add_working_days
from sanctions.models import DeadlineRule


def deadline_rule(kind: str, on: dt.date) -> DeadlineRule:
    rule = (
        DeadlineRule.objects.filter(kind=kind, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from")
        .first()
    )
    if rule is None:
        raise LookupError(
            _("No deadline rule “%(kind)s” is in force on %(date)s.") % {"kind": kind, "date": on}
        )
    return rule


def deadline(kind: str, start: dt.date) -> dt.date:
    """The last day to act: ``start`` plus the rule's working days (weekends and holidays skipped)."""
    return add_working_days(start, deadline_rule(kind, start).working_days)
