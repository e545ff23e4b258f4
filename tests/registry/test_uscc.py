"""The USCC rules of GB 32100-2015 against real codes and every single-character corruption."""

import re
from pathlib import Path
from unittest import mock

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn.uscc import calc_check_digit

from registry import uscc

DATA = Path(__file__).parent / "data"


def _codes(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


REAL = _codes("uscc_real_valid.txt")
LEGACY = _codes("uscc_real_legacy_invalid.txt")


def test_the_real_code_list_is_the_full_one():
    assert len(REAL) > 380


@pytest.mark.parametrize("code", REAL)
def test_every_real_code_is_valid(code):
    assert uscc.analyse(code).errors == []


def test_every_substitution_and_adjacent_transposition_of_a_real_code_is_rejected():
    accepted = []
    for code in REAL:
        for i in range(18):
            for ch in uscc.ALPHABET + "IOSVZ":
                if ch != code[i] and uscc.is_valid(code[:i] + ch + code[i + 1 :]):
                    accepted.append(code[:i] + ch + code[i + 1 :])
            if i < 17 and code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
                if uscc.is_valid(swapped):
                    accepted.append(swapped)
    assert accepted == []


@pytest.mark.parametrize("code", LEGACY)
def test_legacy_fujian_codes_are_well_formed_but_fail_the_check(code):
    analysis = uscc.analyse(code)
    assert not analysis.is_valid
    assert analysis.is_well_formed
    assert [e.code for e in analysis.errors] == ["check"]


@pytest.mark.parametrize(
    "typed",
    [
        "91110000600037341l",
        " 91 110000 600037341L ",
        "91-110000-600037341L",
        "９１１１００００６０００３７３４１Ｌ",
    ],
)
def test_codes_as_people_type_them_are_accepted(typed):
    analysis = uscc.analyse(typed)
    assert analysis.is_valid
    assert analysis.normalized == "91110000600037341L"


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_authorities_a_n_y_are_legitimate(authority):
    code = uscc.make_code(authority=authority, category="1", division="110000", organization="MA1B2C3D")
    assert uscc.is_valid(code), uscc.analyse(code).errors
    assert authority in uscc.AUTHORITIES


@translation.override("en")
def test_messages_say_what_is_wrong_and_where():
    too_short = uscc.analyse("9111000060003734")
    assert too_short.errors[0].code == "length"
    assert "16" in too_short.errors[0].message

    letter_o = uscc.analyse("91110000600O37341L")
    assert any(e.code == "character" and e.position == 12 for e in letter_o.errors)

    division = uscc.analyse("9111A000600037341L")
    assert any(e.code == "division" and e.position == 5 for e in division.errors)

    check = uscc.analyse("91110000600037341M")
    assert check.errors[0].code == "check"
    assert "“L”" in check.errors[0].message and check.expected_check == "L"


@translation.override("en")
def test_a_wrong_embedded_organisation_code_is_named():
    valid = "91110000600037341L"
    broken_org = valid[:16] + "2"
    broken = broken_org + uscc.check_character(broken_org)
    errors = uscc.analyse(broken).errors
    assert [e.code for e in errors] == ["org_check"]
    assert "“1”" in errors[0].message


@translation.override("en")
def test_parts_of_a_code():
    analysis = uscc.analyse("91330106MA2CDEF12X")
    assert analysis.authority == "9" and analysis.category == "1"
    assert analysis.division_code == "330106"
    assert analysis.organization_code == "MA2CDEF12"
    assert uscc.category_name("91") == "Enterprise"
    assert uscc.format_display("91110000600037341L") == "91 110000 600037341 L"


@pytest.mark.parametrize(
    ("typed", "position", "stand_in", "looks_like"),
    [
        ("9①110000600037341L", 2, "U+2460", "1"),  # circled digit (NFKC folds it to 1)
        ("91110000600037341Ⅼ", 18, "U+216C", "L"),  # Roman numeral fifty
        ("9111000060003734𝟏L", 17, "U+1D7CF", "1"),  # mathematical bold digit
        ("91110000600037341ℓ", 18, "U+2113", "L"),  # script small l
        ("911100006000З7341L", 13, "U+0417", "3"),  # Cyrillic Ze
        ("91110000600037341Ⓛ", 18, "U+24C1", "L"),  # circled capital
    ],
)
@translation.override("en")
def test_look_alike_characters_are_refused_by_name_and_position(typed, position, stand_in, looks_like):
    analysis = uscc.analyse(typed)
    assert not analysis.is_valid
    [error] = [e for e in analysis.errors if e.code == "character"]
    assert error.position == position
    assert stand_in in error.message and f"looks like “{looks_like}”" in error.message
    assert not uscc.is_valid(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "９１１１００００６０００３７３４１Ｌ",  # full-width forms (an IME's)
        "９１１１００００６０００３７３４１ｌ",  # full-width lower case
        "91\u3000110000\u2003600037341L",  # ideographic and em spaces
        "91\u2212110000\u2013600037341L",  # minus sign and en dash
        "\u00a091110000600037341l\u00a0",  # no-break spaces and lower case
    ],
)
def test_full_width_case_spaces_and_dashes_are_still_folded(typed):
    assert uscc.compact(typed) == "91110000600037341L"
    assert uscc.is_valid(typed)


@translation.override("en")
def test_an_invisible_character_is_named():
    analysis = uscc.analyse("9111000060003734\u200b1L")
    assert any("U+200B ZERO WIDTH SPACE" in e.message and e.position == 17 for e in analysis.errors)


# --- One character too few or too many ------------------------------------------------------------


def test_a_dropped_or_doubled_character_of_every_real_code_is_located_among_the_candidates():
    """Every real code with one character left out (17) or one typed twice (19): the true code is
    among the candidates, at the position of the mistake (the first of a run of equal characters)."""
    for code in REAL[:120]:
        for i in range(18):
            short = code[:i] + code[i + 1 :]
            candidates = uscc.one_off_candidates(short)
            first = i
            while first > 0 and code[first - 1] == code[i]:
                first -= 1
            assert candidates.get(code) == first + 1, (code, i, candidates)
            doubled = code[:i] + code[i] + code[i:]
            assert uscc.one_off_candidates(doubled).get(code) == first + 1, (code, i)


def test_the_shortcut_for_a_missing_character_finds_what_trying_every_character_finds():
    def every_character(short: str) -> set[str]:
        tries = {short[:i] + ch + short[i:] for i in range(18) for ch in uscc.ALPHABET}
        return {candidate for candidate in tries if uscc.is_valid(candidate)}

    for code in REAL[:40]:
        for i in (0, 5, 11, 16, 17):
            short = code[:i] + code[i + 1 :]
            assert set(uscc.one_off_candidates(short)) == every_character(short), short


@translation.override("en")
def test_seventeen_characters_say_one_is_missing_and_where():
    code = next(c for c in REAL if len(uscc.one_off_candidates(c[:17])) == 1)
    without_check = uscc.analyse(code[:17])
    assert [e.code for e in without_check.errors] == ["length"]
    error = without_check.errors[0]
    assert "has 17: one character is missing" in error.message
    assert error.position == 18 and f"“{code[17]}” added as character 18" in error.message
    # A character left out in the middle: the positions where one added character passes both checks.
    for i in range(1, 17):
        analysis = uscc.analyse(code[:i] + code[i + 1 :])
        assert analysis.errors[0].code == "length"
        # Shifted characters are not blamed one by one (no "must be a digit" for the division).
        assert [e.code for e in analysis.errors] == ["length"], analysis.errors
        assert (
            str(min(uscc.one_off_candidates(code[:i] + code[i + 1 :]).values())) in analysis.errors[0].message
        )
    ambiguous = next(c for c in REAL if len(set(uscc.one_off_candidates(c[:17]).values())) > 1)
    message = uscc.analyse(ambiguous[:17]).errors[0].message
    positions = sorted(set(uscc.one_off_candidates(ambiguous[:17]).values()))
    assert f"added at one of positions {', '.join(map(str, positions))}." in message


@translation.override("en")
def test_nineteen_characters_say_one_is_too_many_and_which():
    code = REAL[0]
    extra = next(ch for ch in uscc.ALPHABET if uscc.is_valid(code) and ch not in code[6:8])
    typed = code[:7] + extra + code[7:]
    analysis = uscc.analyse(typed)
    assert [e.code for e in analysis.errors] == ["length"]
    message = analysis.errors[0].message
    assert "has 19: one character too many" in message
    positions = uscc.one_off_candidates(typed)
    assert positions[code] == 8
    if len(set(positions.values())) == 1:
        assert f"without character 8, “{extra}”" in message and analysis.errors[0].position == 8
    else:
        assert "8" in message
    # Nothing removed makes it pass: said so.
    hopeless = "9" * 19
    assert "No single removed character" in uscc.analyse(hopeless).errors[0].message


@translation.override("en")
def test_other_lengths_keep_the_plain_length_message():
    assert uscc.analyse("9111000060003734").errors[0].message == "A code has 18 characters; this one has 16."
    assert uscc.analyse(REAL[0] + "12").errors[0].message == "A code has 18 characters; this one has 20."


# --- The check character and the test of form, against their references -------------------------


@given(st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17))
def test_the_check_character_is_the_one_python_stdnum_computes(first17):
    assert uscc.check_character(first17) == calc_check_digit(first17)


# Mostly code characters, with some that a code never has (I, O, a lower-case letter, a full-width
# digit, a dash, a space), at lengths around 18: the shortcut for a well-formed code must accept
# exactly the strings in which the full test of form finds nothing.
_NEAR_CODES = st.text(
    alphabet=st.sampled_from([*uscc.ALPHABET, "I", "O", "a", "１", "-", " "]), min_size=15, max_size=20
)


@given(_NEAR_CODES)
def test_a_code_is_taken_as_well_formed_exactly_when_no_problem_of_form_is_found(text):
    errors: list = []
    found = uscc._form_errors(text, errors)
    assert (uscc._WELL_FORMED.fullmatch(text) is not None) == (not found)
    assert found == bool(errors)


@given(_NEAR_CODES)
def test_analysing_with_the_shortcut_finds_what_the_full_test_of_form_finds(text):
    shortcut = uscc.analyse(text)
    with mock.patch.object(uscc, "_WELL_FORMED", re.compile(r"(?!)")):  # matches nothing: every code in full
        full = uscc.analyse(text)
    assert shortcut.errors == full.errors
    assert (shortcut.expected_check, shortcut.expected_org_check) == (
        full.expected_check,
        full.expected_org_check,
    )


def test_a_character_no_code_has_has_no_check_character():
    with pytest.raises(ValueError):
        uscc.check_character("91330106MB0I0R90N")  # "I" is never used
    with pytest.raises(ValueError):
        calc_check_digit("91330106MB0I0R90N")  # as python-stdnum says
