"""Synthetic enterprises as PostgreSQL COPY text, generated fast enough for millions of rows.

Codes are valid and unique: the organisation code of row *n* is ``MB`` followed by *n* in base 31
over the code alphabet, so a running index never repeats a code (31⁶ ≈ 887 million rows). Demo
and real codes use ``MA…`` or digits there, so they cannot collide. Both check characters are
summed from precomputed tables instead of calling ``make_code`` per row.
Pure functions: the caller owns the connection.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .. import uscc as uscc_codes
from ..search import search_fields
from .names import COOPERATIVE_WORDS, GIVEN_NAMES, INDUSTRY_WORDS, ROADS, SHOPS, SURNAMES, TRADE_NAMES, Place

ORG_PREFIX = "MB"
MAX_INDEX = 31**6 - 1
# fmt: off
COLUMNS = (
    "uscc", "name", "entity_type", "status", "legal_representative", "registered_capital",
    "established_on", "domicile", "registration_authority", "division_code", "industry",
    "registration_number", "organization_code", "tax_number", "is_legacy_code", "legacy_reason",
    "source", "created_at", "updated_at", "search_name", "search_vector", "search_pinyin",
)
# fmt: on

_A = uscc_codes.ALPHABET
_U = {ch: i for i, ch in enumerate(_A)}  # value of a character in the GB 32100 check
_O = {ch: int(ch, 36) for ch in _A}  # value of a character in the GB 11714 check
_W = [pow(3, i, 31) for i in range(17)]  # GB 32100 weights of positions 1..17
_OW = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 weights
_ORG_CHECK = ["0" if v == 11 else "X" if v == 10 else str(v) for v in (11 - s for s in range(11))]

_TRIPLES = [a + b + c for a in _A for b in _A for c in _A]  # 31³ = 29,791: index order = base-31 order


def _triple_sums(
    org_weights: tuple[int, int, int], positions: tuple[int, int, int]
) -> tuple[list[int], list[int]]:
    ow, uw = org_weights, [_W[p] for p in positions]
    org = [sum(_O[ch] * w for ch, w in zip(t, ow, strict=True)) for t in _TRIPLES]
    full = [sum(_U[ch] * w for ch, w in zip(t, uw, strict=True)) for t in _TRIPLES]
    return org, full


# Organisation code characters 3–5 are USCC positions 11–13, characters 6–8 are positions 14–16.
_HI_ORG, _HI_U = _triple_sums(_OW[2:5], (10, 11, 12))
_LO_ORG, _LO_U = _triple_sums(_OW[5:8], (13, 14, 15))
_PREFIX_ORG = _O[ORG_PREFIX[0]] * _OW[0] + _O[ORG_PREFIX[1]] * _OW[1]
_PREFIX_U = _U[ORG_PREFIX[0]] * _W[8] + _U[ORG_PREFIX[1]] * _W[9]
_ORG_CHECK_U = {ch: _U[ch] * _W[16] for ch in "0123456789X"}


def head_sum(authority: str, category: str, division: str) -> int:
    """The GB 32100 weighted sum of positions 1–8 plus the fixed ``MB`` of positions 9–10."""
    head = authority + category + division
    return sum(_U[ch] * w for ch, w in zip(head, _W, strict=False)) + _PREFIX_U


def seed_code(index: int, *, category: str, division: str) -> str:
    """The code of synthetic row ``index`` (same result as ``make_code``, computed from tables)."""
    hi, lo = divmod(index, 29791)
    org_check = _ORG_CHECK[(_PREFIX_ORG + _HI_ORG[hi] + _LO_ORG[lo]) % 11]
    total = head_sum("9", category, division) + _HI_U[hi] + _LO_U[lo] + _ORG_CHECK_U[org_check]
    return f"9{category}{division}{ORG_PREFIX}{_TRIPLES[hi]}{_TRIPLES[lo]}{org_check}{_A[-total % 31]}"


def seed_index(code: str) -> int:
    """The running index a synthetic code was made from (inverse of ``seed_code``)."""
    value = 0
    for ch in code[10:16]:
        value = value * 31 + _U[ch]
    return value


@dataclass
class Chunk:
    text: str
    rows: int
    first_uscc: str
    last_uscc: str


def _weighted(pairs: Sequence[tuple[object, int]]) -> list:
    return [value for value, weight in pairs for _ in range(weight)]


# Legal forms of companies (category 1): (form, entity type), weighted.
# fmt: off
_FORMS = _weighted([
    (("有限公司", "llc"), 62), (("有限责任公司", "llc"), 10), (("集团有限公司", "llc"), 2),
    (("股份有限公司", "joint_stock"), 6), (("分公司", "branch"), 6), (("合伙企业（有限合伙）", "partnership"), 4),
    (("商行", "sole_proprietorship"), 4), (("外资", "foreign_invested"), 4), (("公司", "state_owned"), 2),
])
_STATUS = _weighted([
    ("in_operation", 84), ("deregistered", 8), ("revoked", 5), ("suspended", 1), ("liquidating", 1), ("relocated", 1),
])
# fmt: on
# fmt: off
_CAPITAL = {
    "llc": ["10", "30", "50", "100", "100", "200", "300", "500", "500", "1000", "2000", "5000"],
    "joint_stock": ["1000", "3000", "5000", "10000", "20000", "50000"],
    "partnership": ["100", "500", "1000", "3000", "10000"],
    "sole_proprietorship": ["1", "5", "10", "20", "50"],
    "foreign_invested": ["100", "500", "1000", "3000"],
    "state_owned": ["500", "1000", "5000", "20000"],
    "branch": ["\\N"],
}
# fmt: on
_FIRST_DAY = date(1993, 1, 1)
_DATES = [(_FIRST_DAY + timedelta(days=d)).isoformat() for d in range((date(2024, 12, 31) - _FIRST_DAY).days)]
_TRADE_GOODS = ("建材", "五金", "茶叶", "酒业", "服饰", "电器", "粮油", "日用品")
_CATEGORIES = _weighted([("1", 86), ("2", 10), ("3", 4)])


def synthetic_chunks(
    *, start: int, count: int, places: Sequence[Place], timestamp: str, chunk_rows: int = 20_000
) -> Iterator[Chunk]:
    """COPY text (columns ``COLUMNS``) for rows ``start`` … ``start + count - 1``, in chunks.

    Deterministic for a given ``start`` and ``places``: the benchmark regenerates the same rows.
    """
    if start < 0 or start + count - 1 > MAX_INDEX:
        raise ValueError(f"synthetic row indexes must lie in 0..{MAX_INDEX}")
    rnd = random.Random(start).random
    heads = [
        (head_sum("9", "1", p.code), head_sum("9", "2", p.code), head_sum("9", "3", p.code)) for p in places
    ]
    n_places, n_trades, n_words = len(places), len(TRADE_NAMES), len(INDUSTRY_WORDS)
    n_forms, n_status, n_dates = len(_FORMS), len(_STATUS), len(_DATES)
    n_surnames, n_given, n_roads, n_shops = len(SURNAMES), len(GIVEN_NAMES), len(ROADS), len(SHOPS)
    n_coop, n_cat, n_goods = len(COOPERATIVE_WORDS), len(_CATEGORIES), len(_TRADE_GOODS)
    hi_org, lo_org, hi_u, lo_u, triples = _HI_ORG, _LO_ORG, _HI_U, _LO_U, _TRIPLES
    org_checks, org_check_u, alphabet = _ORG_CHECK, _ORG_CHECK_U, _A
    tail = f"\t\tf\t\tseed\t{timestamp}\t{timestamp}\t"
    index, end = start, start + count
    while index < end:
        stop = min(index + chunk_rows, end)
        lines = []
        first = ""
        code = ""
        last_company = ""  # the last limited company's name: about half the branches are its
        for n in range(index, stop):
            p = int(rnd() * n_places)
            place = places[p]
            category = _CATEGORIES[int(rnd() * n_cat)]
            hi, lo = divmod(n, 29791)
            org = ORG_PREFIX + triples[hi] + triples[lo]
            oc = org_checks[(_PREFIX_ORG + hi_org[hi] + lo_org[lo]) % 11]
            total = heads[p][int(category) - 1] + hi_u[hi] + lo_u[lo] + org_check_u[oc]
            code = f"9{category}{place.code}{org}{oc}{alphabet[-total % 31]}"
            trade = TRADE_NAMES[int(rnd() * n_trades)]
            surname = SURNAMES[int(rnd() * n_surnames)]
            person = surname + GIVEN_NAMES[int(rnd() * n_given)]
            if category == "1":
                word, industry = INDUSTRY_WORDS[int(rnd() * n_words)]
                form, kind = _FORMS[int(rnd() * n_forms)]
                prefix = place.prefixes[int(rnd() * len(place.prefixes))]
                if kind == "branch":
                    home = places[int(rnd() * n_places)]
                    parent = last_company if rnd() < 0.5 else ""
                    parent = parent or f"{home.city_short or home.county}{trade}{word}有限公司"
                    name = f"{parent}{place.city_short or place.county_short}分公司"
                elif kind == "sole_proprietorship":
                    name = f"{prefix}{trade}{_TRADE_GOODS[int(rnd() * n_goods)]}商行"
                    industry = "F"
                elif kind == "foreign_invested":
                    name = f"{trade}（{place.city_short or place.county_short}）{word}有限公司"
                elif kind == "partnership":
                    name = f"{prefix}{trade}企业管理合伙企业（有限合伙）"
                    industry = "L"
                else:
                    name = f"{prefix}{trade}{word}{form}"
                    if kind == "llc":
                        last_company = name
                capitals = _CAPITAL.get(kind, _CAPITAL["llc"])
                capital = capitals[int(rnd() * len(capitals))]
            elif category == "2":
                shop, industry = SHOPS[int(rnd() * n_shops)]
                kind, capital = "individual_business", "\\N"
                name = f"{place.county}{surname}记{shop}" if rnd() < 0.5 else f"{place.county}{person}{shop}"
            else:
                kind, industry, capital = "cooperative", "A", "\\N"
                name = f"{place.county}{trade}{COOPERATIVE_WORDS[int(rnd() * n_coop)]}专业合作社"
            number = int(rnd() * 900) + 1
            found = search_fields(name)
            lines.append(
                f"{code}\t{name}\t{kind}\t{_STATUS[int(rnd() * n_status)]}\t{person}\t{capital}\t"
                f"{_DATES[int(rnd() * n_dates)]}\t{place.address}{ROADS[int(rnd() * n_roads)]}{number}号\t"
                f"{place.authority}\t{place.code}\t{industry}\t\t{org}{oc}{tail}"
                f"{found['search_name']}\t{found['search_vector']}\t{found['search_pinyin']}\n"
            )
            if not first:
                first = code
        yield Chunk("".join(lines), stop - index, first, code)
        index = stop
