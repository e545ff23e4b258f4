"""What one demo decision says, field by field as a clerk would key it: penalties, licences, rewards
and listings, with document numbers in each agency's own style. Pure: no database."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sanctions.choices import PartyCategory, RecordKind
from sanctions.records.publicity import add_months

from . import texts

MARKET_CODES = {texts.MARKET, *texts.PROVINCIAL_MARKET.values(), "samr"}


_NICE_FINES = (
    0.02,
    0.05,
    0.1,
    0.2,
    0.3,
    0.5,
    0.8,
    1,
    1.5,
    2,
    3,
    5,
    8,
    10,
    15,
    20,
    30,
    40,
    50,
    60,
    80,
    90,
    95,
)


_WORD = {RecordKind.PENALTY: "罚", RecordKind.LICENCE: "许", RecordKind.REWARD: "奖"}


_LISTING_WORD = {"dishonest": "失信", "abnormal": "异", "watch": "关注", "red": "红"}


@dataclass(frozen=True)
class AgencyInfo:
    """A demo agency as plans name it: its code, name, USCC and the abbreviation of its numbers."""

    code: str
    name: str
    uscc: str
    short: str
    pk: int | None = None


@dataclass(frozen=True)
class Facts:
    """What a plan needs to know of an enterprise."""

    pk: int
    uscc: str
    name: str
    industry: str
    division_code: str
    status: str
    legal_representative: str
    established_on: dt.date | None


def working_day_back(today: dt.date, days: int) -> dt.date:
    """``days`` before ``today``, moved back to a Friday when it falls on a weekend."""
    day = today - dt.timedelta(days=days)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def document_number(agency: AgencyInfo, word: str, day: dt.date, facts: Facts, n: int) -> str:
    """A decision number of the agency's own style, unique to the agency: the serial is the
    enterprise's id and the record's number."""
    return f"{agency.short}{word}〔{day.year}〕{facts.pk * 10 + n}号"


def resolve_agency(code: str, facts: Facts, agencies: dict[str, AgencyInfo]) -> AgencyInfo | None:
    """MARKET and HOUSING become the province's own demo agency, else the national one."""
    province = facts.division_code[:2]
    if code == texts.MARKET:
        code = texts.PROVINCIAL_MARKET.get(province, "samr")
    elif code == texts.HOUSING:
        code = texts.PROVINCIAL_HOUSING.get(province, "mohurd")
    return agencies.get(code)


def party_fields(facts: Facts) -> dict[str, Any]:
    category = PartyCategory.INDIVIDUAL_BUSINESS if facts.uscc[1:2] == "2" else PartyCategory.LEGAL_PERSON
    return {
        "party_name": facts.name,
        "party_category": category,
        "party_uscc": facts.uscc,
        "legal_representative": facts.legal_representative,
    }


def authority_fields(agency: AgencyInfo) -> dict[str, Any]:
    return {
        "authority_name": agency.name,
        "authority_uscc": agency.uscc,
        "source_unit_name": agency.name,
        "source_unit_uscc": agency.uscc,
    }


def wan(value: float) -> str:
    """An amount in 10,000 yuan as a decision writes it: 5, 0.5, 12.4."""
    return format(Decimal(str(value)).normalize(), "f")


def _fine(rng: random.Random, low: float, high: float) -> float:
    nice = [v for v in _NICE_FINES if low <= v <= high]
    return rng.choice(nice) if nice else low


_CONTENT = {
    "warning": "警告",
    "criticism": "通报批评",
    "business_suspended": "责令停产停业整顿",
    "qualification_lowered": "降低资质等级",
    "business_licence_revoked": "吊销营业执照",
    "operation_restricted": "限制开展生产经营活动",
    "closure": "责令关闭",
}


def penalty_data(
    facts: Facts,
    agency: AgencyInfo,
    violation: texts.Violation,
    decided: dt.date,
    n: int,
    rng: random.Random,
    *,
    fine: float | None = None,
    confiscated: float | None = None,
) -> dict[str, Any]:
    """A penalty decision's fields, as a clerk would key them (``clean_record``'s input); the amounts
    are drawn from the violation's range unless given."""
    if fine is None and "fine" in violation.categories:
        fine = _fine(rng, *(violation.fine or (1, 1)))
    if confiscated is None and "confiscation" in violation.categories:
        confiscated = max(0.01, round((fine or 1) * rng.uniform(0.05, 0.4), 2))
    parts, licence = [], ""
    for category in violation.categories:
        if category == "fine":
            parts.append(f"罚款{wan(fine)}万元")
        elif category == "confiscation":
            parts.append(f"没收违法所得{wan(confiscated)}万元")
        elif category in ("licence_revoked", "licence_suspended"):
            number = texts.LICENCE_NUMBERS.get(violation.licence, "{prov}{seq:07d}").format(
                prov=texts.PROVINCE_ABBR.get(facts.division_code[:2], ""),
                division=facts.division_code,
                seq=facts.pk % 10**5,
            )
            licence = f"{violation.licence}，编号{number}"
            parts.append(("吊销" if category == "licence_revoked" else "暂扣") + violation.licence)
        else:
            parts.append(_CONTENT.get(category, "其他行政处罚"))
    return {
        **party_fields(facts),
        "document_number": document_number(
            agency, "处罚" if agency.code in MARKET_CODES else "罚", decided, facts, n
        ),
        "violation_type": violation.violation_type,
        "violation_facts": violation.facts,
        "legal_basis": violation.legal_basis,
        "penalty_categories": list(violation.categories),
        "content": "；".join(parts),
        "fine_amount": None if fine is None else Decimal(wan(fine)),
        "confiscated_amount": None if confiscated is None else Decimal(wan(confiscated)),
        "suspended_licence": licence,
        "decision_date": decided,
        "severity": violation.severity,
        "regulatory_field": violation.regulatory_field,
        **authority_fields(agency),
    }


def licence_data(
    facts: Facts, agency: AgencyInfo, kind: texts.LicenceKind, decided: dt.date, n: int
) -> dict[str, Any]:
    number = kind.number.format(
        prov=texts.PROVINCE_ABBR.get(facts.division_code[:2], ""),
        division=facts.division_code,
        division4=facts.division_code[:4],
        seq=(facts.pk * 10 + n) % 10**7,
        uscc=facts.uscc,
        year=decided.year,
    )
    return {
        **party_fields(facts),
        "document_name": kind.document_name,
        "document_number": document_number(agency, _WORD[RecordKind.LICENCE], decided, facts, n),
        "licence_category": kind.category,
        "certificate_name": kind.certificate_name,
        "certificate_number": number,
        "content": kind.content,
        "decision_date": decided,
        "valid_from": decided,
        "valid_to": add_months(decided, 12 * kind.years) - dt.timedelta(days=1) if kind.years else None,
        "licence_status": "valid",
        **authority_fields(agency),
    }


def reward_data(
    facts: Facts, agency: AgencyInfo, kind: texts.RewardKind, decided: dt.date, n: int
) -> dict[str, Any]:
    return {
        **party_fields(facts),
        "document_number": document_number(agency, _WORD[RecordKind.REWARD], decided, facts, n),
        "content": kind.content.format(year=decided.year - 1),
        "decision_date": decided,
        **authority_fields(agency),
    }


def listing_data(
    agency: AgencyInfo, list_kind: str, facts: Facts, n: int, start: dt.date, grounds: str, basis: str
) -> dict[str, Any]:
    return {
        "grounds": grounds,
        "legal_basis": basis,
        # Listing decisions are numbered apart from the records: n + 5 keeps their serials distinct.
        "document_number": document_number(agency, _LISTING_WORD[list_kind], start, facts, n + 5),
        "start_date": start,
    }


def listing_end(list_kind: str, start: dt.date) -> dt.date | None:
    """The end ``listing_clean`` gives by the list's default term (fixtures/credit_system.json)."""
    months = {"dishonest": 36, "watch": 12, "red": 36}.get(list_kind)
    return add_months(start, months) if months else None
