"""How a named scenario writes its plan: records numbered in order, dates counted back from today,
agencies named by their demo codes, violations, licences and rewards taken from ``texts``."""

from __future__ import annotations

import datetime as dt
import random

from registry.models import Enterprise
from sanctions.choices import CommitmentKind, RecordKind

from . import texts
from .context import SeedContext
from .decisions import (
    Facts,
    licence_data,
    listing_data,
    penalty_data,
    resolve_agency,
    reward_data,
    working_day_back,
)
from .plans import CommitmentPlan, EnterprisePlan, ListingPlan, RecordPlan


def facts_of(enterprise: Enterprise) -> Facts:
    return Facts(
        enterprise.pk,
        enterprise.uscc,
        enterprise.name,
        enterprise.industry,
        enterprise.division_code,
        enterprise.status,
        enterprise.legal_representative,
        enterprise.established_on,
    )


class Builder:
    """Builds one enterprise's explicit plan: records numbered in order, dates counted back from today."""

    def __init__(self, ctx: SeedContext, enterprise: Enterprise):
        self.ctx = ctx
        self.enterprise = enterprise
        self.facts = facts_of(enterprise)
        self.plan = EnterprisePlan(self.facts)
        self.n = 0

    def day(self, days_back: int) -> dt.date:
        return working_day_back(self.ctx.today, days_back)

    def agency(self, code: str):
        return resolve_agency(code, self.facts, self.ctx.agencies)

    def _next(self) -> int:
        self.n += 1
        return self.n - 1

    def penalty(
        self,
        code: str,
        days_back: int,
        violation: texts.Violation,
        *,
        fine: float | None = None,
        confiscated: float | None = None,
        **extra,
    ) -> RecordPlan:

        agency = self.agency(code)
        n = self._next()
        data = penalty_data(
            self.facts,
            agency,
            violation,
            self.day(days_back),
            n,
            random.Random(self.facts.uscc + str(n)),
            fine=fine,
            confiscated=confiscated,
        )
        plan = RecordPlan(n, RecordKind.PENALTY, agency.code, data, **extra)
        self.plan.records.append(plan)
        return plan

    def licence(self, code: str, days_back: int, kind: texts.LicenceKind) -> RecordPlan:
        agency = self.agency(code)
        n = self._next()
        plan = RecordPlan(
            n, RecordKind.LICENCE, agency.code, licence_data(self.facts, agency, kind, self.day(days_back), n)
        )
        self.plan.records.append(plan)
        return plan

    def reward(self, code: str, days_back: int, kind: texts.RewardKind) -> RecordPlan:
        agency = self.agency(code)
        n = self._next()
        plan = RecordPlan(
            n, RecordKind.REWARD, agency.code, reward_data(self.facts, agency, kind, self.day(days_back), n)
        )
        self.plan.records.append(plan)
        return plan

    def listing(
        self, list_kind: str, code: str, days_back: int, grounds: str, basis: str, **extra
    ) -> ListingPlan:
        agency = self.agency(code)
        n = len(self.plan.listings)
        data = listing_data(agency, list_kind, self.facts, n, self.day(days_back), grounds, basis)
        plan = ListingPlan(n, list_kind, agency.code, data, **extra)
        self.plan.listings.append(plan)
        return plan

    def commitment(self, code: str, kind: str, content: str, signed_back: int, due_back: int | None, **extra):
        agency = self.agency(code)
        due = self.day(due_back) if due_back is not None else None
        if due_back is not None and due_back < 0:
            due = self.ctx.today + dt.timedelta(days=-due_back)
        basis = texts.NOTIFICATION_BASIS if kind == CommitmentKind.NOTIFICATION else texts.VOLUNTARY_BASIS
        plan = CommitmentPlan(
            agency.code, kind, content.format(due=due), basis, self.day(signed_back), due, **extra
        )
        self.plan.commitments.append(plan)
        return plan


def violation(code, violation_type, facts, basis, categories, **extra) -> texts.Violation:
    return texts.Violation(code, "", violation_type, facts, basis, categories, None, **extra)


LICENCE = {kind.certificate_name: kind for kind in texts.LICENCES}


REWARD = {kind.content: kind for kind in texts.REWARDS}


VIOLATION = {v.violation_type + str(v.categories): v for v in texts.VIOLATIONS}


def named(violation_type: str, *categories: str) -> texts.Violation:
    return VIOLATION[violation_type + str(categories)]
