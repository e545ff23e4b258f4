"""Statutory time limits, in working days, from the DeadlineRule catalogue in force on the start date;
and the catalogue's one write, for registry administrators."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from registry.audit import audit_write, snapshot
from registry.calendar import add_working_days
from registry.permissions import ensure_registry_admin
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


@transaction.atomic
def deadline_rule_save(*, actor: User, rule: DeadlineRule) -> DeadlineRule:
    """Add or change a statutory deadline; deadlines already computed keep the rule they were computed with."""
    ensure_registry_admin(actor)
    if rule.effective_to and rule.effective_to < rule.effective_from:
        raise ValidationError({"effective_to": [_("The end of effect is before its start.")]})
    if not (rule.legal_basis or "").strip():
        raise ValidationError({"legal_basis": [_("Give the legal basis of the deadline.")]})
    overlapping = (
        DeadlineRule.objects.filter(kind=rule.kind)
        .exclude(pk=rule.pk)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=rule.effective_from))
    )
    if rule.effective_to:
        overlapping = overlapping.filter(effective_from__lte=rule.effective_to)
    if overlapping.filter(effective_from=rule.effective_from).exists():
        raise ValidationError(
            {"effective_from": [_("Another rule of this kind takes effect on the same day.")]}
        )
    before = snapshot(DeadlineRule.objects.get(pk=rule.pk)) if rule.pk else None
    rule.full_clean()
    rule.save()
    audit_write(
        actor=actor, action="catalogue.deadline_rule_save", target=rule, before=before, after=snapshot(rule)
    )
    return rule
