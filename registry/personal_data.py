"""Natural persons' data written inside free text: resident ID numbers, phone numbers, names.

One detector for every reader (``docs/domain.md`` §2, "Personal data on public pages"): the public
outputs mask what it finds (``lookup.masking``, used by the credit page, the PDF report, the public
API and the badges), and the record desk, its API and the file import warn the clerk
(``sanctions.records.personal_data``). It lives in the lowest layer so that both can use it.

What it finds:

- **Resident ID numbers** (GB 11643): 18 characters — a province code, a birth date, a sequence
  and the ISO 7064 MOD 11-2 check character — and the old 15-digit numbers (a province code and a
  birth date 19YYMMDD, no check). Also the 18-digit numbers of residence permits (81, 82, 83) and
  of the foreigners' permanent residence card that begins with 9. Digits may be full-width and
  the 6-8-4 groups may be separated by a space or a hyphen.
- **Phone numbers**: mobile numbers (11 digits from 13…19, optionally +86), landlines with their
  area code (``0571-87654321``, ``(010)12345678``, an extension) and, after a word such as
  电话 or 手机, a local number without area code.
- **Names** the caller knows belong to a natural person (the record's structured fields name
  them), and **identifiers** the caller knows (a passport number in the record's ID field).

What it leaves alone, since public text is full of them: unified social credit codes (an
18-digit code that passes the GB 32100 check is a code unless the text calls it an ID number; a
code the caller names is never one), 15-digit business registration numbers (they pass the
ISO 7064 MOD 11,10 check), document numbers, amounts (a number followed by 元/万/亿…) and dates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from registry import uscc

RESIDENT_ID = "resident_id"
PHONE = "phone"
NAME = "name"
IDENTIFIER = "identifier"

KIND_LABELS = {
    RESIDENT_ID: _("resident ID number"),
    PHONE: _("phone number"),
    NAME: _("name of a natural person"),
    IDENTIFIER: _("identity document number"),
}

MASK = "*"

# Province-level codes that begin a resident ID number (GB/T 2260), and 81-83 for the residence
# permits of Hong Kong, Macao and Taiwan residents.
PROVINCES = frozenset(
    ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42")
    + ("43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82")
    + ("83",)
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Full-width digits and Latin letters, read as their ASCII forms (one character each, so that
# positions in the folded text are positions in the original).
_FOLD = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}
_FOLD.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})
_FOLD.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})
_FOLD.update({0xFF0D: ord("-"), 0x3000: ord(" "), 0xFF08: ord("("), 0xFF09: ord(")"), 0xFF0B: ord("+")})

_B = r"(?<![0-9A-Za-z])"  # not inside a longer code
_E = r"(?![0-9A-Za-z])"
_ID18 = re.compile(_B + r"(\d{6})[ \-]?(\d{8})[ \-]?(\d{3}[0-9Xx])" + _E)
_ID15 = re.compile(_B + r"\d{15}" + _E)
_MOBILE = re.compile(_B + r"(?:(?:\+|00)86[ \-]?)?1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}" + _E)
_AREA = r"(?:010|02\d|0[3-9]\d{2})"
_LANDLINE = re.compile(
    _B
    + r"(?:\(\s*"
    + _AREA
    + r"\s*\)\s*|"
    + _AREA
    + r"[ \-]?)[2-9]\d{6,7}(?:\s*(?:-|转|ext\.?)\s*\d{1,6})?"
    + _E
)
_EXTENSION = re.compile(r"(?P<main>.*?\d{7,8})(?:\s*(?:-|转|ext\.?)\s*\d{1,6})?$")
_AREA_AT_START = re.compile(r"\(?\s*(" + _AREA + ")")
_LOCAL_PHONE = re.compile(
    r"(?:电话|手机|座机|固话|联系方式|联系号码|\btel\b|\bphone\b|\bmobile\b)(?:号码|号)?\s*[:：]?\s*"
    r"([2-9]\d{6,7})" + _E,
    re.IGNORECASE,
)
# A number followed by a unit is an amount or a quantity; one followed by 号 is a document number.
_AMOUNT_AFTER = re.compile(
    r"\s*(?:[.,·]\d|元|圆|万|亿|千|百|角|%|号|吨|千克|公斤|克|米|平方|件|个|台|次|户|人)"
)
_AMOUNT_BEFORE = re.compile(r"(?:¥|￥|\$|第|人民币|RMB)\s*$", re.IGNORECASE)

# Every number above holds a run of four digits or more (a mobile number's shortest group is four,
# an ID number's six, a landline's seven): a text without one holds none of them.
_DIGIT_RUN = re.compile(r"\d{4}")

_LOOK_BACK = 16
_ID_LABEL = re.compile(
    r"身份证|身份号码|公民身份|居民身份|证件号|证件号码|居留证|id\s*(?:no|number|card)", re.IGNORECASE
)
_CODE_LABEL = re.compile(
    r"信用代码|注册号|营业执照|组织机构代码|机构代码|税号|纳税人识别号|登记号|账号|帐号|卡号|编号|单号|文号|uscc",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data in a text: its kind and where it is (``text[start:end]``)."""

    kind: str
    start: int
    end: int

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


# --- The checks ----------------------------------------------------------------------------------


def _birth_date(year: int, month: int, day: int, *, today: dt.date) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= today


def resident_id_check(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_resident_id(code: str, *, today: dt.date | None = None) -> bool:
    """An 18-character resident ID number (or residence permit, or the permanent residence card
    of the 2023 format) whose place, birth date and check character are right."""
    code = code.upper()
    if len(code) != 18 or not code[:17].isdigit():
        return False
    place = code[1:3] if code[0] == "9" else code[:2]
    if place not in PROVINCES:
        return False
    if not _birth_date(int(code[6:10]), int(code[10:12]), int(code[12:14]), today=today or dt.date.today()):
        return False
    return code[17] == resident_id_check(code[:17])


def is_old_resident_id(code: str, *, today: dt.date | None = None) -> bool:
    """A 15-digit resident ID number (1984–2004, no check character): a province code and a birth
    date 19YYMMDD. Born 1920 or later: earlier dates are the sequences of registration numbers."""
    if len(code) != 15 or not code.isdigit() or code[:2] not in PROVINCES or code[6:8] < "20":
        return False
    return _birth_date(
        1900 + int(code[6:8]), int(code[8:10]), int(code[10:12]), today=today or dt.date.today()
    )


def is_registration_number(code: str) -> bool:
    """A 15-digit business registration number (工商注册号) with its ISO 7064 MOD 11,10 check digit."""
    if len(code) != 15 or not code.isdigit():
        return False
    check = 5
    for digit in code:
        check = (((check or 10) * 2) % 11 + int(digit)) % 10
    return check == 1


def _label_before(text: str, start: int) -> str:
    """Which label the nearest word before ``start`` gives: "id", "code" or ""."""
    window = text[max(0, start - _LOOK_BACK) : start]
    best, where = "", -1
    for kind, pattern in (("id", _ID_LABEL), ("code", _CODE_LABEL)):
        for match in pattern.finditer(window):
            if match.end() > where:
                best, where = kind, match.end()
    return best


def _is_amount(text: str, start: int, end: int) -> bool:
    return bool(_AMOUNT_AFTER.match(text, end) or _AMOUNT_BEFORE.search(text[max(0, start - 6) : start]))


# --- Finding ---------------------------------------------------------------------------------------


def _clean_names(names: Iterable[str]) -> list[str]:
    found = set()
    for name in names:
        text = " ".join((name or "").split())
        if _is_cjk(text):
            text = text.replace(" ", "")
        if len(text) >= 2:  # a single character is everywhere
            found.add(text)
    return sorted(found, key=len, reverse=True)


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def find_personal_data(
    text: str,
    *,
    names: Iterable[str] = (),
    identifiers: Iterable[str] = (),
    codes: Iterable[str] = (),
    today: dt.date | None = None,
) -> list[Finding]:
    """Every piece of personal data in ``text``, in order, none overlapping.

    ``names``: names of natural persons to find (the record's natural-person party); ``identifiers``:
    identity document numbers to find as written (a passport number); ``codes``: codes that are
    known not to be ID numbers (the record's USCCs).
    """
    if not text:
        return []
    if not names and not identifiers and not _DIGIT_RUN.search(text):
        return []  # the common case of the public outputs, checked in one scan of the text
    today = today or dt.date.today()
    folded = text.translate(_FOLD)
    known_codes: set[str] | None = None  # worked out only if an 18-character number turns up
    found: list[Finding] = []

    for match in _ID18.finditer(folded):
        code = "".join(match.groups()).upper()
        if not is_resident_id(code, today=today):
            continue
        label = _label_before(folded, match.start())
        if known_codes is None:
            known_codes = {uscc.compact(c) for c in codes if c}
        if label != "id" and (
            code in known_codes or label == "code" or (code[0] == "9" and uscc.is_valid(code))
        ):
            continue
        found.append(Finding(RESIDENT_ID, match.start(), match.end()))
    for match in _ID15.finditer(folded):
        code = match.group()
        if not is_old_resident_id(code, today=today):
            continue
        label = _label_before(folded, match.start())
        if label == "code" or (label != "id" and is_registration_number(code)):
            continue
        found.append(Finding(RESIDENT_ID, match.start(), match.end()))
    for pattern in (_MOBILE, _LANDLINE):
        for match in pattern.finditer(folded):
            if not _is_amount(folded, match.start(), match.end()):
                found.append(Finding(PHONE, match.start(), match.end()))
    for match in _LOCAL_PHONE.finditer(folded):
        if not _is_amount(folded, match.start(1), match.end(1)):
            found.append(Finding(PHONE, match.start(1), match.end(1)))

    lowered = folded.lower()
    for value in {"".join((v or "").split()) for v in identifiers}:
        if len(value) >= 6:
            found += _occurrences(lowered, value.lower(), IDENTIFIER, whole_word=True)
    for name in _clean_names(names):
        found += _occurrences(lowered, name.lower(), NAME, whole_word=not _is_cjk(name))
    return _without_overlaps(found)


def _occurrences(text: str, needle: str, kind: str, *, whole_word: bool) -> list[Finding]:
    if whole_word:
        pattern = re.compile(r"(?<![0-9a-z])" + r"\s+".join(map(re.escape, needle.split())) + r"(?![0-9a-z])")
        return [Finding(kind, m.start(), m.end()) for m in pattern.finditer(text)]
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(Finding(kind, at, at + len(needle)))
        at = text.find(needle, at + len(needle))
    return found


def _without_overlaps(found: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for finding in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


# --- Masking ---------------------------------------------------------------------------------------


def mask_person_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*, 欧阳小明 → 欧**明, Anna Li → A*** L*; one character becomes *."""
    if _is_cjk(name or ""):
        text = "".join((name or "").split())
        if not text:
            return ""
        if len(text) == 1:
            return MASK
        if len(text) == 2:
            return text[0] + MASK
        return text[0] + MASK * (len(text) - 2) + text[-1]
    words = (name or "").split()
    return " ".join(word[0] + MASK * (len(word) - 1) for word in words)


def _mask_characters(text: str, *, head: int, tail: int) -> str:
    """Stars for the letters and digits of ``text`` but the first ``head`` and last ``tail``;
    separators stay."""
    positions = [i for i, ch in enumerate(text.translate(_FOLD)) if ch.isascii() and ch.isalnum()]
    hidden = set(positions[head : len(positions) - tail if tail else None])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))


def _mask_one(kind: str, text: str) -> str:
    if kind == RESIDENT_ID:
        return _mask_characters(text, head=4, tail=0)  # the city stays; birth date and sequence go
    if kind == PHONE:
        folded = text.translate(_FOLD)
        digits = sum(ch.isdigit() for ch in folded)
        if _MOBILE.fullmatch(folded):
            return _mask_characters(text, head=digits - 8, tail=4)  # 138****5678, +86 138****5678
        area = _AREA_AT_START.match(folded)
        if area:  # 0571-****4321, an extension kept
            main = _EXTENSION.match(folded).end("main")
            return _mask_characters(text[:main], head=len(area.group(1)), tail=4) + text[main:]
        return _mask_characters(text, head=0, tail=2)  # a local number alone
    if kind == NAME:
        return mask_person_name(text)
    return _mask_characters(text, head=1, tail=0)


def mask_personal_data(
    text: str,
    *,
    names: Iterable[str] = (),
    identifiers: Iterable[str] = (),
    codes: Iterable[str] = (),
    today: dt.date | None = None,
) -> str:
    """``text`` with every piece of personal data ``find_personal_data`` finds masked."""
    if not text:
        return text
    findings = find_personal_data(text, names=names, identifiers=identifiers, codes=codes, today=today)
    if not findings:
        return text
    parts, at = [], 0
    for finding in findings:
        parts += [text[at : finding.start], _mask_one(finding.kind, text[finding.start : finding.end])]
        at = finding.end
    parts.append(text[at:])
    return "".join(parts)
