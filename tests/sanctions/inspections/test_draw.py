"""The draw as a pure function of the published seed and snapshot (sanctions/inspections/draw.py)."""

from __future__ import annotations

import hashlib
import json
import secrets
from decimal import Decimal

import pytest

from sanctions.inspections.draw import (
    ALGORITHM,
    DrawImpossible,
    Drawn,
    draw_compute,
    draw_verify,
    quota,
    snapshot_bytes,
)

SEED = "5eed" * 16
RATES = {"A": "2", "B": "5", "C": "20", "D": "80", "ungraded": "10"}


def synthetic(sizes: dict[str, int], *, inspectors: int = 30, conflicts=()) -> dict:
    population = []
    n = 0
    for grade, size in sizes.items():
        for _ in range(size):
            n += 1
            population.append([f"91330106{n:09d}X", "" if grade == "ungraded" else grade])
    population.sort()
    return {
        "algorithm": ALGORITHM,
        "rates": RATES,
        "population": population,
        "inspectors": [f"ZJ-{i:04d}" for i in range(inspectors)],
        "conflicts": [list(c) for c in conflicts],
    }


def test_rates_are_respected_on_a_large_population_per_grade():
    sizes = {"A": 20000, "B": 15000, "C": 4000, "D": 1000, "ungraded": 3000}
    drawn = draw_compute(seed=SEED, snapshot=synthetic(sizes))
    by_grade: dict[str, int] = {}
    for item in drawn:
        by_grade[item.grade or "ungraded"] = by_grade.get(item.grade or "ungraded", 0) + 1
    for grade, size in sizes.items():
        realised = Decimal(100) * by_grade[grade] / size
        assert Decimal(RATES[grade]) <= realised < Decimal(RATES[grade]) + Decimal("0.05"), grade
    assert len({d.uscc for d in drawn}) == len(drawn)


def test_every_enterprise_of_a_grade_is_equally_likely_to_be_drawn():
    snapshot = synthetic({"C": 200}, inspectors=2)
    hits: dict[str, int] = {}
    rounds = 300
    for round_ in range(rounds):
        seed = hashlib.sha256(f"round {round_}".encode()).hexdigest()
        for item in draw_compute(seed=seed, snapshot=snapshot):
            hits[item.uscc] = hits.get(item.uscc, 0) + 1
    # 20 % of 200 = 40 per round: each enterprise about 60 times in 300 rounds.
    assert len(hits) == 200
    assert min(hits.values()) > 30 and max(hits.values()) < 95


def test_the_same_seed_and_snapshot_give_the_same_draw_and_another_seed_another():
    snapshot = synthetic({"A": 500, "D": 50})
    first = draw_compute(seed=SEED, snapshot=snapshot)
    assert draw_compute(seed=SEED, snapshot=json.loads(snapshot_bytes(snapshot))) == first
    assert draw_compute(seed=secrets.token_hex(32), snapshot=snapshot) != first


def test_an_inspector_is_never_sent_to_an_enterprise_they_are_conflicted_with():
    snapshot = synthetic({"D": 100}, inspectors=4)
    plain = draw_compute(seed=SEED, snapshot=snapshot)
    # Conflict the first-ranked inspector of every drawn enterprise: the draw moves down the ranking.
    conflicted = synthetic({"D": 100}, inspectors=4, conflicts=[(d.inspector_1, d.uscc) for d in plain])
    redrawn = draw_compute(seed=SEED, snapshot=conflicted)
    assert [d.uscc for d in redrawn] == [d.uscc for d in plain]
    pairs = {(d.inspector_1, d.uscc) for d in plain}
    for item in redrawn:
        assert (item.inspector_1, item.uscc) not in pairs and (item.inspector_2, item.uscc) not in pairs
        assert item.inspector_1 != item.inspector_2
        assert item.inspector_1 == next(p.inspector_2 for p in plain if p.uscc == item.uscc)


def test_a_draw_that_leaves_an_enterprise_fewer_than_two_free_inspectors_is_impossible():
    snapshot = synthetic({"D": 1}, inspectors=2)
    uscc = snapshot["population"][0][0]
    snapshot["conflicts"] = [["ZJ-0000", uscc]]
    with pytest.raises(DrawImpossible) as refused:
        draw_compute(seed=SEED, snapshot=snapshot)
    assert refused.value.uscc == uscc


@pytest.mark.parametrize(
    ("count", "rate", "expected"),
    [(0, "50", 0), (10, "0", 0), (10, "2", 1), (100, "2", 2), (101, "2", 3), (7, "100", 7), (3, "33.33", 1)],
)
def test_the_quota_is_at_least_the_rate_rounded_up(count, rate, expected):
    assert quota(count, rate) == expected


def test_verify_reports_a_recorded_draw_that_the_seed_does_not_give():
    snapshot = synthetic({"B": 200})
    file = snapshot_bytes(snapshot)
    digest = hashlib.sha256(file).hexdigest()
    drawn = draw_compute(seed=SEED, snapshot=snapshot)
    assert draw_verify(seed=SEED, snapshot_file=file, sha256=digest, recorded=drawn) == []
    not_drawn = next(u for u, _g in snapshot["population"] if u not in {d.uscc for d in drawn})
    tampered = [Drawn(not_drawn, "B", drawn[0].inspector_1, drawn[0].inspector_2), *drawn[1:]]
    problems = draw_verify(seed=SEED, snapshot_file=file, sha256=digest, recorded=tampered)
    assert any(not_drawn in p for p in problems) and any(drawn[0].uscc in p for p in problems)
    assert draw_verify(seed=SEED, snapshot_file=file + b" ", sha256=digest, recorded=drawn)
