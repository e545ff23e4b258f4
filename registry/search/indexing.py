"""Normalisation and what is stored beside a name so that it can be found: the normalised name,
its bigram document (``search_vector``) and its pinyin document (``search_pinyin``).

Pure functions: nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .. import pinyin as readings_of

# Removed before indexing and before searching: spaces, brackets of either width, the middle dot
# and the usual punctuation of Chinese and English. NFKC has already folded full-width ASCII.
PUNCTUATION = (
    " \t\r\n\u00a0\u3000()[]{}<>.,;:!?'\"`~@#$%^&*_+=|/\\-·・•、，。；：！？“”‘’《》〈〉【】〔〕「」『』—–"
)
_PUNCTUATION_RE = re.compile("[" + re.escape(PUNCTUATION) + "]")
# The same class for PostgreSQL's regular expressions (the migration embeds this text).
SQL_PUNCTUATION_CLASS = "[" + "".join("\\" + ch if ch in "]\\^-[" else ch for ch in PUNCTUATION) + "]"

# Legal forms people leave out or get wrong: the longest first.
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司")

PINYIN_INITIALS = "~"  # before the initials of two characters: ``~td``
PINYIN_START = "^"  # before the pairs of a name's first two characters
SYLLABLE_JOINER = "-"  # between the syllables of two characters: ``teng-da``


def normalize(text: str) -> str:
    """The form names are compared in: NFKC, lower case, no spaces or punctuation."""
    return _PUNCTUATION_RE.sub("", unicodedata.normalize("NFKC", text or "").lower())


def strip_legal_form(normalized: str) -> str:
    """The name without its trailing legal form (有限公司 …), unless nothing else would be left."""
    for form in LEGAL_FORMS:
        if normalized.endswith(form) and len(normalized) > len(form):
            return normalized[: -len(form)]
    return normalized


def bigrams(normalized: str) -> list[str]:
    """Consecutive pairs in order, duplicates removed."""
    return list(dict.fromkeys(normalized[i : i + 2] for i in range(len(normalized) - 1)))


@lru_cache(maxsize=262144)
def _pair_lexemes(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    """The syllable pairs and initial pairs of two consecutive characters, every reading of each."""
    pairs = [f"{a}{SYLLABLE_JOINER}{b}" for a in first for b in second]
    pairs += [
        f"{PINYIN_INITIALS}{a}{b}"
        for a in dict.fromkeys(r[0] for r in first)
        for b in dict.fromkeys(r[0] for r in second)
    ]
    return tuple(dict.fromkeys(pairs))


@lru_cache(maxsize=262144)
def _initial_triples(
    first: tuple[str, ...], second: tuple[str, ...], third: tuple[str, ...]
) -> tuple[str, ...]:
    a, b, c = (dict.fromkeys(r[0] for r in found) for found in (first, second, third))
    return tuple(f"{PINYIN_INITIALS}{x}{y}{z}" for x in a for y in b for z in c)


def pinyin_document(normalized: str) -> str:
    """The ``tsvector`` text of a normalised name's pinyin, with positions: syllable pairs, initial
    pairs and initial triples (``~szs``: pairs of 26 letters are too few to narrow a search alone).

    Written for every name of an import or a seed: the lexemes of each pair and triple of readings
    are made once per process."""
    readings = readings_of.name_readings(normalized)
    positions: dict[str, str] = {}
    last = len(readings) - 1
    for i in range(last):
        first, second = readings[i], readings[i + 1]
        if not first or not second:
            continue
        position = str(i + 1)
        lexemes = _pair_lexemes(first, second)
        if i + 1 < last and readings[i + 2]:
            lexemes += _initial_triples(first, second, readings[i + 2])
        for lexeme in lexemes:
            found = positions.get(lexeme)
            positions[lexeme] = position if found is None else f"{found},{position}"
        if i == 0:
            for lexeme in _pair_lexemes(first, second):
                positions[PINYIN_START + lexeme] = "1"
    return " ".join([f"'{lexeme}':{found}" for lexeme, found in positions.items()])


def search_fields(name: str) -> dict[str, str]:
    """What is stored beside a name so that it can be found: ``search_name``, ``search_vector`` (its
    character pairs) and ``search_pinyin`` (its syllable and initial pairs).

    Every write of ``Enterprise.name`` sets all three (services, import, seeding, factories). The
    normalised name holds no quote, backslash, space or tab, so its pairs need no escaping; the
    pinyin lexemes are ASCII letters, digits, ``-``, ``~`` and ``^``.
    """
    normalized = normalize(name)[:200]
    lexemes = dict.fromkeys(normalized[i : i + 2] for i in range(len(normalized) - 1))
    return {
        "search_name": normalized,
        "search_vector": "'" + "' '".join(lexemes) + "'" if lexemes else "",
        "search_pinyin": pinyin_document(normalized),
    }


def search_document(name: str) -> str:
    """The ``tsvector`` text of a name (see ``search_fields``)."""
    return search_fields(name)["search_vector"]
