"""What the demo registry holds about one enterprise: a plan of its records, listings and commitments,
drawn at realistic rates from the enterprise's own code, so that the same enterprise always gets the
same plan (the small demo relies on that to create nothing twice).

Most enterprises get nothing at all; about three in ten hold a licence, one in six one or two
penalties (a few serious, a few warnings that are never published, some whose publicity has ended),
a few a reward and a red listing, a few are on the abnormal operations list (some taken off after
repair), serious offenders may be on the seriously dishonest list, and rarely a record is corrected,
revoked, objected to or repaired. Dates are counted back from ``today``; every record's dates fall
after the enterprise was established. Pure: no database, so the bulk path plans a million enterprises
as fast as the small demo plans three hundred.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field
from typing import Any

from sanctions.choices import (
    ApplicationStatus,
    CommitmentKind,
    CommitmentStatus,
    ObjectionStatus,
    RecordKind,
    RemovalReason,
    Severity,
)
from sanctions.records.publicity import add_months

from . import texts
from .decisions import (
    AgencyInfo,
    Facts,
    licence_data,
    listing_data,
    listing_end,
    penalty_data,
    resolve_agency,
    reward_data,
    wan,
    working_day_back,
)

__all__ = ["CommitmentPlan", "EnterprisePlan", "ListingPlan", "RecordPlan", "plan_enterprise", "record_key"]

# Overall rates, per enterprise (``plan_enterprise``). An enterprise outside GATE gets nothing, so
# that most enterprises cost one checksum; the rates below are conditional on passing it.
GATE = 0.5
LICENCE = 0.30 / GATE
SECOND_LICENCE = 0.25  # of those with a licence
PENALTY = 0.16 / GATE
TWO_PENALTIES = 0.25  # of those with a penalty
REWARD = 0.035 / GATE
ABNORMAL = 0.02 / GATE  # of enterprises in operation
ABNORMAL_REMOVED = 0.35
DISHONEST = 0.4  # of enterprises with a serious penalty still public
DISHONEST_REVOKED = 0.1
WATCH = 0.3  # of enterprises with two penalties still public
RED = 0.7  # of rewards that lead to a red listing
NOTIFICATION = 0.04 / GATE  # of enterprises with a licence: a notification commitment
VOLUNTARY = 0.01 / GATE
BREACHED = 0.08
BUSINESS_LICENCE_REVOKED = 0.8  # of enterprises whose business licence was revoked
# Rare events on a published penalty still public (services, even in bulk).
REVOKE = 0.004
CORRECT = 0.004
OBJECT = 0.004
REPAIR = 0.004


@dataclass
class RecordPlan:
    n: int  # the record's number within its enterprise: its key and its document number
    kind: str
    agency: str
    data: dict[str, Any]
    stop: str = ""  # "", "submitted" (left for the reviewer) or "sent_back" (a draft with a comment)
    comment: str = ""  # the reviewer's comment when sent back
    then: str = ""  # "", "revoke" or "correct"
    reason: str = ""
    correction: dict[str, Any] | None = None
    objection: str = ""  # an ObjectionStatus the objection ends in
    objection_reason: str = ""
    repair: str = ""  # an ApplicationStatus the repair application ends in
    repair_reason: str = ""

    @property
    def is_public_penalty(self) -> bool:
        return self.kind == RecordKind.PENALTY and "warning" not in self.data.get("penalty_categories", [])


@dataclass
class ListingPlan:
    n: int
    list_kind: str
    agency: str
    data: dict[str, Any]
    cites: list[int] = field(default_factory=list)  # the record numbers it rests on
    remove: str = ""  # "", RemovalReason.REPAIRED or RemovalReason.REVOKED
    note: str = ""
    objection: str = ""  # for a listing: RECEIVED, FORWARDED or REVOKED (a revoked listing is removed)


@dataclass
class CommitmentPlan:
    agency: str
    kind: str
    content: str
    legal_basis: str
    signed_on: dt.date
    due_date: dt.date | None
    outcome: str = CommitmentStatus.OPEN
    note: str = ""
    decided_on: dt.date | None = None


@dataclass
class EnterprisePlan:
    facts: Facts
    records: list[RecordPlan] = field(default_factory=list)
    listings: list[ListingPlan] = field(default_factory=list)
    commitments: list[CommitmentPlan] = field(default_factory=list)

    def record_key(self, plan: RecordPlan) -> str:
        return record_key(self.facts.uscc, plan.n)

    @property
    def is_empty(self) -> bool:
        return not (self.records or self.listings or self.commitments)


def record_key(uscc: str, n: int) -> str:
    """The idempotency key of an enterprise's n-th demo record (the small demo creates it once)."""
    return f"demo:{uscc}:{n}"


def _fits(industries: str, name_has: tuple[str, ...], facts: Facts) -> bool:
    if industries and facts.industry not in industries:
        return False
    return not name_has or any(word in facts.name for word in name_has)


def _pick(rng: random.Random, items: list) -> Any:
    if not items:
        return None
    return rng.choices(items, weights=[item.weight for item in items])[0]


def _publicity_over(plan: RecordPlan, today: dt.date) -> bool:
    """Whether a penalty's publicity has surely ended (a rough test: the longest period is 36 months)."""
    return plan.data["decision_date"] <= add_months(today, -36)


def _candidates(items, facts: Facts, agencies: dict[str, AgencyInfo]) -> list:
    return [
        item
        for item in items
        if _fits(item.industries, getattr(item, "name_has", ()), facts)
        and resolve_agency(item.agency, facts, agencies) is not None
    ]


def plan_enterprise(facts: Facts, agencies: dict[str, AgencyInfo], today: dt.date) -> EnterprisePlan:
    """The demo records, listings and commitments of one enterprise (see the module's docstring)."""
    plan = EnterprisePlan(facts)
    revoked = facts.status == "revoked"
    if zlib.crc32(facts.uscc.encode()) / 2**32 >= GATE and not revoked:
        return plan
    rng = random.Random(facts.uscc)
    first = today - dt.timedelta(days=6 * 365)
    if facts.established_on:
        first = max(first, facts.established_on + dt.timedelta(days=60))
    span = (today - dt.timedelta(days=20) - first).days
    if span <= 0:
        return plan
    operating = facts.status in ("in_operation", "suspended", "liquidating", "relocated")

    def some_day(*, within: int | None = None) -> dt.date:
        days = rng.randrange(20, 20 + min(span, within or span))
        return working_day_back(today, days)

    n = 0
    # Licences
    if rng.random() < LICENCE:
        kinds = _candidates(texts.LICENCES, facts, agencies)
        chosen = []
        if kinds:
            chosen.append(_pick(rng, kinds))
            others = [k for k in kinds if k is not chosen[0]]
            if others and rng.random() < SECOND_LICENCE:
                chosen.append(_pick(rng, others))
        for kind in chosen:
            agency = resolve_agency(kind.agency, facts, agencies)
            plan.records.append(
                RecordPlan(
                    n, RecordKind.LICENCE, agency.code, licence_data(facts, agency, kind, some_day(), n)
                )
            )
            n += 1
    # Penalties
    violations = _candidates(texts.VIOLATIONS, facts, agencies)
    count = 0
    if violations and rng.random() < PENALTY:
        count = 2 if rng.random() < TWO_PENALTIES else 1
    for _ in range(count):
        violation = _pick(rng, violations)
        agency = resolve_agency(violation.agency, facts, agencies)
        decided = some_day(within=4 * 365)
        plan.records.append(
            RecordPlan(
                n,
                RecordKind.PENALTY,
                agency.code,
                penalty_data(facts, agency, violation, decided, n, rng),
            )
        )
        n += 1
    if revoked and rng.random() < BUSINESS_LICENCE_REVOKED:
        agency = resolve_agency(texts.MARKET, facts, agencies)
        violation = texts.Violation(
            texts.MARKET,
            "",
            "被吊销营业执照",
            "当事人无正当理由超过六个月未开业，或者开业后自行停业连续六个月以上。",
            "《中华人民共和国公司法》第二百六十条第一款",
            ("business_licence_revoked",),
            None,
            severity=Severity.SERIOUS,
        )
        if agency is not None:
            decided = some_day()
            plan.records.append(
                RecordPlan(
                    n,
                    RecordKind.PENALTY,
                    agency.code,
                    penalty_data(facts, agency, violation, decided, n, rng),
                )
            )
            n += 1
    # Rewards
    red_from = None
    if operating and rng.random() < REWARD:
        kind = _pick(rng, _candidates(texts.REWARDS, facts, agencies))
        if kind is not None:
            agency = resolve_agency(kind.agency, facts, agencies)
            decided = some_day(within=3 * 365)
            plan.records.append(
                RecordPlan(n, RecordKind.REWARD, agency.code, reward_data(facts, agency, kind, decided, n))
            )
            if kind.red_list and rng.random() < RED:
                red_from = (plan.records[-1], kind, agency)
            n += 1
    _rare_events(plan, rng, today)
    _listings(plan, rng, today, agencies, operating, red_from)
    _commitments(plan, rng, today, agencies, operating)
    return plan


def _rare_events(plan: EnterprisePlan, rng: random.Random, today: dt.date) -> None:
    """Now and then a published penalty is revoked, corrected, objected to or repaired."""
    for record in plan.records:
        if not record.is_public_penalty or _publicity_over(record, today):
            continue
        roll = rng.random()
        if roll < REVOKE:
            record.then, record.reason = "revoke", rng.choice(texts.REVOCATION_REASONS)
        elif roll < REVOKE + CORRECT and record.data.get("fine_amount") and record.data["fine_amount"] < 10:
            fine = record.data["fine_amount"]
            record.then, record.reason = "correct", texts.CORRECTION_REASONS[0]
            # The clerk keyed ten times the amount of the decision; the correction puts it right.
            record.data = {
                **record.data,
                "fine_amount": fine * 10,
                "content": record.data["content"].replace(
                    f"罚款{wan(fine)}万元", f"罚款{wan(fine * 10)}万元"
                ),
            }
            record.correction = {
                "fine_amount": fine,
                "content": record.data["content"].replace(
                    f"罚款{wan(fine * 10)}万元", f"罚款{wan(fine)}万元"
                ),
            }
        elif roll < REVOKE + CORRECT + OBJECT:
            record.objection = rng.choice(
                [
                    ObjectionStatus.RECEIVED,
                    ObjectionStatus.FORWARDED,
                    ObjectionStatus.UPHELD,
                    ObjectionStatus.REVOKED,
                ]
            )
            record.objection_reason = rng.choice(texts.OBJECTION_REASONS)
            if record.objection == ObjectionStatus.REVOKED:
                record.reason = rng.choice(texts.REVOCATION_REASONS)
        elif roll < REVOKE + CORRECT + OBJECT + REPAIR and record.data.get("severity") == Severity.GENERAL:
            record.repair = rng.choice(list(ApplicationStatus.values))
            record.repair_reason = "申请材料齐全，符合信用修复条件，同意提前停止公示。"
            if record.repair == ApplicationStatus.REJECTED:
                record.repair_reason = "提交的整改材料不能证明已消除违法行为的不良影响，不予修复。"


def _listings(
    plan: EnterprisePlan,
    rng: random.Random,
    today: dt.date,
    agencies: dict[str, AgencyInfo],
    operating: bool,
    red_from,
) -> None:
    facts = plan.facts
    n = 0
    # A listing rests on decisions that stay as published: none corrected, revoked, objected to or repaired.
    penalties = [r for r in plan.records if r.is_public_penalty and not (r.then or r.objection or r.repair)]
    serious = [
        r
        for r in penalties
        if r.data.get("severity") in (Severity.SERIOUS, Severity.SPECIFIC_SERIOUS)
        and not _publicity_over(r, today)
    ]
    if serious and operating and rng.random() < DISHONEST:
        record = serious[0]
        agency = agencies[record.agency]
        start = record.data["decision_date"] + dt.timedelta(days=rng.randrange(15, 45))
        end = listing_end("dishonest", start)
        if start < today and end > today + dt.timedelta(days=1):
            grounds = texts.DISHONEST_GROUNDS.format(
                violation=record.data["violation_type"],
                penalty=record.data["content"].split("；")[-1],
                number=record.data["document_number"],
            )
            listing = ListingPlan(
                n,
                "dishonest",
                agency.code,
                listing_data(agency, "dishonest", facts, n, start, grounds, texts.DISHONEST_BASIS),
                cites=[record.n],
            )
            if rng.random() < DISHONEST_REVOKED:
                listing.remove, listing.note = RemovalReason.REVOKED, rng.choice(texts.REVOCATION_REASONS)
            plan.listings.append(listing)
            n += 1
    recent = [r for r in penalties if r.data["decision_date"] > add_months(today, -11)]
    if len(recent) >= 2 and rng.random() < WATCH:
        latest = max(recent, key=lambda r: r.data["decision_date"])
        agency = agencies[latest.agency]
        start = latest.data["decision_date"] + dt.timedelta(days=10)
        if start < today and listing_end("watch", start) > today + dt.timedelta(days=1):
            grounds = texts.WATCH_GROUNDS.format(violation=latest.data["violation_type"])
            plan.listings.append(
                ListingPlan(
                    n,
                    "watch",
                    agency.code,
                    listing_data(agency, "watch", facts, n, start, grounds, texts.WATCH_BASIS),
                    cites=[r.n for r in recent],
                )
            )
            n += 1
    if operating and rng.random() < ABNORMAL:
        agency = resolve_agency(texts.MARKET, facts, agencies)
        earliest = (facts.established_on or today) + dt.timedelta(days=400)
        days = rng.randrange(15, 1000)
        start = working_day_back(today, days)
        if agency is not None and start > earliest:
            grounds = texts.ABNORMAL_GROUNDS.format(year=start.year - 1)
            listing = ListingPlan(
                n,
                "abnormal",
                agency.code,
                listing_data(agency, "abnormal", facts, n, start, grounds, texts.ABNORMAL_BASIS),
            )
            if rng.random() < ABNORMAL_REMOVED:
                listing.remove = RemovalReason.REPAIRED
                listing.note = texts.ABNORMAL_REMOVAL_NOTE.format(year=start.year - 1)
            plan.listings.append(listing)
            n += 1
    if red_from is not None:
        record, kind, agency = red_from
        start = record.data["decision_date"]
        if listing_end("red", start) > today + dt.timedelta(days=1):
            grounds = kind.red_list.format(year=start.year - 1)
            plan.listings.append(
                ListingPlan(
                    n,
                    "red",
                    agency.code,
                    listing_data(agency, "red", facts, n, start, grounds, texts.RED_LIST_BASIS),
                    cites=[record.n],
                )
            )


def _commitments(
    plan: EnterprisePlan, rng: random.Random, today: dt.date, agencies: dict[str, AgencyInfo], operating: bool
) -> None:
    licences = [r for r in plan.records if r.kind == RecordKind.LICENCE]
    if licences and operating and rng.random() < NOTIFICATION:
        licence = licences[0]
        signed = licence.data["decision_date"] - dt.timedelta(days=rng.randrange(5, 20))
        if plan.facts.established_on is None or signed > plan.facts.established_on:
            due = signed + dt.timedelta(days=60)
            commitment = CommitmentPlan(
                licence.agency,
                CommitmentKind.NOTIFICATION,
                texts.COMMITMENTS["notification"].format(
                    licence=licence.data["certificate_name"], due=due.isoformat()
                ),
                texts.NOTIFICATION_BASIS,
                signed,
                due,
            )
            if due < today:
                roll = rng.random()
                if roll < BREACHED:
                    commitment.outcome, commitment.note = CommitmentStatus.BREACHED, texts.COMMITMENT_BREACHED
                    commitment.decided_on = due + dt.timedelta(days=rng.randrange(1, 15))
                    if commitment.decided_on > today:
                        commitment.decided_on = today
                elif roll < 0.93:
                    commitment.outcome, commitment.note = CommitmentStatus.FULFILLED, texts.COMMITMENT_KEPT
            plan.commitments.append(commitment)
    if operating and rng.random() < VOLUNTARY:
        agency = resolve_agency(texts.MARKET, plan.facts, agencies)
        signed = working_day_back(today, rng.randrange(30, 700))
        if agency is not None and (plan.facts.established_on is None or signed > plan.facts.established_on):
            plan.commitments.append(
                CommitmentPlan(
                    agency.code,
                    CommitmentKind.VOLUNTARY,
                    texts.COMMITMENTS["voluntary"],
                    texts.VOLUNTARY_BASIS,
                    signed,
                    None,
                )
            )
