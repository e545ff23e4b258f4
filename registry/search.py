"""Search by name or code: normalisation, the bigram document, query variants, code suggestions.

A name is indexed as its *bigrams*: every pair of consecutive characters of the normalised name
(``杭州西湖`` → ``杭州 州西 西湖``), stored as a ``tsvector`` with a GIN index. Any query of two or
more characters is then an AND of its bigrams, exact for two characters and re-checked with
``strpos`` on the stored normalised name for longer ones (the bigrams of ``西湖建`` also occur in
``湖建…西湖``). Trigrams cannot serve two-character Chinese queries; bigrams can.

Pinyin has a ``tsvector`` of its own (``search_pinyin``), built the same way one level up: for every
two consecutive characters, the pair of their syllables (``teng-da``, one lexeme per pair of
readings when a character has several, see ``registry.pinyin``) and the pair of their initials
(``~td``), each at the position of the first character. A query of syllables or initials is a phrase
of its pairs (``'shen-zhen' <-> 'zhen-shi' <-> 'shi-teng'``): it matches any run of the name, only
at syllable boundaries (``xihu`` finds 杭州西湖, ``ian`` never matches inside ``tian``), and two
syllables or two initials, like two characters, are enough. The pairs of the first two characters
are stored once more with ``^`` before them, so that names beginning with the query can be ranked
first.

The same normalisation is written in SQL (``registry_search_normalize`` in migration 0008) for
former names, whose columns PostgreSQL generates; a test keeps the two equal.
Pure functions: nothing here touches the database.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe

from . import pinyin as readings_of
from . import uscc as uscc_codes

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
# Pairs in nearly every name: left out of a query when a rarer pair remains (the statistics of the
# column add the ones the data makes common, see ``selectors.common_pairs``).
ALWAYS_COMMON = frozenset({"有限", "限公", "公司", "责任", "任公", "股份", "份有"})
MIN_QUERY = 2
# A lexeme in more than this share of names is left out of an index query when a rarer one remains.
COMMON_SHARE = 0.01
PINYIN_INITIALS = "~"  # before the initials of two characters: ``~td``
PINYIN_START = "^"  # before the pairs of a name's first two characters
SYLLABLE_JOINER = "-"  # between the syllables of two characters: ``teng-da``
MAX_INITIALS = 30  # longer runs of letters are not read as initials

_LATIN_QUERY = re.compile(r"^[a-z' ]+$")
_PINYIN_BOUNDARY = re.compile(r"[ ']+")
_CODE_LIKE = re.compile(r"^[0-9A-Z]{4,20}$")


def looks_like_code(compacted: str) -> bool:
    """Four to twenty letters and digits with at least one digit: a code, its beginning, or a code
    with a character or two too many."""
    return bool(_CODE_LIKE.match(compacted)) and any(ch.isdigit() for ch in compacted)


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


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


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


# --- Queries ----------------------------------------------------------------------------------


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


# --- Codes one typing error away ----------------------------------------------------------------


def code_neighbours(code: str) -> list[str]:
    """Valid codes one typing error away: from 18 characters one substituted character or one swap of
    neighbours; from 17 one added character, from 19 one removed (``uscc.one_off_candidates``)."""
    code = uscc_codes.compact(code)
    if len(code) in (uscc_codes.LENGTH - 1, uscc_codes.LENGTH + 1):
        return list(uscc_codes.one_off_candidates(code))
    if len(code) != uscc_codes.LENGTH:
        return []
    found: dict[str, None] = {}
    for i in range(uscc_codes.LENGTH):
        for ch in uscc_codes.ALPHABET:
            if ch != code[i]:
                candidate = code[:i] + ch + code[i + 1 :]
                if _check_passes(candidate):
                    found[candidate] = None
    for i in range(uscc_codes.LENGTH - 1):
        if code[i] != code[i + 1]:
            candidate = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            if _check_passes(candidate):
                found[candidate] = None
    found.pop(code, None)
    return list(found)


def _check_passes(candidate: str) -> bool:
    # Cheap test first (the final check character); the full analysis only for the survivors.
    try:
        if uscc_codes.check_character(candidate[:17]) != candidate[17]:
            return False
    except (KeyError, ValueError, IndexError):
        return False
    return uscc_codes.is_valid(candidate)


# --- Highlighting ---------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _fold(ch: str) -> str:
    """One character as names are compared (``normalize``): the folding of a whole name, per character."""
    return normalize(ch)


def _normalized_with_positions(name: str) -> tuple[str, list[int] | range]:
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
    if not spans and variants:
        # Written in the other script than every form of the query: the name converted, when that
        # keeps its length (so positions hold). Only then: converting costs more than finding.
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


def _pinyin_runs(normalized: str, plan: SearchPlan) -> list[tuple[int, int]]:
    """Where in a normalised name the query's syllables or initials are read, as the index reads them."""
    readings = readings_of.name_readings(normalized)
    initials = [{r[0] for r in found} for found in readings]
    runs = []
    for run in plan.syllables:
        for start in range(len(readings) - len(run) + 1):
            if all(s in readings[start + j] for j, s in enumerate(run)):
                runs.append((start, start + len(run)))
    if len(plan.initials) >= MIN_QUERY:
        width = len(plan.initials)
        for start in range(len(readings) - width + 1):
            if all(ch in initials[start + j] for j, ch in enumerate(plan.initials)):
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


def highlight(name: str, plan: SearchPlan) -> SafeString:
    """The name, HTML-escaped, with the parts the query matched in ``<mark>``."""
    spans = _spans(name, plan) if plan.kind == "name" else []
    parts = []
    cursor = 0
    # ``html.escape``, which Django's ``escape`` calls after checking for lazy text (names are not).
    for start, end in spans:
        parts.append(f"{html.escape(name[cursor:start])}<mark>{html.escape(name[start:end])}</mark>")
        cursor = end
    parts.append(html.escape(name[cursor:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped above
