"""The public rule catalogue (/credit-system/rules/): how long each kind of record stays public.

Every publicity rule with its criteria, periods, legal basis, dates in force, how far it has been
checked against the order's text, and the reading chosen where the text allows more than one.
Public information; no account needed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from registry.models import Division
from sanctions.choices import RecordKind, RuleVerification
from sanctions.models import PublicityRule


def rule_catalogue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rules = list(
        PublicityRule.objects.select_related("penalty_category").order_by("kind", "effective_from", "pk")
    )
    provinces = dict(
        Division.objects.filter(code__in={f"{r.province}0000" for r in rules if r.province}).values_list(
            "code", "name"
        )
    )
    for rule in rules:
        rule.in_force = rule.effective_from <= today and (
            rule.effective_to is None or rule.effective_to >= today
        )
        rule.province_name = provinces.get(f"{rule.province}0000", rule.province)
    groups = [
        (label, [r for r in rules if r.kind == kind])
        for kind, label in RecordKind.choices
        if any(r.kind == kind for r in rules)
    ]
    unchecked = sum(r.verification != RuleVerification.CHECKED for r in rules)
    return render(
        request,
        "sanctions/public_rules.html",
        {"groups": groups, "unchecked": unchecked, "checked": RuleVerification.CHECKED, "today": today},
    )
