"""Queries: what a typed query asks for (``plan_query`` and its ``SearchPlan``), in either script
(``script_variants``), as characters or as pinyin, with the lexemes the statistics measured as
common (``Shares``) left out of the index query.

Pure functions: nothing here touches the database.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from .. import pinyin as readings_of
from .. import uscc as uscc_codes
from .codes import looks_like_code
from .indexing import PINYIN_INITIALS, PINYIN_START, SYLLABLE_JOINER, bigrams, normalize, strip_legal_form

# Pairs in nearly every name: left out of a query when a rarer pair remains (the statistics of the
# column add the ones the data makes common, see ``selectors.common_pairs``).
ALWAYS_COMMON = frozenset({"有限", "限公", "公司", "责任", "任公", "股份", "份有"})
MIN_QUERY = 2
# A lexeme in more than this share of names is left out of an index query when a rarer one remains.
# Below it a lexeme is asked with the others: GIN intersects them by skipping through the longer lists
# ("fast scan"), at little more than the cost of the rarest alone, and the intersection can be far
# smaller than the rarest's names, each of which would be re-checked in the table: ``gcyz`` asked only
# for '~cyz' (1.5% of names) re-checked 14,552 names for 186 (43 ms); with '~gcy' (3.8%), 275 (4 ms).
# Above it (有限, 公司 …) an AND reads most of the table's entries. It was 1% until 2026-12-07: at 5%
# the slowest 1% of pinyin searches took 8.9 ms instead of 13.6, of 3 characters 6.0 instead of 8.9.
COMMON_SHARE = 0.05
MAX_INITIALS = 30  # longer runs of letters are not read as initials

_LATIN_QUERY = re.compile(r"^[a-z' ]+$")
_PINYIN_BOUNDARY = re.compile(r"[ ']+")


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@lru_cache(maxsize=2)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def script_variants(text: str) -> list[str]:
    """The text, in Simplified and in Traditional characters (OpenCC), duplicates removed."""
    return list(dict.fromkeys([text, _converter("t2s").convert(text), _converter("s2t").convert(text)]))


@dataclass(frozen=True)
class SearchPlan:
    """What a typed query asks for, decided before any SQL is written."""

    kind: str  # "empty", "too_short", "code", "name"
    text: str = ""
    code: str = ""  # kind "code": the compacted code or code prefix
    variants: tuple[str, ...] = ()  # normalised, legal form removed: each must be a substring
    tsquery: str = ""
    pinyin: bool = False  # letters only: read as pinyin (and as Latin letters written in the name)
    dropped: tuple[str, ...] = field(default=())  # common pairs left out of the index query
    syllables: tuple[tuple[str, ...], ...] = ()  # pinyin: the ways the letters split into syllables
    initials: str = ""  # pinyin: the letters read as the initials of consecutive characters
    pinyin_query: str = ""  # pinyin: the tsquery on ``search_pinyin``, phrases and all
    pinyin_index_query: str = ""  # pinyin: what the index is asked (rarer lexemes, no phrases)
    # pinyin: (rank, tsquery) for ordering: 0 syllables from the start of the name, 1 syllables
    # anywhere, 2 initials from the start; a name matching none of them ranks after.
    pinyin_ranks: tuple[tuple[int, str], ...] = ()
    # The share of names the column statistics say match at least: the query is one pair of
    # characters (or one pinyin lexeme) the statistics count (0.0: not known).
    known_share: float = 0.0
    # The lexemes the index is asked for, one group (all of them in a name) per alternative (a
    # variant, a reading of the letters): how large a bitmap the index builds (``registry.search_sample``).
    index_lexemes: tuple[tuple[str, ...], ...] = ()

    @property
    def is_whole_code(self) -> bool:
        return self.kind == "code" and len(self.code) == uscc_codes.LENGTH

    @property
    def is_wrong_length_code(self) -> bool:
        """Too long to be the beginning of a few codes, and not 18 characters: a code mistyped."""
        return self.kind == "code" and len(self.code) >= uscc_codes.LENGTH - 1 and not self.is_whole_code


def _variant_lexemes(variant: str, common: Mapping[str, float], dropped: list[str]) -> list[str]:
    pairs = bigrams(variant)
    rare = [p for p in pairs if p not in common]
    if not rare:
        # Only common pairs: the least common one alone. An AND of pairs found in most names costs
        # a bitmap of most of the table, and the planner, seeing one pair, estimates it truly.
        rare = [min(pairs, key=lambda p: common[p])]
    dropped.extend(p for p in pairs if p not in rare)
    return rare


def plan_query(
    query: str,
    *,
    common: Mapping[str, float] | Iterable[str] = ALWAYS_COMMON,
    common_pinyin: Mapping[str, float] | None = None,
) -> SearchPlan:
    """Read a query: a code (whole or its start), a Chinese name or part of one, or pinyin.

    ``common`` maps pairs to their share of names as the statistics measured it; those in more than
    ``COMMON_SHARE`` of names are left out of the index query when a rarer pair remains (the re-check
    on the stored name keeps the result exact), and every measured share of a two-character query
    is its ``known_share``. ``common_pinyin`` does the same for the lexemes of ``search_pinyin``.
    """
    text = " ".join((query or "").split())
    if not text:
        return SearchPlan("empty")
    code = uscc_codes.compact(text)
    if looks_like_code(code):
        return SearchPlan("code", text=text, code=code)
    if not isinstance(common, Mapping):
        common = dict.fromkeys(common, 1.0)
    # ``selectors.common_pairs`` (a thousand measured shares, the same mapping for ten minutes) holds
    # ALWAYS_COMMON already: read as it is, not copied for every query.
    shares = common if common.keys() >= ALWAYS_COMMON else {**dict.fromkeys(ALWAYS_COMMON, 1.0), **common}
    common = _above_common(shares)
    folded = unicodedata.normalize("NFKC", text).lower()
    toneless = readings_of.toneless(folded)  # pinyin typed with its tone marks: téng dá, lǜ
    if _LATIN_QUERY.match(toneless):
        return _plan_letters(text, toneless, common_pinyin or {})
    variants = []
    for variant in script_variants(normalize(text)):
        core = strip_legal_form(variant)
        if len(core) >= MIN_QUERY and core not in variants:
            variants.append(core)
    if not variants:
        return SearchPlan("too_short", text=text)
    dropped: list[str] = []
    lexemes = [_variant_lexemes(v, common, dropped) for v in variants]
    parts = [" & ".join(map(_quote, rare)) for rare in lexemes]
    tsquery = parts[0] if len(parts) == 1 else " | ".join(f"( {p} )" for p in parts)
    return SearchPlan(
        "name",
        text=text,
        variants=tuple(variants),
        tsquery=tsquery,
        dropped=tuple(dict.fromkeys(dropped)),
        known_share=max((_measured(shares, v) for v in variants if len(v) == MIN_QUERY), default=0.0),
        index_lexemes=tuple(map(tuple, lexemes)),
    )


class Shares(dict):
    """Lexemes and their share of names, as the statistics measured them, with the part above
    ``COMMON_SHARE`` worked out once (``selectors.common_pairs``: one mapping for ten minutes, a
    thousand lexemes, read by every query). Never changed after it is built."""

    @functools.cached_property
    def common(self) -> dict[str, float]:
        return {lexeme: share for lexeme, share in self.items() if share > COMMON_SHARE}


def _above_common(shares: Mapping[str, float]) -> dict[str, float]:
    """The lexemes in more than ``COMMON_SHARE`` of names, of all those whose share was measured."""
    if isinstance(shares, Shares):
        return shares.common
    return {lexeme: share for lexeme, share in shares.items() if share > COMMON_SHARE}


def _measured(shares: Mapping[str, float], lexeme: str) -> float:
    """A lexeme's share of names as the statistics measured it; 1.0 is only what ``ALWAYS_COMMON``
    assumes without statistics, never taken as measured."""
    share = shares.get(lexeme, 0.0)
    return share if share < 1.0 else 0.0


def _phrase(lexemes: list[str]) -> str:
    return " <-> ".join(map(_quote, lexemes))


def _any_of(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else " | ".join(f"( {p} )" for p in phrases)


def _initials_lexemes(initials: str) -> list[str]:
    """Two initials are one pair; more are their triples in a row (``szst``: ``~szs <-> ~zst``)."""
    if len(initials) == 2:
        return [PINYIN_INITIALS + initials]
    return [PINYIN_INITIALS + initials[i : i + 3] for i in range(len(initials) - 2)]


def _index_lexemes(lexemes: list[str], common: Mapping[str, float]) -> list[str]:
    """The lexemes of a phrase the index is asked for: the rarer ones, or the least common alone."""
    rare = [lexeme for lexeme in lexemes if lexeme not in common]
    return list(dict.fromkeys(rare)) or [min(lexemes, key=lambda lexeme: common[lexeme])]


def _plan_letters(text: str, folded: str, shares: Mapping[str, float]) -> SearchPlan:
    """Letters only: pinyin syllables (``tengda``, ``teng da``, ``xi'an``) or initials (``szstd``) of
    any run of the name, or Latin letters written in it (``tcl``). Spaces and apostrophes are
    syllable boundaries; at least two syllables or two initials, as at least two characters.

    The index is asked for the rarer lexemes of each reading of the query (``common``: the share of
    names holding the common ones, from the column statistics); the phrase, which also checks that
    they follow each other, is checked on the rows found."""
    common = _above_common(shares)
    chunks = [c for c in _PINYIN_BOUNDARY.split(folded) if c]
    letters = "".join(chunks)
    if len(letters) < MIN_QUERY:
        return SearchPlan("too_short", text=text)
    runs = tuple(run for run in readings_of.split_syllables(chunks) if len(run) >= 2)
    initials = letters if len(letters) <= MAX_INITIALS else ""
    readings = [[f"{a}{SYLLABLE_JOINER}{b}" for a, b in itertools.pairwise(run)] for run in runs]
    if initials:
        readings.append(_initials_lexemes(initials))
    phrases = [_phrase(lexemes) for lexemes in readings]
    asked = [_index_lexemes(lexemes, common) for lexemes in readings]
    index = [" & ".join(map(_quote, lexemes)) for lexemes in asked]
    ranks = []
    if runs:
        starts = [_phrase([PINYIN_START + lexemes[0], *lexemes[1:]]) for lexemes in readings[: len(runs)]]
        ranks += [(0, _any_of(starts)), (1, _any_of(phrases[: len(runs)]))]
    if initials:
        # The pair of the first two initials marks the start; the phrase begins at the same position.
        start = _quote(PINYIN_START + PINYIN_INITIALS + initials[:2])
        ranks.append((2, start if len(initials) == 2 else f"{start} <0> {phrases[-1]}"))
    # A reading of one lexeme (two syllables, two or three initials) matches exactly the names
    # holding it: its share, when measured, is a share of names matching the query.
    known = [_measured(shares, lexemes[0]) for lexemes in readings if len(lexemes) == 1]
    return SearchPlan(
        "name",
        text=text,
        variants=(letters,),
        tsquery=" & ".join(map(_quote, bigrams(letters))),
        pinyin=True,
        syllables=runs,
        initials=initials,
        pinyin_query=_any_of(phrases),
        pinyin_index_query=_any_of(index),
        pinyin_ranks=tuple(ranks),
        known_share=max(known, default=0.0),
        index_lexemes=tuple(map(tuple, asked)),
    )
