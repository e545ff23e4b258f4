"""Codes: what looks like a unified social credit code, and the valid codes one typing error away."""

from __future__ import annotations

import re

from .. import uscc as uscc_codes

_CODE_LIKE = re.compile(r"^[0-9A-Z]{4,20}$")


def looks_like_code(compacted: str) -> bool:
    """Four to twenty letters and digits with at least one digit: a code, its beginning, or a code
    with a character or two too many."""
    return bool(_CODE_LIKE.match(compacted)) and any(ch.isdigit() for ch in compacted)


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
