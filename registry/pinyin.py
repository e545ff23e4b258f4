"""Pinyin of names for search: the readings of each character, and the syllables a query is split into.

Heteronyms (多音字) are read the way a person searching would read them:

- every character gets its first dictionary reading (pypinyin's, without tone) and each other reading
  that is common in words: at least ``COMMON_SHARE`` of the words of pypinyin's phrase dictionary
  that hold the character read it so (长 chang and zhang, 行 xing and hang, 重 zhong and chong, 都
  du and dou; not the rare ti and ta of 达, nor quan of 圳);
- a word of the phrase dictionary that reads a character otherwise (会计 kuaiji, 大夫 daifu) adds that
  reading where the word occurs in the name;
- surnames that are read apart from the character's usual reading (单 Shan, 曾 Zeng, 仇 Qiu, 朴 Piao…)
  add the surname reading.

All of them are indexed at the character's position, so ``yinhang`` finds 银行, ``changsha`` 长沙 and
``chongqing`` 重庆 whatever reading comes first. A Latin letter or digit in a name reads as itself.
ü is written ``v`` (``lv`` for 绿), as pinyin keyboards take it; ``lue`` and ``nue`` are taken too.
Pure functions over pypinyin's dictionaries, built once per process: about 2 s of CPU and 55 MB
(measured on this project's 2-core machine), mostly importing pypinyin's phrase dictionary. A serving
process builds them as it starts (``prepare``, from ``config/warmup.py``); built at the first search
in pinyin, they made that visitor wait about 1.8 s.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache, lru_cache

# A reading other than the first must be this common in the words holding the character.
COMMON_SHARE = 0.1
MAX_READINGS = 3

# Surnames read apart from the character's common reading (百家姓), added to its readings.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "仇": "qiu",
    "朴": "piao",
    "解": "xie",
    "查": "zha",
    "区": "ou",
    "盖": "ge",
    "尉": "yu",
    "缪": "miao",
    "翟": "zhai",
    "覃": "qin",
    "员": "yun",
    "召": "shao",
    "乐": "yue",
    "种": "chong",
    "繁": "po",
    "黑": "he",
    "牟": "mu",
    "秘": "bi",
}

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_VOWELS = frozenset("aeiouv")
# Spellings people type for ü after l and n (pinyin writes lüe, nüe; keyboards take lue, nue).
QUERY_ALIASES = {"lue": "lve", "nue": "nve"}


def toneless(reading: str) -> str:
    """``lǘ`` → ``lv``, ``xíng`` → ``xing``: tone marks dropped, ü written v."""
    decomposed = unicodedata.normalize("NFD", reading.lower()).replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ü", "v")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, tuple[str, ...]], dict[str, list[tuple[str, tuple[tuple[int, str], ...]]]]]:
    """(readings of each character that has phrase data, words adding a reading by their first two characters)."""
    from pypinyin.phrases_dict import phrases_dict

    counts: dict[str, Counter] = defaultdict(Counter)
    for phrase, readings in phrases_dict.items():
        if len(readings) == len(phrase):
            for ch, reading in zip(phrase, readings, strict=True):
                counts[ch][toneless(reading[0])] += 1
    chosen = {ch: _choose(ch, found) for ch, found in counts.items()}
    extra: dict[str, list[tuple[str, tuple[tuple[int, str], ...]]]] = defaultdict(list)
    for phrase, readings in phrases_dict.items():
        if len(phrase) < 2 or len(readings) != len(phrase):
            continue
        added = tuple(
            (offset, toneless(reading[0]))
            for offset, (ch, reading) in enumerate(zip(phrase, readings, strict=True))
            if toneless(reading[0]) not in chosen.get(ch, ())
        )
        if added:
            extra[phrase[:2]].append((phrase, added))
    return chosen, dict(extra)


def _dictionary_readings(ch: str) -> list[str]:
    from pypinyin.pinyin_dict import pinyin_dict

    found = pinyin_dict.get(ord(ch))
    return list(dict.fromkeys(toneless(r) for r in found.split(","))) if found else []


def _choose(ch: str, counts: Counter) -> tuple[str, ...]:
    dictionary = _dictionary_readings(ch)
    total = sum(counts.values())
    readings = dictionary[:1] + [r for r, n in counts.most_common() if n >= 2 and n >= COMMON_SHARE * total]
    if ch in SURNAME_READINGS:
        readings.append(SURNAME_READINGS[ch])
    return tuple(dict.fromkeys(readings))[:MAX_READINGS]


@lru_cache(maxsize=65536)
def char_readings(ch: str) -> tuple[str, ...]:
    """The readings a character is indexed under (see the module's notes); a letter or digit is itself."""
    if ch.isascii():
        return (ch.lower(),) if ch.isalnum() else ()
    if not _CJK.match(ch):
        return ()
    chosen, _ = _tables()
    if ch in chosen:
        return chosen[ch]
    return _choose(ch, Counter())


def name_readings(normalized: str) -> list[tuple[str, ...]]:
    """For each character of a normalised name, its readings, with those the words of the name add."""
    readings = [char_readings(ch) for ch in normalized]
    _, extra = _tables()
    for i in range(len(normalized) - 1):
        for phrase, added in extra.get(normalized[i : i + 2], ()):
            if normalized.startswith(phrase, i):
                for offset, reading in added:
                    if reading not in readings[i + offset]:
                        readings[i + offset] = (*readings[i + offset], reading)
    return readings


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every toneless syllable of the dictionary that has a vowel (so not the interjections m, n, ng, hm)."""
    from pypinyin.pinyin_dict import pinyin_dict

    found = {toneless(r) for value in pinyin_dict.values() for r in value.split(",")}
    return frozenset(s for s in found if s.isascii() and s.isalpha() and _VOWELS & set(s))


_LONGEST = 6  # zhuang, chuang, shuang


def prepare() -> None:
    """Build the tables now rather than at the first search that needs them."""
    syllables()
    _tables()


def segmentations(letters: str, *, limit: int = 16) -> list[tuple[str, ...]]:
    """The ways a run of letters splits into whole syllables, fewest syllables first (``xian`` →
    ``xian``, ``xi an``). At most ``limit`` of them."""
    known = syllables()
    if len(letters) > 60:
        return []

    @cache
    def rest(start: int) -> tuple[tuple[str, ...], ...]:
        if start == len(letters):
            return ((),)
        found: list[tuple[str, ...]] = []
        for end in range(min(len(letters), start + _LONGEST), start, -1):
            piece = letters[start:end]
            piece = QUERY_ALIASES.get(piece, piece)
            if piece in known:
                found.extend((piece, *tail) for tail in rest(end))
                if len(found) >= limit:
                    break
        return tuple(found[:limit])

    return sorted(rest(0), key=len)[:limit]


def split_syllables(chunks: Iterable[str], *, limit: int = 16) -> list[tuple[str, ...]]:
    """Syllables of a query typed in chunks (spaces or apostrophes between them are syllable
    boundaries): every combination of each chunk's segmentations, at most ``limit``."""
    combined: list[tuple[str, ...]] = [()]
    for chunk in chunks:
        options = segmentations(chunk, limit=limit)
        if not options:
            return []
        combined = [(*head, *tail) for head in combined for tail in options][:limit]
    return [c for c in combined if c]
