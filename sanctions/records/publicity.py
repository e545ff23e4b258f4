"""Publicity periods from the rule catalogue (docs/domain.md §4), never from constants.

For each penalty kind on a decision, the rule in force on the decision date that matches most
specifically is found — by category, severity, regulatory field, province, the deciding agency's
publicity system (market regulation follows SAMR Order 45), the party's category and the fine;
when one decision carries several penalty kinds, the longest period applies. A penalty whose
kinds are all "warning only" is recorded but never published.

The publish-by date is counted in working days; it is provisional while the holiday notice of a
year it crosses is not loaded, and is counted again when that notice is loaded
(``recount_publish_deadlines``, on ``holiday_notice_loaded``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.dispatch import receiver
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.calendar import WorkingCalendar, working_calendar, working_day_deadline
from registry.holiday_notices import holiday_notice_loaded
from registry.models import CalendarYear
from sanctions.choices import RecordKind
from sanctions.models import CreditRecord, PenaltyCategory, PublicityRule


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
    # The publish-by date rests on a year whose holiday notice is not loaded (estimated from the law).
    publish_deadline_provisional: bool = False


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
    agency_system: str = "",
    party_category: str = "",
) -> PublicityRule | None:
    """The matching rule with the most criteria; ties go to the most recently effective."""
    matching = [
        r
        for r in rules
        if (not r.penalty_category_id or r.penalty_category_id == category)
        and (not r.severity or r.severity == severity)
        and (not r.regulatory_field or r.regulatory_field == regulatory_field)
        and (not r.province or r.province == province)
        and (not r.agency_system or r.agency_system == agency_system)
        and (not r.party_category or r.party_category == party_category)
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
    agency_system: str = "",
    party_category: str = "",
    rules: list[PublicityRule] | None = None,
    catalogue: dict[str, PenaltyCategory] | None = None,
    calendar: WorkingCalendar | None = None,
) -> Publicity:
    """Compute a record's publicity from the catalogue; raises LookupError if no rule is in force.

    ``agency_system`` is the deciding agency's ``publicity_system``; ``party_category`` the
    record's. Bulk callers pass ``rules`` (all rules, read once), ``catalogue`` (categories by
    code) and ``calendar`` (``working_calendar()``, read once).
    """
    rules = _rules_in_force(kind, decision_date, rules)
    if catalogue is not None:
        catalogue = {c: catalogue[c] for c in categories if c in catalogue}
    else:
        catalogue = (
            {c.code: c for c in PenaltyCategory.objects.filter(code__in=categories)} if categories else {}
        )
    # A warning is never published on its own (its category is "warning only"): beside another
    # penalty, the other penalty's rule sets the period (a warning and a low fine: the fine's).
    published = [c for c in categories if catalogue.get(c) is None or not catalogue[c].warning_only]
    candidates = []
    for category in published or categories or [None]:
        rule = best_rule(
            rules,
            category=category,
            severity=severity,
            regulatory_field=regulatory_field,
            province=province,
            fine=fine,
            agency_system=agency_system,
            party_category=party_category,
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
    deadline = working_day_deadline(decision_date, chosen.publish_within_working_days, calendar)
    return Publicity(
        rule=chosen,
        end=end,
        earliest_repair=earliest if early else None,
        early_repair_allowed=early,
        publish_deadline=deadline.date,
        never_published=never,
        explanation="; ".join(parts),
        publish_deadline_provisional=deadline.provisional,
    )


def recount_publish_deadlines(*, year: int, actor) -> int:
    """Count again the publish-by dates that crossed ``year`` while its notice was not loaded.

    Called when the notice is loaded, in its transaction; one audit entry lists what moved.
    Returns how many records changed.
    """
    calendar = working_calendar()
    working_days = dict(PublicityRule.objects.values_list("pk", "publish_within_working_days"))
    changed, moves = [], {}
    candidates = CreditRecord.objects.filter(
        publish_deadline__gte=dt.date(year - 1, 12, 1),
        decision_date__lte=dt.date(year, 12, 31),
        publicity_rule__isnull=False,
    ).only("pk", "decision_date", "publish_deadline", "publicity_rule_id")
    for record in candidates.iterator(chunk_size=2000):
        days = working_days.get(record.publicity_rule_id)
        if days is None:
            continue
        counted = working_day_deadline(record.decision_date, days, calendar).date
        if counted != record.publish_deadline:
            moves[str(record.pk)] = [record.publish_deadline.isoformat(), counted.isoformat()]
            record.publish_deadline = counted
            changed.append(record)
    CreditRecord.objects.bulk_update(changed, ["publish_deadline"], batch_size=2000)
    if changed:
        notice = CalendarYear.objects.get(year=year)
        audit_write(
            actor=actor,
            action="records.publish_deadlines_recount",
            target=notice,
            before={"publish_deadline": {pk: old for pk, (old, _new) in moves.items()}},
            after={"publish_deadline": {pk: new for pk, (_old, new) in moves.items()}},
        )
    return len(changed)


@receiver(holiday_notice_loaded, dispatch_uid="sanctions.records.recount_publish_deadlines")
def _recount_on_notice(sender, *, year: int, actor, **kwargs) -> None:
    recount_publish_deadlines(year=year, actor=actor)
