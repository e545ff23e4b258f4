"""Publicity periods from the rule catalogue (docs/domain.md §4), never from constants.

For each penalty kind on a decision, the rule in force on the decision date that matches most
specifically is found; when one decision carries several penalty kinds, the longest period
applies. A penalty whose kinds are all "warning only" is recorded but never published.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from registry.calendar import add_working_days
from sanctions.choices import RecordKind
from sanctions.models import PenaltyCategory, PublicityRule


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Publicity:
    rule: PublicityRule | None
    end: dt.date | None
    earliest_repair: dt.date | None
    early_repair_allowed: bool
    publish_deadline: dt.date | None
    never_published: bool
    explanation: str


def _rules_in_force(kind: str, on: dt.date, rules: list[PublicityRule] | None = None) -> list[PublicityRule]:
    if rules is not None:
        return [
            r
            for r in rules
            if r.kind == kind and r.effective_from <= on and (r.effective_to is None or r.effective_to >= on)
        ]
    return list(
        PublicityRule.objects.filter(kind=kind, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .select_related("penalty_category")
    )


def best_rule(
    rules: list[PublicityRule],
    *,
    category: str | None,
    severity: str,
    regulatory_field: str,
    province: str,
    fine: Decimal | None,
) -> PublicityRule | None:
    """The matching rule with the most criteria; ties go to the most recently effective."""
    matching = [
        r
        for r in rules
        if (not r.penalty_category_id or r.penalty_category_id == category)
        and (not r.severity or r.severity == severity)
        and (not r.regulatory_field or r.regulatory_field == regulatory_field)
        and (not r.province or r.province == province)
        and (r.fine_at_most is None or (fine is not None and fine <= r.fine_at_most))
    ]
    if not matching:
        return None
    return max(matching, key=lambda r: (r.specificity, r.effective_from, r.pk))


def _end(rule: PublicityRule, decision_date: dt.date, valid_to: dt.date | None) -> dt.date | None:
    if rule.max_months is None:
        return valid_to
    return add_months(decision_date, rule.max_months)


def publicity_for(
    *,
    kind: str,
    decision_date: dt.date,
    categories: list[str],
    severity: str,
    regulatory_field: str,
    province: str,
    fine: Decimal | None,
    valid_to: dt.date | None,
    rules: list[PublicityRule] | None = None,
    catalogue: dict[str, PenaltyCategory] | None = None,
    calendar: dict[dt.date, bool] | None = None,
) -> Publicity:
    """Compute a record's publicity from the catalogue; raises LookupError if no rule is in force.

    Bulk callers pass ``rules`` (all rules, read once), ``catalogue`` (categories by code) and
    ``calendar`` (``calendar_exceptions()``, read once).
    """
    rules = _rules_in_force(kind, decision_date, rules)
    if catalogue is not None:
        catalogue = {c: catalogue[c] for c in categories if c in catalogue}
    else:
        catalogue = (
            {c.code: c for c in PenaltyCategory.objects.filter(code__in=categories)} if categories else {}
        )
    candidates = []
    for category in categories or [None]:
        rule = best_rule(
            rules,
            category=category,
            severity=severity,
            regulatory_field=regulatory_field,
            province=province,
            fine=fine,
        )
        if rule is None:
            continue
        candidates.append(rule)
    if not candidates:
        raise LookupError(
            _("No publicity rule is in force for this kind of record on %(date)s.")
            % {"date": decision_date.isoformat()}
        )
    far_future = dt.date.max

    def period_end(rule: PublicityRule) -> dt.date:
        return _end(rule, decision_date, valid_to) or far_future

    chosen = max(candidates, key=period_end)
    end = _end(chosen, decision_date, valid_to)
    earliest = add_months(decision_date, max(r.min_months for r in candidates))
    forbidden = [c.name for c in catalogue.values() if c.early_end_forbidden]
    early = chosen.early_repair_allowed and all(r.early_repair_allowed for r in candidates) and not forbidden
    never = (
        kind == RecordKind.PENALTY
        and bool(categories)
        and all(catalogue.get(c) is not None and catalogue[c].warning_only for c in categories)
    )
    if end is not None and earliest > end:
        earliest = end
    parts = [_("%(rule)s (%(basis)s)") % {"rule": chosen.name, "basis": chosen.legal_basis}]
    if never:
        parts.append(_("a warning-only penalty is never published"))
    elif chosen.max_months is None:
        parts.append(_("public while the licence is valid"))
    else:
        parts.append(_("public for %(months)d months from the decision date") % {"months": chosen.max_months})
    if len(candidates) > 1:
        parts.append(_("the longest period of the decision's penalty kinds applies"))
    if forbidden:
        parts.append(_("publicity cannot end early (%(kinds)s)") % {"kinds": "、".join(forbidden)})
    elif not early:
        parts.append(_("publicity cannot end early under this rule"))
    return Publicity(
        rule=chosen,
        end=end,
        earliest_repair=earliest if early else None,
        early_repair_allowed=early,
        publish_deadline=add_working_days(decision_date, chosen.publish_within_working_days, calendar),
        never_published=never,
        explanation="; ".join(parts),
    )
