"""Cells of a credit record as typed at the desk, found in a file or sent as JSON: each parser
takes a raw value and returns the clean one, or raises ValueError with a message for the clerk."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from registry import uscc as uscc_codes
from sanctions.models import PenaltyCategory

_PLACEHOLDER = re.compile(r"^(.)\1{16}.$")
_SPACES = re.compile(r"[ \t\u3000]+")


def text_cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if "  " in text or "\t" in text or "\u3000" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def bool_cell(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return text_cell(value).lower() in {"1", "true", "yes", "y", "on", "是"}


def amount_cell(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    text = text_cell(value).replace(",", "").replace("，", "")
    text = re.sub(r"万元$", "", text)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(
            _("“%(value)s” is not an amount in 10,000 yuan.") % {"value": text_cell(value)}
        ) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(_("An amount cannot be negative."))
    if amount >= Decimal("1e8"):
        raise ValueError(_("The amount is too large."))
    return amount.quantize(Decimal("0.000001"))


def is_placeholder(code: str) -> bool:
    """Codes keyed to get past a required field: 00000000000000000X, 111111111111111111, …"""
    code = uscc_codes.compact(code)
    return bool(_PLACEHOLDER.match(code)) or code[8:16] in {"00000000", "99999999"}


class UncheckedCode(str):
    """A well-formed code whose check characters fail: valid as a party only if the registry holds
    it as a legacy code (an early pilot code, registered by an administrator with the legacy flag).
    ``problem`` says what is wrong with it, for wherever it is not so registered."""

    __slots__ = ("problem",)

    def __new__(cls, code: str, problem: str) -> UncheckedCode:
        self = super().__new__(cls, code)
        self.problem = problem
        return self


def clean_code(value: Any, *, what: str, legacy: bool = False) -> str:
    """The code as stored; a wrong code raises ValueError. With ``legacy``, a code that fails only
    its check characters is returned as an ``UncheckedCode``: the caller accepts it only for an
    enterprise registered under it as a legacy code."""
    code = uscc_codes.compact(text_cell(value))
    if not code:
        return ""
    if len(code) == 18 and is_placeholder(code):
        raise ValueError(
            _("%(code)s is a placeholder, not the %(what)s's real code.") % {"code": code, "what": what}
        )
    analysis = uscc_codes.analyse(code)
    if not analysis.is_valid:
        problem = " ".join(e.message for e in analysis.errors)
        if legacy and analysis.is_well_formed:
            return UncheckedCode(analysis.normalized, problem)
        raise ValueError(problem)
    return analysis.normalized


def penalty_category_lookup() -> dict[str, str]:
    """The active penalty categories by code and by name -> code."""
    known = {c.code: c.code for c in PenaltyCategory.objects.filter(active=True)}
    known.update({c.name: c.code for c in PenaltyCategory.objects.filter(active=True)})
    return known


def categories_cell(value: Any, known: dict[str, str] | None = None) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else re.split(r"[;；,，、/]+", text_cell(value))
    if known is None:
        known = penalty_category_lookup()
    result, unknown = [], []
    for item in items:
        item = text_cell(item)
        if not item:
            continue
        code = known.get(item)
        if code is None:
            unknown.append(item)
        elif code not in result:
            result.append(code)
    if unknown:
        raise ValueError(
            _("Unknown penalty category: %(values)s (see the penalty category catalogue).")
            % {"values": "、".join(unknown)}
        )
    return result


def text_cleaner(limit: int):
    def clean(value: Any) -> str:
        result = text_cell(value)
        if len(result) > limit:
            raise ValueError(_("At most %(max)d characters.") % {"max": limit})
        return result

    return clean
