"""What the column statistics ANALYZE keeps say about the search documents: the lexemes in many
names with their share, and how many names there are (re-read every 10 minutes)."""

from __future__ import annotations

import time

from django.db import connections, router

from .. import search
from ..models import Enterprise

_COMMON_TTL = 600.0
_common_cache: tuple[float, dict[str, float]] = (float("-inf"), {})
_common_pinyin_cache: tuple[float, dict[str, float]] = (float("-inf"), {})
_names_estimate = 0.0
# Per column, the smallest share among the lexemes the statistics measured: one they did not measure
# is in fewer names than about this (ANALYZE keeps every lexeme above a cut-off).
_unmeasured: dict[str, float] = {}


def _common_elements(column: str) -> dict[str, float]:
    """Lexemes of a ``tsvector`` column with their share of names, as the statistics ANALYZE keeps
    measured them (its most common elements: down to about 0.5% of the names at 1 M and 10 M), which
    also tell how many names there are (``names_estimate``). Those in more than ``search.COMMON_SHARE``
    are left out of an index query (``registry.search``); every measured share can make a query
    "more than" at once (``enterprise_search_page``)."""
    global _names_estimate
    # Where the request reads the enterprises (a replica for the public, registry/db_router.py).
    with connections[router.db_for_read(Enterprise)].cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
            "AND c.relnamespace = to_regnamespace(s.schemaname) "
            "WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = %s",
            [Enterprise._meta.db_table, column],
        )
        row = cursor.fetchone()
    if not row or not row[0]:
        _unmeasured[column] = 0.0
        return {}
    _names_estimate = max(float(row[2] or 0), 0.0)
    elements, freqs = row[0], row[1]
    # The frequencies are followed by their minimum, their maximum and (maybe) the null elements'.
    _unmeasured[column] = float(freqs[len(elements)]) if len(freqs) > len(elements) else 0.0
    return dict(zip(elements, freqs, strict=False))


def names_estimate() -> float:
    """How many enterprises the statistics counted when the common pairs were last read (0: unknown)."""
    return _names_estimate


def common_pairs() -> dict[str, float]:
    """Pairs in many names and their share, from the statistics ANALYZE keeps (re-read every 10 min)."""
    global _common_cache
    fetched_at, pairs = _common_cache
    now = time.monotonic()
    if now - fetched_at < _COMMON_TTL:
        return pairs
    pairs = search.Shares(dict.fromkeys(search.ALWAYS_COMMON, 1.0) | _common_elements("search_vector"))
    _common_cache = (now, pairs)
    return pairs


def common_pinyin() -> dict[str, float]:
    """Pinyin lexemes (syllable pairs, initial pairs and triples) in many names, as ``common_pairs``."""
    global _common_pinyin_cache
    fetched_at, lexemes = _common_pinyin_cache
    now = time.monotonic()
    if now - fetched_at < _COMMON_TTL:
        return lexemes
    lexemes = search.Shares(_common_elements("search_pinyin"))
    _common_pinyin_cache = (now, lexemes)
    return lexemes
