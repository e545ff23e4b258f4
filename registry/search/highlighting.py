"""Highlighting: a name, HTML-escaped, with the parts a query matched in ``<mark>``, found as the
search finds them (characters in either script, pinyin syllables or initials).
"""

from __future__ import annotations

import html
from functools import lru_cache

from django.utils.safestring import SafeString

from .. import pinyin as readings_of
from .indexing import normalize
from .queries import MIN_QUERY, SearchPlan, script_variants


@lru_cache(maxsize=65536)
def _fold(ch: str) -> str:
    """One character as names are compared (``normalize``): the folding of a whole name, per character."""
    return normalize(ch)


def _normalized_with_positions(name: str) -> tuple[str, list[int] | range]:
    if normalize(name) == name:  # already in the compared form, as most names are: each character its own
        return name, range(len(name))
    parts = list(map(_fold, name))
    folded = "".join(parts)
    if len(folded) == len(name) and "" not in parts:  # each character folded to one, as in most names
        return folded, range(len(name))
    out: list[str] = []
    positions: list[int] = []
    for index, ch in enumerate(name):
        for folded in _fold(ch):
            out.append(folded)
            positions.append(index)
    return "".join(out), positions


def _spans(name: str, plan: SearchPlan) -> list[tuple[int, int]]:
    normalized, positions = _normalized_with_positions(name)
    variants = [variant for variant in plan.variants if variant]
    spans = _found(normalized, positions, variants)
    if not spans and variants and not all(variant.isascii() for variant in variants):
        # Written in the other script than every form of the query: the name converted, when that
        # keeps its length (so positions hold). Only then: converting costs more than finding; and
        # never for letters (pinyin), which converting Chinese characters cannot give.
        for converted in script_variants(normalized)[1:]:
            if len(converted) == len(normalized):
                spans += _found(converted, positions, variants)
    if plan.pinyin:
        spans += [(positions[a], positions[b - 1] + 1) for a, b in _pinyin_runs(normalized, plan)]
    return _merge(spans)


def _found(target: str, positions: list[int], variants: list[str]) -> list[tuple[int, int]]:
    spans = []
    for variant in variants:
        start = target.find(variant)
        while start != -1:
            spans.append((positions[start], positions[start + len(variant) - 1] + 1))
            start = target.find(variant, start + len(variant))
    return spans


@lru_cache(maxsize=65536)
def _initials_of(readings: tuple[str, ...]) -> frozenset[str]:
    return frozenset(reading[0] for reading in readings)


def _pinyin_runs(normalized: str, plan: SearchPlan) -> list[tuple[int, int]]:
    """Where in a normalised name the query's syllables or initials are read, as the index reads them.
    (Each position is first tried on its first syllable or initial alone: most are not a match.)"""
    readings = readings_of.name_readings(normalized)
    count = len(readings)
    runs = []
    for run in plan.syllables:
        first, width = run[0], len(run)
        for start in range(count - width + 1):
            if first in readings[start] and all(run[j] in readings[start + j] for j in range(1, width)):
                runs.append((start, start + width))
    letters = plan.initials
    if len(letters) >= MIN_QUERY:
        initials = [_initials_of(found) for found in readings]
        first, width = letters[0], len(letters)
        for start in range(count - width + 1):
            if first in initials[start] and all(letters[j] in initials[start + j] for j in range(1, width)):
                runs.append((start, start + width))
    return runs


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def needs_escaping(text: str) -> bool:
    """Whether ``text`` holds a character HTML escapes (most names hold none: they are used as they are)."""
    return "&" in text or "<" in text or ">" in text or '"' in text or "'" in text


def highlight(name: str, plan: SearchPlan) -> SafeString:
    """The name, HTML-escaped, with the parts the query matched in ``<mark>``."""
    spans = _spans(name, plan) if plan.kind == "name" else []
    # ``html.escape`` (which Django's ``escape`` calls after checking for lazy text, names are not),
    # only where there is something to escape.
    escape = html.escape if needs_escaping(name) else str
    parts = []
    cursor = 0
    for start, end in spans:
        parts.append(f"{escape(name[cursor:start])}<mark>{escape(name[start:end])}</mark>")
        cursor = end
    parts.append(escape(name[cursor:]))
    return SafeString("".join(parts))  # every part escaped above
