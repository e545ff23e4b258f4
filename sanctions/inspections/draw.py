"""The random draw of a credit-graded inspection plan, as a pure function of a seed and a snapshot.

Anyone can reproduce a draw from what the plan's public page publishes: the seed (32 bytes from the
operating system's CSPRNG, in hex) and the population snapshot (a JSON document, whose SHA-256 is
published with it). ``draw_compute`` is the whole algorithm; docs/inspections.md states it in words.

1. Every enterprise of the population falls in the stratum of its grade ("" is ungraded).
2. In each stratum of N enterprises with a rate of r %, n = ⌈N × r / 100⌉ are drawn: the n with
   the smallest HMAC-SHA256(seed, "enterprise:" + USCC), read as a big-endian integer (ties, which
   do not happen in practice, by USCC). This is a simple random sample without replacement.
3. The drawn enterprises, ordered by USCC, each get two inspectors: the roster ordered by
   HMAC-SHA256(seed, "inspector:" + USCC + ":" + certificate number), skipping every inspector
   recorded as conflicted with that enterprise, first two taken (a deterministic redraw).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

ALGORITHM = "hmac-sha256-strata-v1"
UNGRADED = "ungraded"


class DrawImpossible(ValueError):
    """The snapshot cannot give an enterprise two inspectors free of conflict."""

    def __init__(self, uscc: str, eligible: int) -> None:
        super().__init__(uscc, eligible)
        self.uscc = uscc
        self.eligible = eligible


@dataclass(frozen=True)
class Drawn:
    """One enterprise drawn, its stratum and its two inspectors (by certificate number)."""

    uscc: str
    grade: str
    inspector_1: str
    inspector_2: str


def snapshot_bytes(snapshot: dict[str, Any]) -> bytes:
    """The snapshot's canonical form: the published file, byte for byte, and what its SHA-256 is of."""
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def snapshot_sha256(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(snapshot_bytes(snapshot)).hexdigest()


def _rank(key: bytes, message: str) -> int:
    return int.from_bytes(hmac.new(key, message.encode(), hashlib.sha256).digest(), "big")


def quota(count: int, rate: Decimal | str) -> int:
    """How many of ``count`` enterprises a rate of ``rate`` % draws: at least the rate, rounded up."""
    rate = Decimal(rate)
    if count <= 0 or rate <= 0:
        return 0
    return min(count, math.ceil(Decimal(count) * rate / 100))


def stratum_of(grade: str) -> str:
    return grade or UNGRADED


def draw_compute(*, seed: str, snapshot: dict[str, Any]) -> list[Drawn]:
    """The draw that this seed and snapshot give; raises ``DrawImpossible`` when an enterprise cannot
    get two inspectors free of conflict, ``ValueError`` on a malformed seed or snapshot."""
    if snapshot.get("algorithm") != ALGORITHM:
        raise ValueError(f"unknown algorithm {snapshot.get('algorithm')!r}")
    key = bytes.fromhex(seed)
    if len(key) != 32:
        raise ValueError("the seed is 32 bytes in hex")
    try:
        rates = {grade: Decimal(str(rate)) for grade, rate in snapshot["rates"].items()}
    except (InvalidOperation, AttributeError) as exc:
        raise ValueError("rates are decimal numbers") from exc
    strata: dict[str, list[str]] = {}
    for uscc, grade in snapshot["population"]:
        strata.setdefault(stratum_of(grade), []).append(uscc)
    chosen: list[tuple[str, str]] = []
    for stratum in sorted(strata):
        members = strata[stratum]
        n = quota(len(members), rates.get(stratum, Decimal(0)))
        ranked = sorted(members, key=lambda uscc: (_rank(key, "enterprise:" + uscc), uscc))
        chosen += [(uscc, "" if stratum == UNGRADED else stratum) for uscc in ranked[:n]]
    chosen.sort()
    inspectors = list(snapshot["inspectors"])
    conflicts = {(badge, uscc) for badge, uscc in snapshot.get("conflicts", [])}
    drawn = []
    for uscc, grade in chosen:
        ranked = sorted(inspectors, key=lambda badge: (_rank(key, f"inspector:{uscc}:{badge}"), badge))
        eligible = [badge for badge in ranked if (badge, uscc) not in conflicts]
        if len(eligible) < 2:
            raise DrawImpossible(uscc, len(eligible))
        drawn.append(Drawn(uscc, grade, eligible[0], eligible[1]))
    return drawn


def strata_counts(*, snapshot: dict[str, Any], drawn: list[Drawn]) -> dict[str, dict[str, Any]]:
    """Per stratum: the population, the rate asked and how many were drawn."""
    counts: dict[str, dict[str, Any]] = {}
    for _uscc, grade in snapshot["population"]:
        entry = counts.setdefault(stratum_of(grade), {"population": 0, "drawn": 0})
        entry["population"] += 1
    for item in drawn:
        counts[stratum_of(item.grade)]["drawn"] += 1
    for stratum, entry in counts.items():
        entry["rate"] = str(snapshot["rates"].get(stratum, "0"))
    return counts


def draw_verify(*, seed: str, snapshot_file: bytes, sha256: str, recorded: list[Drawn]) -> list[str]:
    """What differs between a recorded draw and the one its published seed and snapshot give
    (an empty list: the draw is reproduced exactly)."""
    problems = []
    if hashlib.sha256(snapshot_file).hexdigest() != sha256:
        problems.append("the snapshot file does not have the published SHA-256")
    snapshot = json.loads(snapshot_file)
    if snapshot_bytes(snapshot) != snapshot_file:
        problems.append("the snapshot file is not in canonical form")
    computed = draw_compute(seed=seed, snapshot=snapshot)
    recorded = sorted(recorded, key=lambda d: d.uscc)
    if computed != recorded:
        want, have = set(computed), set(recorded)
        for item in sorted(want - have, key=lambda d: d.uscc):
            problems.append(f"the seed draws {item.uscc} with {item.inspector_1}, {item.inspector_2}")
        for item in sorted(have - want, key=lambda d: d.uscc):
            problems.append(
                f"recorded but not drawn by the seed: {item.uscc} with {item.inspector_1}, {item.inspector_2}"
            )
    return problems
