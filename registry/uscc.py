"""The unified social credit code (USCC, GB 32100-2015): parse, validate, explain, format.

The check character is GB 32100's weighted sum modulo 31, as python-stdnum computes it
(``stdnum.cn.uscc.calc_check_digit``, which the tests hold ours to); ours is the same sum over a
table of character values, about four times faster, because an import checks every row's party.
stdnum's ``validate`` is not used because it wrongly requires the first eight characters to be
digits, which refuses the legitimate authorities A (military), N (agriculture) and Y (other). Only
positions 3–8 (the administrative division) must be digits. The embedded organisation code (GB 11714) has a check
character of its own, which stdnum does not cover.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
# The pattern published in the API schema: authority and category, six digits, nine characters
# of organisation code, one check character.
PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"

# Characters people type between groups of a code; removed before validation: these, and every
# Unicode space (category Zs: no-break, ideographic, en, em, thin …).
_SEPARATORS = {
    "-", "_", ".",
    "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015",  # hyphens and dashes
    "\u2212", "\ufe58", "\ufe63",  # minus sign, small em dash, small hyphen-minus
}  # fmt: skip
# Full-width forms (U+FF01–U+FF5E) fold to their ASCII characters, as an IME types them.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# Letters from other scripts drawn like the Latin capitals a code uses (none is folded: each is
# refused and named). Compatibility forms such as ① or Ⅰ are found with NFKC when explaining.
_HOMOGLYPHS = {
    **dict(zip("АВЕЗКМНОРСТУХаеорсух", "ABE3KMHOPCTYXAEOPCYX", strict=True)),  # Cyrillic
    **dict(zip("ΑΒΕΗΙΚΜΝΟΡΤΥΧ", "ABEHIKMNOPTYX", strict=True)),  # Greek
}

# Position 1: the registration authority (GB 32100-2015, table 1).
AUTHORITIES: dict[str, str] = {
    "1": gettext_lazy("Institutional staffing office"),
    "2": gettext_lazy("Foreign affairs"),
    "3": gettext_lazy("Justice administration"),
    "4": gettext_lazy("Culture"),
    "5": gettext_lazy("Civil affairs"),
    "6": gettext_lazy("Tourism"),
    "7": gettext_lazy("Religious affairs"),
    "8": gettext_lazy("Trade unions"),
    "9": gettext_lazy("Market regulation (industry and commerce)"),
    "A": gettext_lazy("Military staffing"),
    "N": gettext_lazy("Agriculture"),
    "Y": gettext_lazy("Other authorities"),
}

# Position 2: the entity category within its authority.
CATEGORIES: dict[tuple[str, str], str] = {
    ("1", "1"): gettext_lazy("Government organ"),
    ("1", "2"): gettext_lazy("Public institution"),
    ("1", "3"): gettext_lazy("Mass organisation exempt from registration"),
    ("1", "9"): gettext_lazy("Other"),
    ("2", "1"): gettext_lazy("Resident office of a foreign news agency"),
    ("2", "9"): gettext_lazy("Other"),
    ("3", "1"): gettext_lazy("Law firm"),
    ("3", "2"): gettext_lazy("Notary office"),
    ("3", "3"): gettext_lazy("Arbitration commission"),
    ("3", "4"): gettext_lazy("Judicial appraisal institution"),
    ("3", "5"): gettext_lazy("Representative office of a foreign law firm"),
    ("3", "9"): gettext_lazy("Other"),
    ("4", "1"): gettext_lazy("Resident office of a foreign cultural centre"),
    ("4", "9"): gettext_lazy("Other"),
    ("5", "1"): gettext_lazy("Social organisation"),
    ("5", "2"): gettext_lazy("Private non-enterprise unit"),
    ("5", "3"): gettext_lazy("Foundation"),
    ("5", "9"): gettext_lazy("Other"),
    ("6", "1"): gettext_lazy("Representative office of a foreign tourism department"),
    ("6", "9"): gettext_lazy("Other"),
    ("7", "1"): gettext_lazy("Religious venue"),
    ("7", "2"): gettext_lazy("Religious college"),
    ("7", "9"): gettext_lazy("Other"),
    ("8", "1"): gettext_lazy("Grassroots trade union"),
    ("8", "9"): gettext_lazy("Other"),
    ("9", "1"): gettext_lazy("Enterprise"),
    ("9", "2"): gettext_lazy("Individual business"),
    ("9", "3"): gettext_lazy("Farmers' specialised cooperative"),
    ("A", "1"): gettext_lazy("Military public institution"),
    ("A", "9"): gettext_lazy("Other"),
    ("N", "1"): gettext_lazy("Group-level collective economic organisation"),
    ("N", "2"): gettext_lazy("Village-level collective economic organisation"),
    ("N", "3"): gettext_lazy("Township-level collective economic organisation"),
    ("N", "9"): gettext_lazy("Other"),
    ("Y", "1"): gettext_lazy("Other"),
}

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class USCCError:
    """One thing wrong with a code: a machine code, a sentence for people, and where (1-based)."""

    code: str
    message: str
    position: int | None = None


@dataclass
class USCCAnalysis:
    """What a typed code is, part by part, and everything wrong with it."""

    input: str
    normalized: str
    errors: list[USCCError] = field(default_factory=list)
    expected_check: str | None = None
    expected_org_check: str | None = None

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def is_well_formed(self) -> bool:
        """Right length and alphabet, digits where digits belong: only the check characters may fail."""
        return all(e.code in {"check", "org_check"} for e in self.errors)

    @property
    def authority(self) -> str | None:
        return self.normalized[0] if len(self.normalized) >= 1 else None

    @property
    def category(self) -> str | None:
        return self.normalized[1] if len(self.normalized) >= 2 else None

    @property
    def division_code(self) -> str | None:
        part = self.normalized[2:8]
        return part if len(part) == 6 and part.isdigit() else None

    @property
    def organization_code(self) -> str | None:
        return self.normalized[8:17] if len(self.normalized) >= 17 else None

    @property
    def check_character(self) -> str | None:
        return self.normalized[17] if len(self.normalized) == LENGTH else None


def compact(value: str) -> str:
    """The code as stored: full-width forms folded, separators and spaces removed, ASCII upper case.

    Nothing else is folded: a look-alike (①, Ⅰ, 𝟗, a Cyrillic А …) stays, and ``analyse`` refuses it
    by name and position, so that what is stored is exactly what the code says.
    """
    if value and value.isascii() and value.isalnum():
        # The common case, a code as printed: no full-width form, separator or space to remove.
        return value.upper()
    folded = (value or "").translate(_FULL_WIDTH)
    kept = "".join(ch for ch in folded if ch not in _SEPARATORS and unicodedata.category(ch) != "Zs")
    return "".join(chr(ord(ch) - 32) if "a" <= ch <= "z" else ch for ch in kept.strip())


def _look_alike(ch: str) -> str | None:
    """The code character ``ch`` is drawn like, if it is a stand-in for one (① for 1, А for A)."""
    folded = _HOMOGLYPHS.get(ch) or unicodedata.normalize("NFKC", ch).upper()
    return folded if len(folded) == 1 and folded in ALPHABET + "IOSVZ" else None


def _describe(ch: str) -> str:
    """U+2460 CIRCLED DIGIT ONE: which character it is, for a character one cannot tell by eye."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".rstrip()


def format_display(code: str) -> str:
    """Groups for reading aloud or printing: authority+category, division, organisation code, check."""
    code = compact(code)
    if len(code) != LENGTH:
        return code
    return f"{code[:2]} {code[2:8]} {code[8:17]} {code[17]}"


def organization_check(first8: str) -> str:
    """The GB 11714 check character for the first eight characters of an organisation code."""
    total = sum(_ORG_VALUES.index(ch) * w for ch, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def check_character(first17: str) -> str:
    """The GB 32100 check character for the first seventeen characters of a code; ValueError for a
    character no code has (as python-stdnum raises)."""
    try:
        total = sum(map(operator.mul, map(_VALUES.__getitem__, first17), _WEIGHTS))
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not a character of a code") from None
    return ALPHABET[-total % 31]


def analyse(value: str) -> USCCAnalysis:
    """Explain a code as typed: every problem with its position, and the parts it has."""
    normalized = compact(value)
    result = USCCAnalysis(input=value, normalized=normalized)
    errors = result.errors
    if not normalized:
        errors.append(USCCError("required", _("Enter a unified social credit code.")))
        return result
    if _WELL_FORMED.fullmatch(normalized) is None and _form_errors(normalized, errors):
        return result
    org = normalized[8:17]
    result.expected_org_check = organization_check(org[:8])
    result.expected_check = check_character(normalized[:17])
    if org[8] != result.expected_org_check:
        errors.append(
            USCCError(
                "org_check",
                _(
                    "The organisation code %(org)s fails its own check: character 17 should be "
                    "“%(expected)s”, not “%(actual)s”."
                )
                % {"org": org, "expected": result.expected_org_check, "actual": org[8]},
                17,
            )
        )
    if normalized[17] != result.expected_check:
        errors.append(
            USCCError(
                "check",
                _("The check character (18) should be “%(expected)s”, not “%(actual)s”.")
                % {"expected": result.expected_check, "actual": normalized[17]},
                18,
            )
        )
    return result


def _form_errors(normalized: str, errors: list[USCCError]) -> bool:
    """Add the problems of form (characters, length, division digits, authority); True when the
    check characters are not worth computing (any problem)."""
    bad_positions = []
    for position, ch in enumerate(normalized, start=1):
        if ch not in ALPHABET:
            bad_positions.append(position)
            hint = ""
            if ch in "IOSVZ":
                hint = " " + _("The letters I, O, S, V and Z are never used in a code.")
            elif (like := _look_alike(ch)) is not None:
                hint = " " + _(
                    "It looks like “%(like)s” but is another character (%(unicode)s): type the code "
                    "with ordinary digits and letters."
                ) % {"like": like, "unicode": _describe(ch)}
            elif not ch.isprintable() or ch.isspace():
                hint = " " + _("It is an invisible character (%(unicode)s).") % {"unicode": _describe(ch)}
            errors.append(
                USCCError(
                    "character",
                    _("Character %(position)d, “%(char)s”, is not allowed.")
                    % {"position": position, "char": ch}
                    + hint,
                    position,
                )
            )
    if len(normalized) != LENGTH:
        errors.insert(0, _length_error(normalized))
        if one_off_candidates(normalized):
            return True  # the later characters are shifted: the length error says where to look
    for position in range(3, min(len(normalized), 8) + 1):
        ch = normalized[position - 1]
        if not ch.isdigit() and position not in bad_positions:
            errors.append(
                USCCError(
                    "division",
                    _(
                        "Character %(position)d, “%(char)s”, must be a digit: positions 3 to 8 are the "
                        "administrative division code."
                    )
                    % {"position": position, "char": ch},
                    position,
                )
            )
    if len(normalized) >= 1 and normalized[0] in ALPHABET and normalized[0] not in AUTHORITIES:
        errors.append(
            USCCError(
                "authority",
                _("Character 1, “%(char)s”, is not a registration authority.") % {"char": normalized[0]},
                1,
            )
        )
    return bool(errors)


# The weights of GB 32100's check (python-stdnum's): 3 to the power of the position, modulo 31.
_WEIGHTS = tuple(pow(3, j, 31) for j in range(LENGTH - 1))
_VALUES = {ch: value for value, ch in enumerate(ALPHABET)}
# A code with no problem of form (what _form_errors finds nothing in): only its checks are left to test.
_WELL_FORMED = re.compile(f"[{''.join(AUTHORITIES)}][{ALPHABET}][0-9]{{6}}[{ALPHABET}]{{10}}")


@lru_cache(maxsize=256)
def one_off_candidates(code: str) -> dict[str, int]:
    """Valid codes one added character (17 typed) or one removed character (19 typed) away, each with
    the 1-based position of the character added or removed (the first, for a repeated character).

    For an added character the check fixes it: at each position exactly one character makes the
    weighted sum come out, so 18 candidates are analysed, not 18 × 31."""
    if any(ch not in ALPHABET for ch in code):
        return {}
    if len(code) == LENGTH - 1:
        value = ALPHABET.index
        tries = [(code + check_character(code), LENGTH)]
        for i in range(LENGTH - 1):
            fixed = sum(w * value(ch) for w, ch in zip(_WEIGHTS, code[:i] + "0" + code[i:16], strict=True))
            missing = (-value(code[16]) - fixed) * pow(_WEIGHTS[i], -1, 31) % 31
            tries.append((code[:i] + ALPHABET[missing] + code[i:], i + 1))
        tries.sort(key=lambda item: item[1])
    elif len(code) == LENGTH + 1:
        tries = [(code[:i] + code[i + 1 :], i + 1) for i in range(LENGTH + 1)]
    else:
        return {}
    found: dict[str, int] = {}
    for candidate, position in tries:
        if candidate not in found and _passes(candidate):
            found[candidate] = position
    return found


def _passes(candidate: str) -> bool:
    if not candidate[2:8].isdigit() or check_character(candidate[:17]) != candidate[17]:  # cheap tests first
        return False
    return is_valid(candidate)


def _length_error(normalized: str) -> USCCError:
    """The length is wrong; for one character too few or too many, where the check characters say
    the missing or extra character most likely is."""
    count = len(normalized)
    if count not in (LENGTH - 1, LENGTH + 1) or not all(ch in ALPHABET for ch in normalized):
        return USCCError("length", _("A code has 18 characters; this one has %(count)d.") % {"count": count})
    candidates = one_off_candidates(normalized)
    positions = sorted(set(candidates.values()))
    values: dict = {"positions": ", ".join(str(p) for p in positions)}
    if len(positions) == 1:
        position = positions[0]
        code = next(iter(candidates)) if count < LENGTH else normalized
        values |= {"position": position, "char": code[position - 1]}
    if count == LENGTH - 1:
        message = _("A code has 18 characters; this one has 17: one character is missing.")
        if len(positions) == 1:
            hint = _("The check characters pass only with “%(char)s” added as character %(position)d.")
        elif positions:
            hint = _("The check characters pass with a character added at one of positions %(positions)s.")
        else:
            hint = _("No single added character makes the check characters pass: check every character.")
    else:
        message = _("A code has 18 characters; this one has 19: one character too many.")
        if len(positions) == 1:
            hint = _(
                "The check characters pass only without character %(position)d, “%(char)s”: it is most "
                "likely the extra one."
            )
        elif positions:
            hint = _("The check characters pass without any one of characters %(positions)s.")
        else:
            hint = _("No single removed character makes the check characters pass: check every character.")
    return USCCError("length", f"{message} {hint % values}", positions[0] if len(positions) == 1 else None)


def is_valid(value: str) -> bool:
    return analyse(value).is_valid


def authority_name(code: str) -> str:
    return str(AUTHORITIES.get(code[:1], _("Unknown")))


def category_name(code: str) -> str:
    return str(CATEGORIES.get((code[:1], code[1:2]), _("Unknown")))


def make_code(*, authority: str, category: str, division: str, organization: str) -> str:
    """A valid code from its parts; ``organization`` is the first eight characters of the org code."""
    org = organization + organization_check(organization)
    first17 = f"{authority}{category}{division}{org}"
    return first17 + check_character(first17)
