"""Search by name or code: normalisation, the bigram document, query variants, code suggestions.

A name is indexed as its *bigrams*: every pair of consecutive characters of the normalised name
(``杭州西湖`` → ``杭州 州西 西湖``), stored as a ``tsvector`` with a GIN index. Any query of two or
more characters is then an AND of its bigrams, exact for two characters and re-checked with
``strpos`` on the stored normalised name for longer ones (the bigrams of ``西湖建`` also occur in
``湖建…西湖``). Trigrams cannot serve two-character Chinese queries; bigrams can.

The same normalisation is written in SQL (``registry_search_normalize`` in migration 0008) for
former names, whose columns PostgreSQL generates; a test keeps the two equal.
Pure functions: nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

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
PINYIN_FULL = ">"  # marks the lexeme of the whole name in pinyin, matched by its beginning
PINYIN_INITIALS = "~"  # marks the lexeme of the initials of the whole name

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_QUERY = re.compile(r"^[a-z' ]+$")
_CODE_LIKE = re.compile(r"^[0-9A-Z]{4,18}$")


def looks_like_code(compacted: str) -> bool:
    """Four to eighteen letters and digits with at least one digit: a code or its beginning."""
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


_READINGS: dict[str, str] = {}


def _reading(ch: str) -> str:
    """The commonest pinyin of a character without tone (a letter or digit stands for itself)."""
    reading = _READINGS.get(ch)
    if reading is None:
        if _CJK.match(ch):
            from pypinyin import Style, pinyin

            reading = pinyin(ch, style=Style.NORMAL, heteronym=False, errors="ignore")[0][0]
        else:
            reading = ch if ch.isascii() and ch.isalnum() else ""
        if len(_READINGS) < 100_000:
            _READINGS[ch] = reading
    return reading


def pinyin_keys(normalized: str) -> tuple[str, str]:
    """(full pinyin, initials) of a normalised name, one reading per character (its commonest)."""
    readings = [r for r in map(_reading, normalized) if r]
    return "".join(readings), "".join([r[0] for r in readings])


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def search_fields(name: str) -> dict[str, str]:
    """What is stored beside a name so that it can be found: ``search_name`` and ``search_vector``.

    Every write of ``Enterprise.name`` sets both (services, import, seeding, factories). The
    normalised name holds no quote, backslash, space or tab, so its pairs need no escaping.
    """
    normalized = normalize(name)[:200]
    lexemes = {normalized[i : i + 2]: None for i in range(len(normalized) - 1)}
    if _CJK.search(normalized):
        full, initials = pinyin_keys(normalized)
        if len(initials) >= 2:
            lexemes[PINYIN_FULL + full] = None
            lexemes[PINYIN_INITIALS + initials] = None
    return {"search_name": normalized, "search_vector": "'" + "' '".join(lexemes) + "'" if lexemes else ""}


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
    pinyin: bool = False
    dropped: tuple[str, ...] = field(default=())  # common pairs left out of the index query

    @property
    def is_whole_code(self) -> bool:
        return self.kind == "code" and len(self.code) == uscc_codes.LENGTH


def _variant_query(variant: str, common: Mapping[str, float], dropped: list[str]) -> str:
    pairs = bigrams(variant)
    rare = [p for p in pairs if p not in common]
    if not rare:
        # Only common pairs: the least common one alone. An AND of pairs found in most names costs
        # a bitmap of most of the table, and the planner, seeing one pair, estimates it truly.
        rare = [min(pairs, key=lambda p: common[p])]
    dropped.extend(p for p in pairs if p not in rare)
    return " & ".join(map(_quote, rare))


def plan_query(query: str, *, common: Mapping[str, float] | Iterable[str] = ALWAYS_COMMON) -> SearchPlan:
    """Read a query: a code (whole or its start), a Chinese name or part of one, or pinyin.

    ``common`` maps the commonest pairs to their share of names; they are left out of the index
    query when a rarer pair remains (the re-check on the stored name keeps the result exact).
    """
    text = " ".join((query or "").split())
    if not text:
        return SearchPlan("empty")
    code = uscc_codes.compact(text)
    if looks_like_code(code):
        return SearchPlan("code", text=text, code=code)
    common = dict(common) if isinstance(common, Mapping) else dict.fromkeys(common, 1.0)
    for pair in ALWAYS_COMMON:
        common.setdefault(pair, 1.0)
    folded = unicodedata.normalize("NFKC", text).lower()
    if _LATIN_QUERY.match(folded):
        letters = folded.replace(" ", "").replace("'", "")
        if len(letters) < MIN_QUERY:
            return SearchPlan("too_short", text=text)
        # Pinyin (whole or initials) of the beginning of the name, or Latin letters in the name.
        parts = [
            f"{_quote(PINYIN_FULL + letters)}:*",
            f"{_quote(PINYIN_INITIALS + letters)}:*",
            f"( {' & '.join(map(_quote, bigrams(letters)))} )",
        ]
        return SearchPlan("name", text=text, variants=(letters,), tsquery=" | ".join(parts), pinyin=True)
    variants = []
    for variant in script_variants(normalize(text)):
        core = strip_legal_form(variant)
        if len(core) >= MIN_QUERY and core not in variants:
            variants.append(core)
    if not variants:
        return SearchPlan("too_short", text=text)
    dropped: list[str] = []
    parts = [_variant_query(v, common, dropped) for v in variants]
    tsquery = parts[0] if len(parts) == 1 else " | ".join(f"( {p} )" for p in parts)
    return SearchPlan(
        "name", text=text, variants=tuple(variants), tsquery=tsquery, dropped=tuple(dict.fromkeys(dropped))
    )


# --- Codes one typing error away ----------------------------------------------------------------


def code_neighbours(code: str) -> list[str]:
    """Valid codes one substituted character or one swap of neighbours away from an 18-character code."""
    code = uscc_codes.compact(code)
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


def _normalized_with_positions(name: str) -> tuple[str, list[int]]:
    out: list[str] = []
    positions: list[int] = []
    for index, ch in enumerate(name):
        for folded in normalize(ch):
            out.append(folded)
            positions.append(index)
    return "".join(out), positions


def _spans(name: str, variants: Iterable[str], pinyin: bool) -> list[tuple[int, int]]:
    normalized, positions = _normalized_with_positions(name)
    spans = []
    for variant in variants:
        if not variant:
            continue
        candidates = [normalized]
        candidates += [v for v in script_variants(normalized)[1:] if len(v) == len(normalized)]
        for target in candidates:
            start = target.find(variant)
            while start != -1:
                spans.append((positions[start], positions[start + len(variant) - 1] + 1))
                start = target.find(variant, start + len(variant))
        if pinyin and not spans:
            spans += _pinyin_spans(name, variant)
    return _merge(spans)


def _pinyin_spans(name: str, letters: str) -> list[tuple[int, int]]:
    for initials in (False, True):
        offsets: list[tuple[int, int]] = []
        joined = ""
        for index, ch in enumerate(name):
            reading = _reading(unicodedata.normalize("NFKC", ch).lower())
            if reading:
                piece = reading[0] if initials else reading
                offsets.append((len(joined), index))
                joined += piece
        if joined.startswith(letters) and offsets:
            last = max(i for start, i in offsets if start < len(letters))
            return [(offsets[0][1], last + 1)]
    return []


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
    spans = _spans(name, plan.variants, plan.pinyin) if plan.kind == "name" else []
    html = SafeString("")
    cursor = 0
    for start, end in spans:
        html += format_html("{}<mark>{}</mark>", name[cursor:start], name[start:end])
        cursor = end
    return html + escape(name[cursor:])
